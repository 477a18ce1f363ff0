package envload

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

type composeGolden struct {
	Case     string `json:"case"`
	Version  string `json:"version"`
	File     string `json:"file"`
	Error    string `json:"error"`
	Services map[string]struct {
		Environment map[string]string `json:"environment"`
		Context     string            `json:"context"`
		Published   map[string]string `json:"published"`
	} `json:"services"`
}

// composeCase reads a case of testdata/compose: its files, the shell
// (env: lines) and the compose file (file:, default compose.yaml).
func composeCase(t *testing.T, file string) (Files, map[string]string, string) {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	env, composeFile := map[string]string{"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/home/conformance"}, "compose.yaml"
	for _, line := range strings.Split(string(a.Comment), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		switch {
		case !ok || strings.HasPrefix(line, "#"):
		case k == "env":
			ek, ev, _ := strings.Cut(v, "=")
			env[ek] = ev
		case k == "file":
			composeFile = v
		}
	}
	files := map[string][]byte{}
	for _, f := range a.Files {
		files[f.Name] = f.Data
	}
	return func(rel string) ([]byte, bool, error) {
		d, ok := files[rel]
		return d, ok, nil
	}, env, composeFile
}

// TestComposeConformance compares each service's environment, and the
// folder it is judged as the app of, with what compose-go's loader
// resolved (testdata/compose/golden, recorded by make conformance).
func TestComposeConformance(t *testing.T) {
	cases, err := filepath.Glob("testdata/compose/cases/*.txtar")
	if err != nil || len(cases) < 12 {
		t.Fatalf("want at least 12 compose cases, have %d (%v)", len(cases), err)
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/compose/golden", name+".json"))
			if err != nil {
				t.Fatalf("no golden (run make conformance): %v", err)
			}
			var g composeGolden
			if err := json.Unmarshal(data, &g); err != nil {
				t.Fatal(err)
			}
			files, env, composeFile := composeCase(t, file)
			// As envcheck's composeRuns: the files COMPOSE_FILE names where
			// docker compose runs (the compose file's folder), else the
			// file by its default name.
			named, err := ComposeFileSetting(files, env, path.Dir(composeFile), "/conformance")
			if err != nil {
				t.Fatal(err)
			}
			var svcs []*ComposeService
			if named != nil {
				svcs, err = ComposeProjectKeeping(files, env, path.Dir(composeFile), named, nil)
			} else {
				svcs, err = ComposeServices(files, env, composeFile)
			}
			if err == nil {
				for _, s := range svcs {
					if s.Err != nil {
						err = s.Err
					}
				}
			}
			if g.Error != "" {
				if err == nil {
					t.Fatalf("compose-go fails (%s) but the model reads %d services", g.Error, len(svcs))
				}
				return
			}
			if err != nil {
				t.Fatalf("the model fails (%v) but compose-go reads %d services", err, len(g.Services))
			}
			got := map[string]*ComposeService{}
			for _, s := range svcs {
				if s.Profiles == nil { // compose-go lists the enabled ones
					got[s.Name] = s
				}
			}
			if w, m := slices.Sorted(maps.Keys(g.Services)), slices.Sorted(maps.Keys(got)); !slices.Equal(w, m) {
				t.Fatalf("services: compose-go %v, model %v", w, m)
			}
			var diffs []string
			for name, want := range g.Services {
				s := got[name]
				dir := want.Context
				if dir == "" {
					// No build: dbguard's choice, the folder of the file
					// that defines the service (compose has no folder).
					dir = path.Dir(s.File)
				}
				if s.Dir != dir {
					diffs = append(diffs, fmt.Sprintf("%s: judged in %q, want %q", name, s.Dir, dir))
				}
				for k, w := range want.Environment {
					if v, ok := s.Reading.Var(k); !ok {
						diffs = append(diffs, fmt.Sprintf("%s %s: compose-go %q, model unset", name, k, w))
					} else if v.Value != w {
						diffs = append(diffs, fmt.Sprintf("%s %s: compose-go %q, model %q", name, k, w, v.Value))
					}
				}
				for k, v := range s.Reading.Variables() {
					if _, ok := want.Environment[k]; !ok {
						diffs = append(diffs, fmt.Sprintf("%s %s: compose-go unset, model %q", name, k, v.Value))
					}
				}
				for port, w := range want.Published {
					if m := s.Published[name+":"+port]; m != w {
						diffs = append(diffs, fmt.Sprintf("%s port %s: compose-go publishes on %q, model %q", name, port, w, m))
					}
				}
				for k, m := range s.Published {
					if svc, port, _ := strings.Cut(k, ":"); svc == name && want.Published[port] == "" {
						diffs = append(diffs, fmt.Sprintf("%s port %s: compose-go publishes none, model %q", name, port, m))
					}
				}
				// Only what the container receives reaches its driver.
				for k, v := range s.Reading.DriverEnv("PG") {
					if want.Environment[k] != v {
						diffs = append(diffs, fmt.Sprintf("%s driver %s: model %q, container %q", name, k, v, want.Environment[k]))
					}
				}
			}
			sort.Strings(diffs)
			for _, d := range diffs {
				t.Error(d)
			}
		})
	}
}

