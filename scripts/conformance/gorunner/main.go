// Command gorunner drives the dotenv conformance harness (scripts/conformance.sh).
//
// For every case (internal/envload/testdata/conformance/cases/NAME.txtar) it
// unpacks the txtar into a scratch tree, writes a manifest for the Node and
// Python runners, runs them, runs the Go loaders (godotenv, compose-go,
// go-envparse) in this process, and writes golden/NAME.json.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/hashicorp/go-envparse"
	"github.com/joho/godotenv"
	"golang.org/x/tools/txtar"
)

// Baseline is the environment every loader starts with, besides the case's
// env: lines and PWD (set to the run folder). Fixed values keep the goldens
// deterministic even where a loader expands ${HOME} or ${PATH}.
var baseline = map[string]string{
	"PATH": "/usr/local/bin:/usr/bin:/bin",
	"HOME": "/home/conformance",
}

// RootToken replaces the absolute path of a case's scratch tree in recorded
// values and error messages.
const rootToken = "<ROOT>"

// Manifest is what the Node and Python runners read (see run.cjs, run.py).
type manifest struct {
	Case   string            `json:"case"`
	Mode   string            `json:"mode"`
	Root   string            `json:"root"`
	Env    map[string]string `json:"env"`
	Runs   []string          `json:"runs"`
	Caller string            `json:"caller"`
	Next   bool              `json:"next"`
	// Scripts are the package.json scripts to run ("apps/web/package.json dev").
	Scripts []string `json:"scripts,omitempty"`
	// PyCalls are Python files whose load_dotenv calls run.py executes
	// (see run.py's pycalls).
	PyCalls []string `json:"pycalls,omitempty"`
	// NodeCalls are JavaScript files whose dotenv config calls run.cjs
	// executes (see run.cjs's nodecalls).
	NodeCalls []string `json:"nodecalls,omitempty"`
	// ViteConfigs are folders whose vite.config run.cjs resolves (see
	// run.cjs's viteconfigs).
	ViteConfigs []string `json:"viteconfigs,omitempty"`
	// Settings are pydantic-settings classes ("FILE CLASS") run.py builds.
	Settings []string `json:"settings,omitempty"`
}

// Result is one loader's outcome for one run folder.
type result struct {
	Error string              `json:"error,omitempty"`
	Vars  *map[string]*string `json:"vars,omitempty"`
	// Driver are the PG* variables a driver in the same process reads
	// after loading: the process environment's, not a returned map's.
	Driver *map[string]*string `json:"driver,omitempty"`
	// Version names the package a nodecall: file ran with.
	Version string `json:"version,omitempty"`
}

type loaderResult struct {
	Runs    map[string]result `json:"runs"`
	Version string            `json:"version"`
}

type golden struct {
	Case    string                  `json:"case"`
	Loaders map[string]loaderResult `json:"loaders"`
	Mode    string                  `json:"mode"`
	// Scripts are what the process a package.json script starts sees,
	// by "MANIFEST SCRIPT" (see scripts.go).
	Scripts map[string]scriptResult `json:"scripts,omitempty"`
	// PyCalls are what os.environ holds after running a Python file of the
	// case (its load_dotenv calls), by file and run folder.
	PyCalls map[string]map[string]result `json:"pycalls,omitempty"`
	// NodeCalls are what process.env holds after running a JavaScript
	// file of the case (its dotenv config calls), by file and run folder.
	NodeCalls map[string]map[string]result `json:"nodecalls,omitempty"`
	// ViteConfigs are what loadEnv(mode, config.envDir, '') returns after
	// Vite's resolveConfig read the folder's vite.config, by folder.
	ViteConfigs map[string]result `json:"viteconfigs,omitempty"`
	// Settings are the fields a settings class of the case holds, by
	// "FILE CLASS" and run folder.
	Settings map[string]map[string]result `json:"settings,omitempty"`
}

