package tool

import (
	"strings"
	"testing"
)

// TestAttackCdOutOfProject: a cd was placed at wd/DIR, but sh's cd goes
// through CDPATH first (dash: `CDPATH=..; cd db` enters ../db even where
// ./db exists), and `cd -P db` was read as a cd to a folder named -P:
// `CDPATH=..; cd db && pipenv run ./m` ran pipenv on ../db's .env,
// outside the project, read as the project's db/. Found by review9a at
// 139e3a89.
func TestAttackCdOutOfProject(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"db/Pipfile": "[packages]\n", "api/x": ""})
	t.Setenv("PIPENV_DONT_LOAD_ENV", "1")
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 3}}
	for _, line := range []string{
		"CDPATH=..; cd api && ./m",
		"export CDPATH=..; cd api && ./m",
		"cd -P",
		"cd -P api api",
	} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err == nil || !strings.Contains(err.Error(), "cd to a folder") {
			t.Errorf("%s: %v, want a refusal of the cd", line, err)
		}
	}
	for _, line := range []string{"CDPATH=..; cd ./api && ./m", "cd -P api && ./m", "cd -- api && ./m", "cd api && ./m"} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
	t.Setenv("CDPATH", "/tmp")
	if err := p.CheckCommand("up", "cd api && ./m", "dbguard migrate up"); err == nil {
		t.Error("cd api under an exported CDPATH passed")
	}
}