// TestAttackComposeReadsNothingOutside: a compose file may name any path;
// dbguard refuses one that leaves the project (or is remote) before
// asking for it, whatever the reader would do with it.
func TestAttackComposeReadsNothingOutside(t *testing.T) {
	cases := map[string]string{
		"env_file up":          "services:\n  api:\n    image: x\n    env_file: ../../outside.env\n",
		"env_file absolute":    "services:\n  api:\n    image: x\n    env_file: [/etc/hostname]\n",
		"env_file long form":   "services:\n  api:\n    image: x\n    env_file:\n      - path: ${UP:-../..}/outside.env\n        required: false\n",
		"env_file home":        "services:\n  api:\n    image: x\n    env_file: ~/.env\n",
		"include up":           "include:\n  - ../../other/compose.yaml\nservices: {}\n",
		"include long form":    "include:\n  - path: [../../other/compose.yaml]\n",
		"include remote":       "include:\n  - oci://registry.example/app:latest\n",
		"include git":          "include:\n  - https://github.com/example/app.git#main\n",
		"extends file up":      "services:\n  api:\n    extends:\n      file: ../../base.yaml\n      service: base\n",
		"extends file in base": "services:\n  api:\n    extends:\n      file: base.yaml\n      service: base\n",
	}
	base := "services:\n  base:\n    image: x\n    env_file: ../../../outside.env\n"
	for name, compose := range cases {
		t.Run(name, func(t *testing.T) {
			var asked []string
			files := func(rel string) ([]byte, bool, error) {
				asked = append(asked, rel)
				switch rel {
				case "app/compose.yaml":
					return []byte(compose), true, nil
				case "app/base.yaml":
					return []byte(base), true, nil
				}
				return nil, false, nil
			}
			_, err := ComposeServices(files, map[string]string{}, "app/compose.yaml")
			var ce *ComposeError
			if !errors.As(err, &ce) {
				t.Fatalf("want a ComposeError, got %v", err)
			}
			if !strings.Contains(ce.Msg, "outside the project") && !strings.Contains(ce.Msg, "remote") {
				t.Errorf("message %q says neither outside nor remote", ce.Msg)
			}
			for _, p := range asked {
				if strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") || strings.Contains(p, "://") {
					t.Errorf("asked the reader for %q", p)
				}
			}
		})
	}
}

// TestAttackComposeMergeKeyBomb: YAML merge keys that each merge the level
// below twice, 60 levels deep, make 2^60 paths to walk for a key that is not
// there, for each of 2,000 services; the reading is bounded by the nodes
// in the file, not the paths (before: minutes).
func TestAttackComposeMergeKeyBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-l0: &l0 {image: app}\n")
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, "x-l%d: &l%d {<<: [*l%d, *l%d]}\n", i, i, i-1, i-1)
	}
	b.WriteString("services:\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "  s%d:\n    <<: *l60\n", i)
	}
	data := []byte(b.String())
	files := func(rel string) ([]byte, bool, error) {
		if rel == "compose.yaml" {
			return data, true, nil
		}
		return nil, false, nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := ComposeServices(files, nil, "compose.yaml")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Logf("refused: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("reading merge keys is exponential in their nesting")
	}
}

// FuzzComposeServices: any compose file, with a .env and an env_file
// beside it, is read without a panic, and the reader is never asked for a
// path outside the project.
func FuzzComposeServices(f *testing.F) {
	cases, _ := filepath.Glob("testdata/compose/cases/*.txtar")
	for _, c := range cases {
		a, err := txtar.ParseFile(c)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range a.Files {
			if file.Name == "compose.yaml" {
				f.Add(file.Data, []byte("HOST=db\n"))
			}
		}
	}
	f.Add([]byte("services:\n  a:\n    env_file: ../x\n"), []byte(""))
	f.Add([]byte("x: &a {<<: [*a]}\nservices: {s: *a}\n"), []byte(""))
	f.Fuzz(func(t *testing.T, compose, dotenv []byte) {
		files := func(rel string) ([]byte, bool, error) {
			if strings.HasPrefix(rel, "../") || rel == ".." || strings.HasPrefix(rel, "/") {
				t.Fatalf("asked for %q", rel)
			}
			switch rel {
			case "app/compose.yaml":
				return compose, true, nil
			case "app/.env", "app/app.env":
				return dotenv, true, nil
			}
			return nil, false, nil
		}
		svcs, err := ComposeServices(files, map[string]string{"HOST": "shell"}, "app/compose.yaml")
		if err != nil {
			var ce *ComposeError
			var pe *ParseError
			if !errors.As(err, &ce) && !errors.As(err, &pe) {
				t.Fatalf("an error that is neither a ComposeError nor a ParseError: %T %v", err, err)
			}
			return
		}
		for _, s := range svcs {
			if s.Reading == nil && s.Err == nil {
				t.Fatalf("service %q has neither a reading nor an error", s.Name)
			}
		}
	})
}