// RunnerOutput is what run.cjs and run.py write.
type runnerOutput struct {
	Versions    map[string]string            `json:"versions"`
	Results     map[string]map[string]result `json:"results"`
	PyCalls     map[string]map[string]result `json:"pycalls,omitempty"`
	NodeCalls   map[string]map[string]result `json:"nodecalls,omitempty"`
	ViteConfigs map[string]result            `json:"viteconfigs,omitempty"`
	Settings    map[string]map[string]result `json:"settings,omitempty"`
}

type config struct {
	casesDir, goldenDir, workDir string
	node, nodeRunner             string
	python, pyRunner             string
	pydanticPython               string
	nodeBin                      string // node_modules/.bin holding dotenv and dotenvx
	nodePath                     string // 17/ and 18/node_modules: the dotenv `node -r dotenv/config` preloads
	jobs                         int
	timeout, loaderTimeout       time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.casesDir, "cases", "", "folder of NAME.txtar cases")
	flag.StringVar(&c.goldenDir, "golden", "", "folder the NAME.json goldens are written to")
	flag.StringVar(&c.workDir, "work", "", "scratch folder the cases are unpacked in")
	flag.StringVar(&c.node, "node", "node", "node binary")
	flag.StringVar(&c.nodeRunner, "node-runner", "", "run.cjs, placed beside the node_modules holding the JS loaders")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "python binary with python-dotenv importable")
	flag.StringVar(&c.pyRunner, "py-runner", "", "run.py")
	flag.StringVar(&c.pydanticPython, "pydantic-python", "python3", "python binary with pydantic-settings 2 importable")
	flag.StringVar(&c.nodeBin, "node-bin", "", "node_modules/.bin with the wrapper CLIs (dotenv-cli, dotenvx) the scripts of script: cases run")
	flag.StringVar(&c.nodePath, "node-path", "", "folder of 17/node_modules and 18/node_modules, each holding a dotenv: the scripts' NODE_PATH is 18's when the case's package.json depends on dotenv 18 or later, else 17's")
	flag.IntVar(&c.jobs, "j", runtime.NumCPU(), "cases run at once")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Second, "time limit for one runner process running all its loaders")
	flag.DurationVar(&c.loaderTimeout, "loader-timeout", 5*time.Second, "time limit for one loader, once a runner process has failed")
	flag.Parse()
	if c.casesDir == "" || c.goldenDir == "" || c.workDir == "" || c.nodeRunner == "" || c.pyRunner == "" {
		fmt.Fprintln(os.Stderr, "gorunner: -cases, -golden, -work, -node-runner and -py-runner are required")
		os.Exit(2)
	}
	if err := run(c, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "gorunner:", err)
		os.Exit(1)
	}
}

