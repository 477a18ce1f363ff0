package tool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackAlembicExecOtherConfig: dbguard exec -- alembic checked the
// project's alembic.ini's [alembic] but Alembic read the file -c names,
// or the section -n names (argparse: -cFILE, --config=FILE, --conf FILE,
// after -x VALUE), or ALEMBIC_CONFIG: a script_location out of the
// project there ran the outside env.py. Each is refused; -c naming the
// checked file, -n alembic, and options after the command are not.
func TestAttackAlembicExecOtherConfig(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"alembic.ini", "deploy.ini"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte("[alembic]\nscript_location = %(here)s/alembic\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := &Project{Kind: Alembic, Workdir: root, root: root}
	t.Setenv("ALEMBIC_CONFIG", "")
	for line, refused := range map[string]bool{
		"alembic upgrade head":                                false,
		"alembic -c alembic.ini -n alembic upgrade head":      false,
		"alembic -c ./alembic.ini upgrade head":               false,
		"alembic revision -m x -c deploy.ini":                 false, // the command's own words
		"alembic -x c=1 upgrade head":                         false,
		"alembic -c deploy.ini upgrade head":                  true,
		"alembic -cdeploy.ini upgrade head":                   true,
		"alembic -c=deploy.ini upgrade head":                  true,
		"alembic --config=deploy.ini upgrade head":            true,
		"alembic --conf deploy.ini upgrade head":              true,
		"alembic --c deploy.ini upgrade head":                 true,
		"alembic -x a=1 -c deploy.ini upgrade head":           true,
		"alembic --raiseerr -c ../elsewhere.ini upgrade head": true,
		"alembic -n deploy upgrade head":                      true,
		"alembic -ndeploy upgrade head":                       true,
		"alembic --nam deploy upgrade head":                   true,
		"python3 -m alembic -c deploy.ini upgrade head":       true,
		"python3 -Imalembic -n other upgrade head":            true,
		"uv run alembic -c deploy.ini upgrade head":           true,
		"poetry run python -m alembic --config deploy.ini up": true,
	} {
		err := CheckAlembicConfig(p, root, strings.Fields(line))
		if (err != nil) != refused {
			t.Errorf("%s: err %v, want refused %v", line, err, refused)
		}
	}
	t.Setenv("ALEMBIC_CONFIG", "deploy.ini")
	if err := CheckAlembicConfig(p, root, []string{"alembic", "upgrade", "head"}); err == nil || !strings.Contains(err.Error(), "ALEMBIC_CONFIG") {
		t.Errorf("ALEMBIC_CONFIG=deploy.ini: %v, want refused", err)
	}
	// Run from another folder with an alembic.ini of its own: that is the
	// file Alembic reads, not the checked one.
	other := filepath.Join(root, "docs")
	os.Mkdir(other, 0o755)
	os.WriteFile(filepath.Join(other, "alembic.ini"), []byte("[alembic]\nscript_location = /elsewhere\n"), 0o644)
	t.Setenv("ALEMBIC_CONFIG", "")
	if err := CheckAlembicConfig(p, other, []string{"alembic", "upgrade", "head"}); err == nil {
		t.Error("docs/alembic.ini read from docs/: not refused")
	}
}

// TestAttackKindOfRunnerOptions: exec read the word after run as the
// command, so a runner's option before it (uv run --python 3.12 alembic,
// poetry run -C backend alembic) hid Alembic: it ran with none of exec's
// Alembic checks (script_location out of the project, -c other.ini).
func TestAttackKindOfRunnerOptions(t *testing.T) {
	for line, want := range map[string]Kind{
		"uv run --python 3.12 alembic upgrade head":           Alembic,
		"uv run -p 3.12 --no-sync alembic upgrade head":       Alembic,
		"uv run --with=psycopg2 alembic upgrade head":         Alembic,
		"uv run --with psycopg2 --frozen python -m alembic":   Alembic,
		"uv run -m alembic upgrade head":                      Alembic,
		"uv run -- alembic upgrade head":                      Alembic,
		"poetry run -C backend alembic upgrade head":          Alembic,
		"pdm run -p backend python3 -Im alembic upgrade head": Alembic,
		"uv run --with alembic pytest":                        "",
		"uv run --python 3.12 pytest -m alembic":              "",
	} {
		if got := KindOf(strings.Fields(line)); got != want {
			t.Errorf("KindOf(%s) = %q, want %q", line, got, want)
		}
	}
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "alembic.ini"), []byte("[alembic]\n"), 0o644)
	os.WriteFile(filepath.Join(root, "deploy.ini"), []byte("[alembic]\n"), 0o644)
	p := &Project{Kind: Alembic, Workdir: root, root: root}
	t.Setenv("ALEMBIC_CONFIG", "")
	if err := CheckAlembicConfig(p, root, strings.Fields("uv run --python 3.12 alembic -c deploy.ini upgrade head")); err == nil {
		t.Error("uv run --python 3.12 alembic -c deploy.ini: not refused")
	}
}