// A service's files are its own: the compose files defining it, the .env
// its project interpolates from, its env_file entries; not another
// service's env_file.
func TestComposeServiceFiles(t *testing.T) {
	files := map[string]string{
		"compose.yaml": "services:\n  a:\n    image: x\n    env_file: a.env\n  b:\n    extends:\n      file: base.yaml\n      service: base\n    env_file: b.env\n",
		"base.yaml":    "services:\n  base:\n    image: x\n",
		".env":         "X=1\n", "a.env": "A=1\n", "b.env": "B=1\n",
	}
	svcs, err := ComposeServices(func(rel string) ([]byte, bool, error) {
		d, ok := files[rel]
		return []byte(d), ok, nil
	}, nil, "compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "compose.yaml .env a.env", "b": "base.yaml compose.yaml .env b.env"}
	for _, s := range svcs {
		if got := strings.Join(s.Reading.Files, " "); got != want[s.Name] {
			t.Errorf("%s reads %q, want %q", s.Name, got, want[s.Name])
		}
	}
}

// An env_file docker compose cannot parse fails with its file:line, docker
// compose named as the reader, and nothing of the value.
func TestComposeEnvFileParseError(t *testing.T) {
	files := map[string]string{
		"compose.yaml": "services:\n  a:\n    image: x\n    env_file: app.env\n",
		"app.env":      "OK=1\nDATABASE_URL=\"postgres://app:s3cretValue@db/app\n",
	}
	_, err := ComposeServices(func(rel string) ([]byte, bool, error) {
		d, ok := files[rel]
		return []byte(d), ok, nil
	}, nil, "compose.yaml")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("want a ParseError, got %v", err)
	}
	if pe.File != "app.env" || pe.Line != 2 || pe.Loader != "docker compose" || strings.Contains(err.Error(), "s3cretValue") {
		t.Errorf("got %q (file %s line %d loader %q)", err, pe.File, pe.Line, pe.Loader)
	}
}

// TestAttackComposeLoops: extends and include that lead back to
// themselves end with an error at a line, not a stack overflow.
func TestAttackComposeLoops(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"extends loop": {"compose.yaml": "services:\n  a:\n    extends: b\n  b:\n    extends: a\n"},
		"extends self": {"compose.yaml": "services:\n  a:\n    extends:\n      service: a\n"},
		"extends files": {
			"compose.yaml": "services:\n  a:\n    extends:\n      file: other.yaml\n      service: a\n",
			"other.yaml":   "services:\n  a:\n    extends:\n      file: compose.yaml\n      service: a\n",
		},
		"include loop": {
			"compose.yaml":     "include:\n  - sub/compose.yaml\nservices: {}\n",
			"sub/compose.yaml": "include:\n  - ../compose.yaml\nservices: {}\n",
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ComposeServices(func(rel string) ([]byte, bool, error) {
				d, ok := files[rel]
				return []byte(d), ok, nil
			}, nil, "compose.yaml")
			var ce *ComposeError
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("want a ComposeError at a line, got %v", err)
			}
		})
	}
}

// Odd shapes: services that is a list, an include with no path; what can
// be read is read.
func TestComposeOddShapes(t *testing.T) {
	for name, tc := range map[string]struct {
		compose string
		want    int
	}{
		"services list":   {"services:\n  - a\n  - b\n", 0},
		"include no path": {"include:\n  - env_file: x.env\nservices:\n  a:\n    image: x\n", 1},
		"null service":    {"services:\n  a:\n", 1},
	} {
		t.Run(name, func(t *testing.T) {
			svcs, err := ComposeServices(func(rel string) ([]byte, bool, error) {
				if rel == "compose.yaml" {
					return []byte(tc.compose), true, nil
				}
				return nil, false, nil
			}, nil, "compose.yaml")
			if err != nil || len(svcs) != tc.want {
				t.Fatalf("got %d services (%v), want %d", len(svcs), err, tc.want)
			}
		})
	}
}