func run(c config, names []string) error {
	var err error
	for _, p := range []*string{&c.casesDir, &c.goldenDir, &c.workDir, &c.nodeRunner, &c.pyRunner} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	// Resolve the binaries now: the Go loaders clear this process's
	// environment (PATH included) while they run.
	if c.node, err = exec.LookPath(c.node); err != nil {
		return err
	}
	if c.python, err = exec.LookPath(c.python); err != nil {
		return err
	}
	all := len(names) == 0
	if all {
		paths, err := filepath.Glob(filepath.Join(c.casesDir, "*.txtar"))
		if err != nil {
			return err
		}
		for _, p := range paths {
			names = append(names, strings.TrimSuffix(filepath.Base(p), ".txtar"))
		}
	}
	for i, n := range names {
		names[i] = strings.TrimSuffix(filepath.Base(n), ".txtar")
	}
	sort.Strings(names)
	if err := os.MkdirAll(c.goldenDir, 0o755); err != nil {
		return err
	}

	versions := goVersions()
	var (
		mu       sync.Mutex // guards versions, failures, and the Go loaders' use of cwd/env
		failures []string
		wg       sync.WaitGroup
		next     = make(chan string)
	)
	for range max(c.jobs, 1) {
		wg.Go(func() {
			for name := range next {
				g, vers, err := runCase(c, name, &mu)
				mu.Lock()
				if err != nil {
					failures = append(failures, fmt.Sprintf("%s: %v", name, err))
				} else {
					for k, v := range vers {
						versions[k] = v
					}
				}
				mu.Unlock()
				if err == nil {
					err = writeJSON(filepath.Join(c.goldenDir, name+".json"), g)
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", name, err)
				} else {
					fmt.Fprintf(os.Stderr, "ok   %s\n", name)
				}
			}
		})
	}
	for _, n := range names {
		next <- n
	}
	close(next)
	wg.Wait()

	if all {
		// Drop goldens whose case is gone.
		old, _ := filepath.Glob(filepath.Join(c.goldenDir, "*.json"))
		keep := map[string]bool{"VERSIONS": true}
		for _, n := range names {
			keep[n] = true
		}
		for _, p := range old {
			if !keep[strings.TrimSuffix(filepath.Base(p), ".json")] {
				os.Remove(p)
			}
		}
	}
	if err := writeJSON(filepath.Join(c.goldenDir, "VERSIONS.json"), versions); err != nil {
		return err
	}
	if len(failures) > 0 {
		sort.Strings(failures)
		return fmt.Errorf("%d of %d cases failed:\n  %s", len(failures), len(names), strings.Join(failures, "\n  "))
	}
	fmt.Fprintf(os.Stderr, "%d cases, goldens in %s\n", len(names), c.goldenDir)
	return nil
}

