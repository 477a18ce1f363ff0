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

	"github.com/rogpeppe/go-internal/txtar"
)

// TestSettingsConformance compares, for the settings: cases, what dbguard
// reads of a pydantic-settings class (PydanticSettings and the class's
// Loader, run in each run folder) with the fields the real class held
// when built there (pydantic-settings 2.14.1, recorded by
// scripts/conformance.sh).
func TestSettingsConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/cases/settings-*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no settings cases: %v", err)
	}
	total := 0
	for _, file := range files {
		c := loadCase(t, file)
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var specs []string
		for _, line := range strings.Split(string(a.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "settings: "); ok {
				specs = append(specs, v)
			}
		}
		data, err := os.ReadFile(filepath.Join("testdata/conformance/golden", c.name+".json"))
		if err != nil {
			t.Errorf("%s: no golden (run make conformance): %v", c.name, err)
			continue
		}
		var g struct {
			Settings map[string]map[string]struct {
				Vars   map[string]*string `json:"vars"`
				Driver *map[string]string `json:"driver"`
				Error  string             `json:"error"`
			} `json:"settings"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		for _, spec := range specs {
			py, class, _ := strings.Cut(spec, " ")
			classes, problems := PydanticSettings(py, c.files[py])
			i := slices.IndexFunc(classes, func(s *Settings) bool { return s.Class == class })
			if i < 0 || len(problems) > 0 {
				t.Errorf("%s: %s: class %s not read (problems %v)", c.name, py, class, problems)
				continue
			}
			// The real class read its files in the case's mode. dbguard
			// counts a class whose every file is named for a mode
			// (env_file=".env.prod") in that mode only, deliberately
			// (docs/env.md); one that also reads a file named for no
			// mode must count in every mode (envcheck skips a class
			// whose Modes leave the mode out).
			plain := slices.ContainsFunc(classes[i].EnvFiles, func(f string) bool { return fileMode(path.Base(f)) == "" })
			if modes := classes[i].Modes(); plain && len(modes) > 0 && !slices.Contains(modes, c.mode) {
				t.Errorf("%s: %s: pydantic-settings reads its env files in mode %s, but dbguard counts the class only in %v", c.name, spec, c.mode, modes)
			}
			runs := g.Settings[spec]
			if len(runs) == 0 {
				t.Errorf("%s: the golden has no settings for %q (run make conformance)", c.name, spec)
			}
			for _, run := range slices.Sorted(maps.Keys(runs)) {
				total++
				want := runs[run]
				r := Read(classes[i].Loader(), c.input(), run, run)
				diff := compareReading(r, want.Vars, want.Error)
				if diff == "" && want.Error == "" {
					diff = compareDriver(r, want.Driver)
				}
				if diff != "" {
					t.Errorf("%s: %s run in %s: %s", c.name, spec, run, diff)
				}
			}
		}
	}
	t.Logf("%d settings classes compared with pydantic-settings", total)
}

func TestPydanticSettingsParse(t *testing.T) {
	src := `from pydantic_settings import BaseSettings, SettingsConfigDict

class Base(BaseSettings):
    model_config = SettingsConfigDict(env_file=os.environ["ENV_FILE"])
    x: str

class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=[".env", ".env.local"],  # later wins
        env_prefix='APP_',
        case_sensitive=True,
    )
    DATABASE_URL: PostgresDsn
    port: int = 8000
    _private: str = "x"
    api_url: str = "https://example.com"

def unrelated():
    pass
`
	classes, problems := PydanticSettings("app/config.py", []byte(src))
	if len(problems) != 1 || !strings.Contains(problems[0].At+" "+problems[0].Msg, `app/config.py:3 pydantic-settings class Base: env_file os.environ["ENV_FILE"] is only known at run time`) {
		t.Errorf("problems: %v", problems)
	}
	if len(classes) != 1 {
		t.Fatalf("classes: %v", classes)
	}
	s := classes[0]
	var fields []string
	for _, f := range s.Fields {
		fields = append(fields, f.Name)
	}
	if s.Class != "Settings" || s.Line != 7 || strings.Join(s.EnvFiles, ",") != ".env,.env.local" || s.Prefix != "APP_" || !s.CaseSensitive || strings.Join(fields, ",") != "DATABASE_URL,api_url" {
		t.Errorf("got %+v (fields %v)", s, fields)
	}
}