// TestAttackComposeEnvironmentBudget: environment: values interpolate a
// long variable many times over, once in one service and once through an
// anchor many services share. Each shape would build hundreds of
// megabytes; the load's budget stops it at the compose file's line first.
func TestAttackComposeEnvironmentBudget(t *testing.T) {
	many := func() map[string]string {
		var c strings.Builder
		c.WriteString("services:\n  app:\n    image: app\n    environment:\n      DATABASE_URL: postgres://localhost/app\n")
		for i := 0; i < 300; i++ {
			fmt.Fprintf(&c, "      BIG%d: \"${A}\"\n", i)
		}
		return map[string]string{".env": "A=" + strings.Repeat("x", 500_000) + "\n", "compose.yaml": c.String()}
	}
	anchor := func() map[string]string {
		var c strings.Builder
		c.WriteString("x-big: &s\n  image: app\n  environment:\n    DATABASE_URL: postgres://localhost/app\n")
		for i := 0; i < 3000; i++ {
			fmt.Fprintf(&c, "    V%d: \"${A}${A}${A}${A}\"\n", i)
		}
		c.WriteString("services:\n")
		for i := 0; i < 100; i++ {
			fmt.Fprintf(&c, "  s%d: *s\n", i)
		}
		return map[string]string{".env": "A=" + strings.Repeat("y", 200) + "\n", "compose.yaml": c.String()}
	}
	for name, tree := range map[string]func() map[string]string{"many references": many, "anchor": anchor} {
		t.Run(name, func(t *testing.T) {
			tree := tree()
			files := func(rel string) ([]byte, bool, error) {
				d, ok := tree[rel]
				return []byte(d), ok, nil
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := ComposeServices(files, nil, "compose.yaml")
			runtime.ReadMemStats(&after)
			var ce *ComposeError
			if !errors.As(err, &ce) || ce.File != "compose.yaml" || ce.Line < 5 || !strings.Contains(ce.Msg, "budget") {
				t.Fatalf("want the budget's error at a line of compose.yaml, got %v", err)
			}
			if strings.Contains(err.Error(), "xxxx") || strings.Contains(err.Error(), "yyyy") {
				t.Fatalf("the error shows the value: %v", err)
			}
			// Past the budget (8 MiB and 8 times the files) nothing is
			// built; without it this is 150 and 240 MB.
			if got := after.TotalAlloc - before.TotalAlloc; got > 80<<20 {
				t.Fatalf("reading allocated %d MB", got>>20)
			}
		})
	}
}

// TestComposeKeepingKeepsWhatTheGuardReads: with keep, a service's reading
// holds the URL variables, what their values refer to, PG* and the
// *PASSWORD* variables, and none of the rest; without, everything it
// receives (what the conformance suite compares).
func TestComposeKeepingKeepsWhatTheGuardReads(t *testing.T) {
	files := map[string]string{
		"compose.yaml": "services:\n  a:\n    image: x\n    env_file: a.env\n    environment:\n      DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app\n      PORT: '3000'\n",
		".env":         "DB_PASSWORD=pw\n",
		"a.env":        "PGHOST=db\nDB_PASSWORD=pw\nOTHER=1\nDIRECT_URL=$HOST\nHOST=h\n",
	}
	read := func(rel string) ([]byte, bool, error) {
		d, ok := files[rel]
		return []byte(d), ok, nil
	}
	for _, tc := range []struct {
		keep []string
		want string
	}{
		{nil, "DATABASE_URL DB_PASSWORD DIRECT_URL HOST OTHER PGHOST PORT"},
		{[]string{"DATABASE_URL", "DIRECT_URL"}, "DATABASE_URL DB_PASSWORD DIRECT_URL PGHOST"},
	} {
		svcs, err := ComposeServicesKeeping(read, nil, "compose.yaml", tc.keep)
		if err != nil || len(svcs) != 1 {
			t.Fatalf("%v, %d services", err, len(svcs))
		}
		got := slices.Sorted(maps.Keys(svcs[0].Reading.All()))
		if strings.Join(got, " ") != tc.want {
			t.Errorf("keep %q: reading holds %q, want %q", tc.keep, got, tc.want)
		}
		for _, d := range svcs[0].Reading.Defs {
			if !slices.Contains(got, d.Key) {
				t.Errorf("keep %q: a definition of %s, which the reading does not hold", tc.keep, d.Key)
			}
		}
		if v := svcs[0].Reading.All()["DATABASE_URL"].Value; v != "postgres://app:pw@db/app" {
			t.Errorf("keep %q: DATABASE_URL = %q", tc.keep, v)
		}
	}
}