func writeJSON(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// ParseCase reads a case's comment directives and unpacks its files under root.
func parseCase(path, root string) (*manifest, error) {
	a, err := txtar.ParseFile(path)
	if err != nil {
		return nil, err
	}
	m := &manifest{Mode: "development", Env: map[string]string{}}
	quoted := map[string]bool{}
	for i, line := range strings.Split(string(a.Comment), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		val = strings.TrimSpace(val)
		if !ok {
			return nil, fmt.Errorf("line %d: want '# text' or 'directive: value', got %q", i+1, line)
		}
		switch strings.TrimSpace(key) {
		case "mode":
			m.Mode = val
		case "env":
			k, v, ok := strings.Cut(val, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("line %d: env: wants KEY=value, got %q", i+1, val)
			}
			m.Env[k] = v
		case "run":
			d, err := relDir(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: run: %v", i+1, err)
			}
			m.Runs = append(m.Runs, d)
		case "caller":
			d, err := relDir(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: caller: %v", i+1, err)
			}
			m.Caller = d
		case "quoted":
			quoted[filepath.ToSlash(filepath.Clean(val))] = true
		case "script":
			m.Scripts = append(m.Scripts, val)
		case "pycall":
			f, err := relDir(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: pycall: %v", i+1, err)
			}
			m.PyCalls = append(m.PyCalls, f)
		case "nodecall":
			f, err := relDir(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: nodecall: %v", i+1, err)
			}
			m.NodeCalls = append(m.NodeCalls, f)
		case "viteconfig":
			d, err := relDir(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: viteconfig: %v", i+1, err)
			}
			m.ViteConfigs = append(m.ViteConfigs, d)
		case "settings":
			m.Settings = append(m.Settings, val)
		default:
			return nil, fmt.Errorf("line %d: unknown directive %q", i+1, key)
		}
	}
	if m.Mode == "" {
		return nil, errors.New("mode: is empty")
	}
	if len(m.Runs) == 0 {
		m.Runs = []string{"."}
	}
	m.Next = m.Mode == "development" || m.Mode == "production" || m.Mode == "test"

	if err := os.RemoveAll(root); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	for _, f := range a.Files {
		name, err := relDir(f.Name)
		if err != nil || name == "." {
			return nil, fmt.Errorf("file %q: bad path", f.Name)
		}
		data := f.Data
		if quoted[name] {
			s, err := strconv.Unquote(strings.TrimSpace(string(data)))
			if err != nil {
				return nil, fmt.Errorf("file %q: quoted: %v", f.Name, err)
			}
			data = []byte(s)
			delete(quoted, name)
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	for name := range quoted {
		return nil, fmt.Errorf("quoted: %q names no file section", name)
	}
	for _, d := range append(m.Runs, m.Caller) {
		if d != "" {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				return nil, err
			}
		}
	}
	m.Root = root
	return m, nil
}

// RelDir cleans a slash-separated path that must stay inside the case root.
func relDir(p string) (string, error) {
	c := filepath.ToSlash(filepath.Clean(filepath.FromSlash(p)))
	if p == "" || filepath.IsAbs(p) || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%q is not a relative path inside the case", p)
	}
	return c, nil
}

func runCase(c config, name string, mu *sync.Mutex) (*golden, map[string]string, error) {
	dir := filepath.Join(c.workDir, name)
	m, err := parseCase(filepath.Join(c.casesDir, name+".txtar"), filepath.Join(dir, "root"))
	if err != nil {
		return nil, nil, err
	}
	mpath := filepath.Join(dir, "manifest.json")
	if err := writeJSON(mpath, m); err != nil {
		return nil, nil, err
	}
	env := startEnv(m)
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	sort.Strings(environ)

	nodeLoaders := []string{"dotenv", "dotenv-expand", "dotenv-flow", "next", "vite"}
	if !m.Next {
		nodeLoaders = slices.DeleteFunc(nodeLoaders, func(s string) bool { return s == "next" })
	}
	children := []child{
		{c.node, c.nodeRunner, "node", nodeLoaders},
		{c.python, c.pyRunner, "python", []string{"python-dotenv", "python-dotenv-values", "python-decouple"}},
		{c.pydanticPython, c.pyRunner, "pydantic", []string{"pydantic-settings"}},
	}
	outs := make([]runnerOutput, len(children))
	errs := make([]error, len(children))
	var wg sync.WaitGroup
	for i, ch := range children {
		wg.Go(func() {
			outs[i], errs[i] = runRunner(c, ch, mpath, dir, environ)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}

	mu.Lock()
	goResults := runGoLoaders(m, env)
	mu.Unlock()

	g := &golden{Case: name, Mode: m.Mode, Loaders: map[string]loaderResult{}}
	versions := map[string]string{}
	add := func(vers map[string]string, results map[string]map[string]result) {
		for loader, runs := range results {
			for run, r := range runs {
				runs[run] = sanitize(r, m.Root)
			}
			g.Loaders[loader] = loaderResult{Runs: runs, Version: vers[loader]}
			versions[loader] = vers[loader]
		}
	}
	for _, o := range outs {
		add(o.Versions, o.Results)
		for file, runs := range o.PyCalls {
			if g.PyCalls == nil {
				g.PyCalls = map[string]map[string]result{}
			}
			for run, r := range runs {
				runs[run] = sanitize(r, m.Root)
			}
			g.PyCalls[file] = runs
		}
		for file, runs := range o.NodeCalls {
			if g.NodeCalls == nil {
				g.NodeCalls = map[string]map[string]result{}
			}
			for run, r := range runs {
				runs[run] = sanitize(r, m.Root)
			}
			g.NodeCalls[file] = runs
		}
		for dir, r := range o.ViteConfigs {
			if g.ViteConfigs == nil {
				g.ViteConfigs = map[string]result{}
			}
			g.ViteConfigs[dir] = sanitize(r, m.Root)
		}
		for spec, runs := range o.Settings {
			if g.Settings == nil {
				g.Settings = map[string]map[string]result{}
			}
			for run, r := range runs {
				runs[run] = sanitize(r, m.Root)
			}
			g.Settings[spec] = runs
		}
	}
	add(goVersions(), goResults)
	if len(m.Scripts) > 0 {
		if g.Scripts, err = runScripts(c, m, env, versions); err != nil {
			return nil, nil, err
		}
	}
	return g, versions, nil
}

func startEnv(m *manifest) map[string]string {
	env := map[string]string{}
	for k, v := range baseline {
		env[k] = v
	}
	for k, v := range m.Env {
		env[k] = v
	}
	return env
}

// Child is one runner script and the loaders it runs.
type child struct {
	bin, script, tag string
	loaders          []string
}

// RunRunner runs all of a runner's loaders in one process. If that process
// fails (a loader that loops forever, or one that kills the process), it runs
// each loader in a process of its own, so that only the culprit gets an
// error in the golden.
func runRunner(c config, ch child, mpath, dir string, environ []string) (runnerOutput, error) {
	out := filepath.Join(dir, ch.tag+".json")
	first := "" // run.cjs: all of them
	if ch.tag != "node" {
		first = strings.Join(ch.loaders, ",") // run.py: the ones this python runs
	}
	o, err := runChild(c.timeout, ch.bin, ch.script, mpath, out, dir, environ, first)
	if err == nil {
		return o, nil
	}
	fmt.Fprintf(os.Stderr, "note %s: %v; running its loaders one process each\n", filepath.Base(filepath.Dir(mpath)), err)
	o = runnerOutput{Versions: map[string]string{}, Results: map[string]map[string]result{}}
	var failed []string
	for _, l := range ch.loaders {
		lo, err := runChild(c.loaderTimeout, ch.bin, ch.script, mpath, filepath.Join(dir, ch.tag+"."+l+".json"), dir, environ, l)
		if err == nil && lo.Results[l] != nil {
			o.Results[l] = lo.Results[l]
			for k, v := range lo.Versions {
				o.Versions[k] = v
			}
			continue
		}
		failed = append(failed, l)
		msg := "runner process failed"
		if errors.Is(err, context.DeadlineExceeded) {
			msg = fmt.Sprintf("timeout: no result within %s (the loader hangs)", c.loaderTimeout)
		} else if err != nil {
			msg = "runner process failed: " + firstLine(err.Error())
		}
		runs := map[string]result{}
		for _, run := range readManifestRuns(mpath) {
			runs[run] = result{Error: msg}
		}
		o.Results[l] = runs
	}
	if len(failed) == len(ch.loaders) {
		return o, fmt.Errorf("every %s loader failed: %v", ch.tag, err)
	}
	return o, nil
}

func readManifestRuns(mpath string) []string {
	var m manifest
	if b, err := os.ReadFile(mpath); err == nil {
		json.Unmarshal(b, &m)
	}
	return m.Runs
}

func runChild(timeout time.Duration, bin, script, mpath, out, dir string, environ []string, only string) (runnerOutput, error) {
	var o runnerOutput
	os.Remove(out)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{script, mpath, out}
	if only != "" {
		args = append(args, only)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = environ
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return o, fmt.Errorf("%s %s: %w", filepath.Base(bin), filepath.Base(script), ctx.Err())
		}
		return o, fmt.Errorf("%s %s: %v\n%s", filepath.Base(bin), filepath.Base(script), err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return o, err
	}
	return o, json.Unmarshal(b, &o)
}

// MaxError caps an error message: some loaders quote the rest of the file.
const maxError = 200

// Sanitize replaces the scratch root's absolute path in values and errors,
// and shortens long error messages.
func sanitize(r result, root string) result {
	r.Error = strings.ReplaceAll(r.Error, root, rootToken)
	if rs := []rune(r.Error); len(rs) > maxError {
		r.Error = string(rs[:maxError]) + "..."
	}
	if r.Vars != nil {
		for k, v := range *r.Vars {
			if v != nil && strings.Contains(*v, root) {
				s := strings.ReplaceAll(*v, root, rootToken)
				(*r.Vars)[k] = &s
			}
		}
	}
	return r
}

// GoVersions reports the versions of the Go loaders linked into this binary.
func goVersions() map[string]string {
	mods := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			mods[d.Path] = d.Version
		}
	}
	return map[string]string{
		"godotenv":          mods["github.com/joho/godotenv"],
		"godotenv-overload": mods["github.com/joho/godotenv"],
		"compose":           "compose-go " + mods["github.com/compose-spec/compose-go/v2"],
		"go-envparse":       mods["github.com/hashicorp/go-envparse"],
	}
}

// RunGoLoaders runs the Go loaders in this process, one run folder and one
// loader at a time, resetting the working directory and environment before
// each. The caller holds the lock that makes cwd and env ours.
func runGoLoaders(m *manifest, env map[string]string) map[string]map[string]result {
	saved := os.Environ()
	savedDir, _ := os.Getwd()
	defer func() {
		os.Clearenv()
		for _, kv := range saved {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
		os.Chdir(savedDir)
	}()

	loaders := []struct {
		name string
		load func() (map[string]string, error)
	}{
		{"godotenv", func() (map[string]string, error) { return nil, godotenv.Load() }},
		{"godotenv-overload", func() (map[string]string, error) { return nil, godotenv.Overload() }},
		{"compose", loadCompose},
		{"go-envparse", loadEnvparse},
	}
	out := map[string]map[string]result{}
	for _, l := range loaders {
		out[l.name] = map[string]result{}
	}
	for _, run := range m.Runs {
		dir := filepath.Join(m.Root, filepath.FromSlash(run))
		start := map[string]string{"PWD": dir}
		for k, v := range env {
			start[k] = v
		}
		for _, l := range loaders {
			os.Clearenv()
			for k, v := range start {
				os.Setenv(k, v)
			}
			var r result
			if err := os.Chdir(dir); err != nil {
				r.Error = err.Error()
				out[l.name][run] = r
				continue
			}
			got, err := l.load()
			if err != nil {
				r.Error = firstLine(err.Error())
			} else {
				if got == nil {
					got = environMap()
				}
				vars := diff(got, start, m.Env)
				r.Vars = &vars
				driver := map[string]*string{}
				for k, v := range diff(environMap(), start, m.Env) {
					if strings.HasPrefix(k, "PG") {
						driver[k] = v
					}
				}
				r.Driver = &driver
			}
			out[l.name][run] = r
		}
	}
	return out
}

// LoadCompose builds the project environment the way docker compose's
// ToProjectOptions does (cmd/compose/compose.go) with no -f, no
// --project-directory and no --env-file: OS env first (it always wins), then
// ./.env, then the compose file found from cwd upward and that folder's .env.
func loadCompose() (map[string]string, error) {
	opts := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(""), cli.WithOsEnv}
	if _, ok := os.LookupEnv("PWD"); !ok {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opts = append(opts, cli.WithEnv([]string{"PWD=" + wd}))
	}
	opts = append(opts,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
	)
	po, err := cli.NewProjectOptions(nil, opts...)
	if err != nil {
		return nil, err
	}
	return po.Environment, nil
}

// LoadEnvparse parses ./.env with go-envparse: no expansion, no env merge.
// Case env keys the file does not set are added by diff.
func loadEnvparse() (map[string]string, error) {
	f, err := os.Open(".env")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	got, err := envparse.Parse(f)
	if err != nil {
		return nil, err
	}
	for k, v := range environMap() {
		if _, ok := got[k]; !ok {
			got[k] = v
		}
	}
	return got, nil
}

func environMap() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// Diff keeps what the application sees beyond the runner's baseline: every
// key the case's env: lines set, and every key that is new or changed
// compared with the environment the loader started with.
func diff(got, start, caseEnv map[string]string) map[string]*string {
	vars := map[string]*string{}
	for k, v := range got {
		s, inStart := start[k]
		_, inCase := caseEnv[k]
		if inCase || !inStart || s != v {
			vars[k] = &v
		}
	}
	return vars
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
