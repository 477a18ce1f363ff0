package envload

import (
	"encoding/json"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestPyCallConformance compares, for the pycall: cases, what dbguard
// makes of a file's load_dotenv call (PythonCalls and the call's Loader,
// run in each run folder) with what os.environ held after the real
// python-dotenv ran that file there (recorded by scripts/conformance.sh).
func TestPyCallConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/cases/pycall-*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no pycall cases: %v", err)
	}
	total := 0
	for _, file := range files {
		c := loadCase(t, file)
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var pyfiles []string
		for _, line := range strings.Split(string(a.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "pycall: "); ok {
				pyfiles = append(pyfiles, v)
			}
		}
		data, err := os.ReadFile(filepath.Join("testdata/conformance/golden", c.name+".json"))
		if err != nil {
			t.Errorf("%s: no golden (run make conformance): %v", c.name, err)
			continue
		}
		var g struct {
			PyCalls map[string]map[string]struct {
				Vars   map[string]*string `json:"vars"`
				Driver *map[string]string `json:"driver"`
				Error  string             `json:"error"`
			} `json:"pycalls"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		for _, py := range pyfiles {
			calls, problems := PythonCalls(py, c.files[py])
			if len(calls) != 1 || len(problems) > 0 {
				t.Errorf("%s: %s: want one call, got %d (problems %v)", c.name, py, len(calls), problems)
				continue
			}
			runs := g.PyCalls[py]
			if len(runs) == 0 {
				t.Errorf("%s: the golden has no pycalls for %s (run make conformance)", c.name, py)
			}
			for _, run := range slices.Sorted(maps.Keys(runs)) {
				total++
				want := runs[run]
				r := Read(calls[0].Loader(), c.input(), run, path.Dir(py))
				diff := compareReading(r, want.Vars, want.Error)
				if diff == "" && want.Error == "" {
					diff = compareDriver(r, want.Driver)
				}
				if diff != "" {
					t.Errorf("%s: %s run in %s: %s", c.name, py, run, diff)
				}
			}
		}
	}
	t.Logf("%d load_dotenv calls compared with python-dotenv", total)
}

func TestPythonCallsParse(t *testing.T) {
	src := `import os
from pathlib import Path
from dotenv import load_dotenv, find_dotenv
# load_dotenv(".env.commented")
def load_dotenv_later(): pass
load_dotenv()
load_dotenv('.env.local', override=True)
dotenv.load_dotenv(dotenv_path=".env.test")
load_dotenv(find_dotenv(".env.prod", usecwd=True))
load_dotenv(Path(__file__).parent / ".env")
load_dotenv(os.getenv("ENV_FILE"))
load_dotenv(None, None, False, True)
`
	calls, problems := PythonCalls("backend/app/config.py", []byte(src))
	var got []string
	for _, c := range calls {
		got = append(got, strings.Join([]string{c.At(), c.Name, map[bool]string{true: "upward", false: "cwd"}[c.Upward && !c.UseCwd], map[bool]string{true: "override", false: ""}[c.Override]}, " "))
	}
	want := []string{
		"backend/app/config.py:6 .env upward ",
		"backend/app/config.py:7 .env.local cwd override",
		"backend/app/config.py:8 .env.test cwd ",
		"backend/app/config.py:9 .env.prod cwd ",
		"backend/app/config.py:12 .env upward override",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.At+" "+p.Msg)
	}
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0], "backend/app/config.py:10 load_dotenv with a path computed at run time") || !strings.HasPrefix(msgs[1], "backend/app/config.py:11 ") {
		t.Errorf("problems: %q", msgs)
	}
}

// TestAttackPythonCallsLinear: a megabyte of load_dotenv calls took 35 s
// and 76,926 warnings. Reading them is linear in the file (lines counted
// on from the call before, not from the top, and a line's start found the
// same way), and a file names at most 10 problems, then how many more:
// checked on the unclosed calls' larger input, the measurement's last run
// (64,000 calls, 832 KB), not in a run of its own.
func TestAttackPythonCallsLinear(t *testing.T) {
	const n = 8000
	for name, unit := range map[string]string{
		"a call a line":        "load_dotenv()\n",
		"calls on one line":    "x = 1; load_dotenv(); ",
		"unclosed calls":       "load_dotenv(\n",
		"comments in the call": "load_dotenv(#\n",
	} {
		t.Run(name, func(t *testing.T) {
			var problems []ScriptProblem
			if r := lineartest.Growth(func(n int) []byte { return []byte(strings.Repeat(unit, n)) }, func(b []byte) { _, problems = PythonCalls("b.py", b) }, n); r > 20 {
				t.Errorf("8 times the calls take %.0f times as long (linear: about 8)", r)
			}
			if name == "unclosed calls" {
				checkCallProblems(t, problems, "b.py", 8*n)
			}
		})
	}
}
