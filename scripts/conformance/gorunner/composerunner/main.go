// Command composerunner records what docker compose hands each service's
// container, for the compose conformance cases
// (internal/envload/testdata/compose/cases/NAME.txtar): it unpacks a case,
// loads its compose file with compose-go's own loader the way docker
// compose run in that folder does (cli.NewProjectOptions: the default file
// names and the override file beside it, the case's env: lines as the shell,
// the folder's .env, COMPOSE_PROFILES; loader.LoadWithContext resolves
// environment: and env_file:), and writes golden/NAME.json.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"golang.org/x/tools/txtar"
)

// Service is what one enabled service's container receives.
type service struct {
	// Environment: nil values (KEY with nothing to take it from) are left
	// out, as the container does not get them.
	Environment map[string]string `json:"environment"`
	// Context is the build context relative to the case root, "" when the
	// service builds nothing.
	Context string `json:"context,omitempty"`
	// Published maps each container port published on one host port to
	// where the host reaches it ("5432": "localhost:5433"; host_ip when
	// bound to one that is not 0.0.0.0).
	Published map[string]string `json:"published,omitempty"`
}

type golden struct {
	Case     string             `json:"case"`
	Version  string             `json:"version"`
	File     string             `json:"file"`
	Error    string             `json:"error,omitempty"`
	Services map[string]service `json:"services,omitempty"`
}

func main() {
	cases := flag.String("cases", "", "folder of NAME.txtar cases")
	goldenDir := flag.String("golden", "", "folder the NAME.json goldens are written to")
	work := flag.String("work", "", "scratch folder")
	flag.Parse()
	if *cases == "" || *goldenDir == "" || *work == "" {
		fmt.Fprintln(os.Stderr, "composerunner: -cases, -golden and -work are required")
		os.Exit(2)
	}
	names := flag.Args()
	all := len(names) == 0
	if all {
		paths, _ := filepath.Glob(filepath.Join(*cases, "*.txtar"))
		for _, p := range paths {
			names = append(names, strings.TrimSuffix(filepath.Base(p), ".txtar"))
		}
	}
	sort.Strings(names)
	failed := 0
	for _, n := range names {
		n = strings.TrimSuffix(filepath.Base(n), ".txtar")
		g, err := runCase(filepath.Join(*cases, n+".txtar"), filepath.Join(*work, "compose", n))
		if err == nil {
			err = writeJSON(filepath.Join(*goldenDir, n+".json"), g)
		}
		if err != nil {
			failed++
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", n, err)
			continue
		}
		fmt.Fprintf(os.Stderr, "ok   %s\n", n)
	}
	if all {
		keep := map[string]bool{}
		for _, n := range names {
			keep[n] = true
		}
		old, _ := filepath.Glob(filepath.Join(*goldenDir, "*.json"))
		for _, p := range old {
			if !keep[strings.TrimSuffix(filepath.Base(p), ".json")] {
				os.Remove(p)
			}
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "composerunner: %d of %d cases failed\n", failed, len(names))
		os.Exit(1)
	}
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/compose-spec/compose-go/v2" {
				if d.Replace != nil {
					d = d.Replace
				}
				return "compose-go " + d.Version
			}
		}
	}
	return "compose-go (unknown)"
}

// RunCase unpacks a case under dir/root and loads its compose file.
// Directives: "env: K=V" (the shell), "file: PATH" (the compose file,
// default compose.yaml).
func runCase(path, dir string) (*golden, error) {
	a, err := txtar.ParseFile(path)
	if err != nil {
		return nil, err
	}
	g := &golden{Case: strings.TrimSuffix(filepath.Base(path), ".txtar"), Version: version(), File: "compose.yaml"}
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/conformance"}
	for _, line := range strings.Split(string(a.Comment), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		switch {
		case !ok || strings.HasPrefix(line, "#"):
		case k == "env":
			env = append(env, v)
		case k == "file":
			g.File = v
		}
	}
	root := filepath.Join(dir, "root")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	for _, f := range a.Files {
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return nil, err
		}
	}
	composeFile := filepath.Join(root, filepath.FromSlash(g.File))
	// As docker compose run in the compose file's folder with no -f: the
	// files COMPOSE_FILE names (the shell's, else that folder's .env's;
	// relative entries are from the working folder, so the runner works
	// there), else the file found by its default name and the override
	// file beside it.
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if err := os.Chdir(filepath.Dir(composeFile)); err != nil {
		return nil, err
	}
	defer os.Chdir(wd)
	po, err := cli.NewProjectOptions(nil,
		cli.WithWorkingDirectory(filepath.Dir(composeFile)),
		cli.WithEnv(env),
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithDefaultProfiles(),
		cli.WithName("conformance"),
	)
	if err == nil {
		p, lerr := po.LoadProject(context.Background())
		if err = lerr; err == nil {
			g.Services = map[string]service{}
			for name, s := range p.Services {
				out := service{Environment: map[string]string{}}
				for k, v := range s.Environment {
					if v != nil {
						out.Environment[k] = *v
					}
				}
				if s.Build != nil {
					c := s.Build.Context
					if !filepath.IsAbs(c) {
						c = filepath.Join(filepath.Dir(composeFile), c)
					}
					if rel, err := filepath.Rel(root, c); err == nil {
						out.Context = filepath.ToSlash(rel)
					}
				}
				for _, p := range s.Ports {
					if p.Published == "" || strings.Contains(p.Published, "-") {
						continue // random or a range: not one place
					}
					ip := p.HostIP
					if ip == "" || ip == "0.0.0.0" || ip == "::" {
						ip = "localhost"
					}
					if out.Published == nil {
						out.Published = map[string]string{}
					}
					out.Published[fmt.Sprint(p.Target)] = ip + ":" + p.Published
				}
				g.Services[name] = out
			}
		}
	}
	if err != nil {
		g.Error = strings.ReplaceAll(err.Error(), root, "<ROOT>")
		if len(g.Error) > 200 {
			g.Error = g.Error[:200] + "..."
		}
	}
	return g, nil
}

func writeJSON(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