// TestAttackAlembicExecConfigFromAnotherFolder: -c naming the checked
// alembic.ini from another folder was let through, but Alembic takes a
// relative script_location (script_location = alembic, the older
// templates') from the folder it runs in: another folder's revisions and
// env.py than the ones dbguard read. Refused, the hint cd's there.
func TestAttackAlembicExecConfigFromAnotherFolder(t *testing.T) {
	root := t.TempDir()
	backend := filepath.Join(root, "backend")
	os.Mkdir(backend, 0o755)
	os.WriteFile(filepath.Join(backend, "alembic.ini"), []byte("[alembic]\nscript_location = alembic\n"), 0o644)
	p := &Project{Kind: Alembic, Workdir: backend, root: root}
	t.Setenv("ALEMBIC_CONFIG", "")
	err := CheckAlembicConfig(p, root, strings.Fields("alembic -c backend/alembic.ini upgrade head"))
	var a *exitcode.Advice
	if !errors.As(err, &a) || !strings.HasSuffix(a.Next, "dbguard exec -- alembic upgrade head") || !strings.Contains(a.Next, "cd ") {
		t.Errorf("-c backend/alembic.ini from the top: %v", err)
	}
	if err := CheckAlembicConfig(p, backend, strings.Fields("alembic upgrade head")); err != nil {
		t.Errorf("in backend/: %v", err)
	}
}

// TestAttackAlembicExecTomlConfig: Alembic 1.16 and later (read from its
// config.py, 1.19.2: CommandLine._inis_from_config) take -c twice, an
// alembic.ini and a file named pyproject.toml, whose [tool.alembic]
// script_location and version_locations they run; ALEMBIC_CONFIG naming
// a pyproject.toml is that toml even when -c names the ini. exec kept the
// last -c only and read ALEMBIC_CONFIG only without -c: `-c
// ../shared/pyproject.toml -c alembic.ini` and `ALEMBIC_CONFIG=
// ../shared/pyproject.toml alembic -c alembic.ini` passed, and Alembic
// 1.16 would run the env.py the outside toml names. The project's own
// pyproject.toml (its paths refused where it is read) is no error.
func TestAttackAlembicExecTomlConfig(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "alembic.ini"), []byte("[alembic]\nscript_location = %(here)s/alembic\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Project{Kind: Alembic, Workdir: root, root: root}
	t.Setenv("ALEMBIC_CONFIG", "")
	os.Unsetenv("ALEMBIC_CONFIG")
	for line, refused := range map[string]bool{
		"alembic -c pyproject.toml upgrade head":                                false,
		"alembic -c alembic.ini -c pyproject.toml upgrade head":                 false,
		"alembic -c ./pyproject.toml --config alembic.ini upgrade head":         false,
		"alembic -c ../shared/pyproject.toml -c alembic.ini upgrade head":       true,
		"alembic -c alembic.ini -c ../shared/pyproject.toml upgrade head":       true,
		"alembic -qc /srv/app/pyproject.toml -c alembic.ini upgrade head":       true,
		"alembic --config=sub/pyproject.toml --conf alembic.ini upgrade head":   true,
		"uv run alembic -c alembic.ini -c ../shared/pyproject.toml upgrade 1":   true,
		"python3 -m alembic -cother/pyproject.toml -c alembic.ini upgrade head": true,
	} {
		err := CheckAlembicConfig(p, root, strings.Fields(line))
		if (err != nil) != refused {
			t.Errorf("%s: err %v, want refused %v", line, err, refused)
		}
		var a *exitcode.Advice
		if refused && (!errors.As(err, &a) || a.Code != exitcode.Usage || strings.Contains(line, "toml") && (!strings.Contains(a.Msg, "[tool.alembic]") || strings.Contains(a.Next, "pyproject"))) {
			t.Errorf("%s: %v, want a usage error on [tool.alembic] whose command drops the toml", line, err)
		}
	}
	for env, refused := range map[string]bool{
		"pyproject.toml":                           false,
		filepath.Join(root, "pyproject.toml"):      false,
		"../shared/pyproject.toml":                 true,
		filepath.Join(root, "x", "pyproject.toml"): true,
	} {
		t.Setenv("ALEMBIC_CONFIG", env)
		for _, line := range []string{"alembic upgrade head", "alembic -c alembic.ini upgrade head"} {
			err := CheckAlembicConfig(p, root, strings.Fields(line))
			if (err != nil) != refused {
				t.Errorf("ALEMBIC_CONFIG=%s %s: err %v, want refused %v", env, line, err, refused)
			}
			var a *exitcode.Advice
			if refused && (!errors.As(err, &a) || !strings.Contains(a.Next, "env -u ALEMBIC_CONFIG dbguard exec -- alembic upgrade head")) {
				t.Errorf("ALEMBIC_CONFIG=%s %s: %v, want the hint to unset it", env, line, err)
			}
		}
	}
}
