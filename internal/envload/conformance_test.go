package envload

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// A conformance case: a tree of files, a mode, a process environment, and
// the folders the loaders run in (see scripts/conformance.sh).
type confCase struct {
	name   string
	mode   string
	env    map[string]string
	runs   []string
	caller string
	files  map[string][]byte
}

func loadCase(t testing.TB, file string) confCase {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := confCase{name: strings.TrimSuffix(filepath.Base(file), ".txtar"), mode: "development", env: map[string]string{}, files: map[string][]byte{}}
	quoted := map[string]bool{}
	for _, line := range strings.Split(string(a.Comment), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		switch {
		case !ok || strings.HasPrefix(line, "#"):
		case k == "mode":
			c.mode = v
		case k == "env":
			ek, ev, _ := strings.Cut(v, "=")
			c.env[ek] = ev
		case k == "run":
			c.runs = append(c.runs, v)
		case k == "caller":
			c.caller = v
		case k == "quoted":
			quoted[v] = true
		}
	}
	if len(c.runs) == 0 {
		c.runs = []string{"."}
	}
	for _, f := range a.Files {
		data := f.Data
		if quoted[f.Name] {
			s, err := strconv.Unquote(strings.TrimSpace(string(data)))
			if err != nil {
				t.Fatalf("%s: quoted %s: %v", file, f.Name, err)
			}
			data = []byte(s)
		}
		c.files[f.Name] = data
	}
	return c
}

func (c confCase) input() *Input {
	return &Input{Mode: c.mode, Environ: c.env, Files: func(rel string) ([]byte, bool, error) {
		d, ok := c.files[rel]
		return d, ok, nil
	}}
}

type golden struct {
	Case    string `json:"case"`
	Loaders map[string]struct {
		Version string `json:"version"`
		Runs    map[string]struct {
			Vars  map[string]*string `json:"vars"`
			Error string             `json:"error"`
			// Driver: the PG* variables in the process environment after
			// loading, which a driver in that process completes from.
			Driver *map[string]string `json:"driver"`
		} `json:"runs"`
	} `json:"loaders"`
}

// knownDifferences are the readings dbguard deliberately models otherwise
// than the real loader, each with its reason (listed in docs/env.md).
var knownDifferences = map[string]string{
	"expand-command-substitution/dotenv-expand": "dotenv-expand 1000 runs $(...) as a shell command; dbguard never runs what an env file says, and reports such a value as unknowable",
}

// TestConformance compares every loader's reading of every case with what
// the real loader read (the goldens scripts/conformance.sh records).
func TestConformance(t *testing.T) {
	cases, err := filepath.Glob("testdata/conformance/cases/*.txtar")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no conformance cases: %v", err)
	}
	agree, total := map[string]int{}, map[string]int{}
	var failures []string
	for _, file := range cases {
		c := loadCase(t, file)
		data, err := os.ReadFile(filepath.Join("testdata/conformance/golden", c.name+".json"))
		if err != nil {
			t.Errorf("%s: no golden (run make conformance): %v", c.name, err)
			continue
		}
		var g golden
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		shared := c.input()
		for _, name := range slices.Sorted(maps.Keys(g.Loaders)) {
			l := LoaderNamed(name)
			if l == nil {
				t.Errorf("%s: golden names unknown loader %q", c.name, name)
				continue
			}
			for _, dir := range slices.Sorted(maps.Keys(g.Loaders[name].Runs)) {
				want := g.Loaders[name].Runs[dir]
				total[name]++
				r := Read(l, c.input(), dir, c.caller)
				diff := compareReading(r, want.Vars, want.Error)
				if diff == "" && want.Error == "" {
					diff = compareDriver(r, want.Driver)
				}
				if diff == "" {
					// Again through one input shared by every loader of the
					// case, as Resolve does: plain files take the shortcut.
					if d := compareReading(Read(l, shared, dir, c.caller), want.Vars, want.Error); d != "" {
						diff = "through a shared input: " + d
					}
				}
				id := fmt.Sprintf("%s/%s/%s", c.name, name, dir)
				if _, known := knownDifferences[c.name+"/"+name]; known {
					if diff == "" {
						failures = append(failures, id+": listed as a known difference but now agrees; remove it from knownDifferences")
					}
					continue
				}
				if diff != "" {
					failures = append(failures, id+": "+diff)
					continue
				}
				agree[name]++
			}
		}
	}
	sort.Strings(failures)
	for _, f := range failures {
		t.Error(f)
	}
	for _, name := range slices.Sorted(maps.Keys(total)) {
		t.Logf("%-22s %3d/%3d runs agree", name, agree[name], total[name])
	}
}

func compareReading(r *Reading, want map[string]*string, wantErr string) string {
	if missingFile(wantErr) {
		// The loader's file is not there: it reads nothing, as the model
		// must (it reports no file read and no error).
		if r.Err != nil || len(r.Files) > 0 {
			return fmt.Sprintf("the real loader finds no file (%.60s) but the model read %v (error %v)", wantErr, r.Files, r.Err)
		}
		return ""
	}
	if wantErr != "" {
		if r.Err == nil {
			return fmt.Sprintf("the real loader fails (%.60s) but the model reads %s", wantErr, showVars(r.All()))
		}
		return ""
	}
	if r.Err != nil {
		return fmt.Sprintf("the model fails (%v) but the real loader reads %s", r.Err, showWant(want))
	}
	var out []string
	all := r.All()
	for k, w := range want {
		got, ok := all[k]
		switch {
		case w == nil:
			continue // python-dotenv-values' None: not an environment value
		case !ok:
			out = append(out, fmt.Sprintf("%s: real %q, model unset", k, *w))
		case got.Value != *w:
			out = append(out, fmt.Sprintf("%s: real %q, model %q", k, *w, got.Value))
		}
	}
	for k, v := range all {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s: real unset, model %q", k, v.Value))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// compareDriver compares the PG* variables a driver sees after loading:
// the file's reach it only through a loader that sets the environment.
func compareDriver(r *Reading, want *map[string]string) string {
	if want == nil {
		return "the golden records no driver environment (run make conformance)"
	}
	got := r.DriverEnv("PG")
	var out []string
	for k, w := range *want {
		if g, ok := got[k]; !ok {
			out = append(out, fmt.Sprintf("driver %s: real %q, model unset", k, w))
		} else if g != w {
			out = append(out, fmt.Sprintf("driver %s: real %q, model %q", k, w, g))
		}
	}
	for k, g := range got {
		if _, ok := (*want)[k]; !ok {
			out = append(out, fmt.Sprintf("driver %s: real unset, model %q", k, g))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func missingFile(msg string) bool {
	return strings.Contains(msg, "no such file") || strings.Contains(msg, "ENOENT") || strings.Contains(msg, `no ".env*" files`)
}

func showVars(m map[string]Value) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, m[k].Value))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func showWant(m map[string]*string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != nil {
			parts = append(parts, fmt.Sprintf("%s=%q", k, *m[k]))
		}
	}
	return "{" + strings.Join(parts, " ") + "}"
}
