package envload

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// COMPOSE_FILE as docker compose reads it where it starts (the shell, then
// that folder's .env), its entries from that folder, none outside the
// project; and the files it names read as one project, paths from the
// first file's folder.
func TestComposeFileSetting(t *testing.T) {
	memory := func(fs map[string]string) Files {
		return func(rel string) ([]byte, bool, error) {
			s, ok := fs[rel]
			return []byte(s), ok, nil
		}
	}
	for _, c := range []struct {
		name  string
		shell map[string]string
		env   string
		want  []string
		bad   bool
	}{
		{"unset", nil, "A=1\n", nil, false},
		{"dotenv", nil, "COMPOSE_FILE=a.yml:deploy/../b.yml\n", []string{"a.yml", "b.yml"}, false},
		{"separator", nil, "COMPOSE_PATH_SEPARATOR=,\nCOMPOSE_FILE=a.yml,x/c.yml\n", []string{"a.yml", "x/c.yml"}, false},
		{"shell wins", map[string]string{"COMPOSE_FILE": "s.yml"}, "COMPOSE_FILE=a.yml\n", []string{"s.yml"}, false},
		{"absolute inside", map[string]string{"COMPOSE_FILE": "/p/root/deploy/c.yml"}, "", []string{"deploy/c.yml"}, false},
		{"absolute outside", map[string]string{"COMPOSE_FILE": "/p/other/c.yml"}, "", nil, true},
		{"relative outside", nil, "COMPOSE_FILE=a.yml:../c.yml\n", nil, true},
		{"home", nil, "COMPOSE_FILE=~/c.yml\n", nil, true},
		{"empty entry", nil, "COMPOSE_FILE=a.yml::b.yml\n", nil, true},
		{"remote", nil, "COMPOSE_FILE=https://example.com/c.yml\n", nil, true},
		{"remote with a password", nil, "COMPOSE_PATH_SEPARATOR=,\nCOMPOSE_FILE=https://bob:s3cret@example.com/c.yml\n", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ComposeFileSetting(memory(map[string]string{".env": c.env}), c.shell, ".", "/p/root")
			var fe *ComposeFileError
			if c.bad != errors.As(err, &fe) || !c.bad && err != nil {
				t.Fatalf("err = %v, want a ComposeFileError: %v", err, c.bad)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("files = %q, want %q", got, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the entry's password", err)
			}
			if err != nil && strings.Contains(err.Error(), "  ") {
				t.Errorf("error %q has a hole where a name was left out", err)
			}
		})
	}

	// In a folder below the root, as docker compose started there: that
	// folder's .env, its entries from that folder, none leading out.
	for _, c := range []struct {
		env  string
		want []string
		bad  bool
	}{
		{"COMPOSE_FILE=compose.yaml:../shared/c.yml\n", []string{"apps/api/compose.yaml", "apps/shared/c.yml"}, false},
		{"COMPOSE_FILE=compose.yaml:../../../c.yml\n", nil, true},
	} {
		got, err := ComposeFileSetting(memory(map[string]string{".env": "COMPOSE_FILE=root.yml\n", "apps/api/.env": c.env}), nil, "apps/api", "/p/root")
		var fe *ComposeFileError
		if c.bad != errors.As(err, &fe) || !c.bad && err != nil {
			t.Fatalf("%q: err = %v, want a ComposeFileError: %v", c.env, err, c.bad)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: files = %q, want %q", c.env, got, c.want)
		}
		if fe != nil && fe.File != "apps/api/.env" {
			t.Errorf("%q: refused at %s, want apps/api/.env", c.env, fe.File)
		}
	}

	fs := memory(map[string]string{
		"deploy/base.yml":     "services:\n  api:\n    image: app\n    env_file: [prod.env]\n",
		"other/override.yml":  "services:\n  api:\n    env_file: [extra.env]\n",
		"deploy/prod.env":     "DATABASE_URL=postgres://h-prod/app\n",
		"deploy/extra.env":    "DATABASE_URL=postgres://h-extra/app\n",
		"other/extra.env":     "DATABASE_URL=postgres://h-wrong/app\n",
		"deploy/compose.yaml": "services:\n  unused:\n    image: app\n",
	})
	svcs, err := ComposeProjectKeeping(fs, nil, ".", []string{"deploy/base.yml", "other/override.yml"}, []string{"DATABASE_URL"})
	if err != nil {
		t.Fatal(err)
	}
	if len(svcs) != 1 || svcs[0].Name != "api" || svcs[0].Reading.All()["DATABASE_URL"].Value != "postgres://h-extra/app" {
		t.Fatalf("services %+v, want api with deploy/extra.env's DATABASE_URL (the override's path from the first file's folder)", svcs)
	}
}
