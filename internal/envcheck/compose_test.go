package envcheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

const incidentCompose = `services:
  db:
    image: postgres:15
  backend:
    build: ./backend
    environment:
      DATABASE_URL: postgres://app:${POSTGRES_PASSWORD}@${POSTGRES_HOST}:5432/app
`

// The incident's compose shape: the container's URL from the root .env's
// parts, backend/.env naming another host.
func TestComposeServiceConflict(t *testing.T) {
	root := tree(t, map[string]string{
		"compose.yaml":             incidentCompose,
		".env":                     "POSTGRES_PASSWORD=" + rootPW + "\nPOSTGRES_HOST=db-a\n",
		"backend/.env":             "DATABASE_URL=postgres://app:" + backPW + "@db-b:5432/app\n",
		"backend/requirements.txt": "python-dotenv\n",
	})
	r := mustResolve(t, root, nil)
	if !r.Conflict() {
		t.Fatalf("want a conflict, got %d databases", len(r.Databases))
	}
	var got []string
	for _, db := range r.Databases {
		got = append(got, db.ID.String()+" <- "+strings.Join(db.Readers, "; "))
	}
	want := "db-a:5432/app <- compose service backend (compose.yaml:4) in backend/"
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("databases:\n%s\nwant a line %q", strings.Join(got, "\n"), want)
	}
	for _, lr := range r.Readings {
		if lr.Loader == "compose" {
			t.Errorf("the compose interpolation run is still judged: %s", lr.Label())
		}
	}

	// The same through the hook's index contents.
	r = mustResolve(t, root, func(o *Options) {
		o.Contents = map[string][]byte{
			"compose.yaml": []byte(incidentCompose), ".env": []byte("POSTGRES_PASSWORD=" + rootPW + "\nPOSTGRES_HOST=db-a\n"),
			"backend/.env": []byte("DATABASE_URL=postgres://app:" + backPW + "@db-b:5432/app\n"), "backend/requirements.txt": []byte("python-dotenv\n"),
		}
	})
	if !r.Conflict() {
		t.Errorf("index contents: want a conflict")
	}
}

// The shell's PG* variables reach a container only when compose passes
// them: a host-less URL there is not completed from the shell's PGHOST.
func TestComposeDriverSeesOnlyWhatIsPassed(t *testing.T) {
	root := tree(t, map[string]string{
		"compose.yaml": `services:
  api:
    image: app
    environment:
      DATABASE_URL: postgres:///app
  worker:
    image: app
    environment:
      DATABASE_URL: postgres:///app
      PGHOST: ${PGHOST}
`,
	})
	r, err := resolve(t, root, func(o *Options) { o.Environ = []string{"PGHOST=shell-host"} })
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]string{}
	for _, lr := range r.Readings {
		if s := lr.Reads["DATABASE_URL"]; s != nil {
			hosts[lr.Loader] = s.ID.String()
		}
	}
	if h := hosts["compose service api (compose.yaml:2)"]; strings.Contains(h, "shell-host") {
		t.Errorf("api's driver completed from the shell's PGHOST: %s (all: %v)", h, hosts)
	}
	if h := hosts["compose service worker (compose.yaml:6)"]; !strings.Contains(h, "shell-host") {
		t.Errorf("worker receives PGHOST=shell-host, its driver reads %q (all: %v)", h, hosts)
	}
}

// TestAttackComposePasswordMasked: a password in the .env a compose file
// is interpolated from is masked even when no container receives it
// (no other loader need read that file).
func TestAttackComposePasswordMasked(t *testing.T) {
	const pw = "cmpS3cretNeverShown"
	root := tree(t, map[string]string{
		"compose.yaml": "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n  api:\n    image: app\n    environment:\n      DATABASE_URL: postgres://app@db/app\n",
		".env":         "POSTGRES_PASSWORD=" + pw + "\n",
	})
	mustResolve(t, root, nil)
	if out := dburl.RedactText("server said: " + pw); strings.Contains(out, pw) {
		t.Errorf("the compose .env's password is not masked: %q", out)
	}
}

// A container reaching the project's db service (postgres://db:5432) and
// the host's .env reaching the port db publishes (localhost:5433) name one
// database; without a published port they are two.
func TestComposePublishedPortIsTheHostsDatabase(t *testing.T) {
	compose := `services:
  db:
    image: postgres:15
    ports:
      - %s
  backend:
    build: ./backend
    environment:
      DATABASE_URL: postgres://app@db:5432/app
`
	for _, tc := range []struct {
		ports    string
		conflict bool
	}{
		{`"5433:5432"`, false},
		{`"127.0.0.1:5433:5432/tcp"`, true}, // 127.0.0.1 is not the .env's "localhost"
		{"{target: 5432, published: \"5433\"}", false},
		{`"5432"`, true}, // published at random: the host's 5433 is another server
	} {
		root := tree(t, map[string]string{
			"compose.yaml": fmt.Sprintf(compose, tc.ports),
			".env":         "DATABASE_URL=postgres://app@localhost:5433/app\n",
			"backend/x":    "",
		})
		r := mustResolve(t, root, nil)
		if r.Conflict() != tc.conflict {
			var dbs []string
			for _, d := range r.Databases {
				dbs = append(dbs, d.ID.String())
			}
			t.Errorf("ports %s: conflict %v, want %v (%v)", tc.ports, r.Conflict(), tc.conflict, dbs)
		}
		if r.Effective == nil || r.Effective.Def.File != ".env" {
			t.Errorf("ports %s: the URL in effect for dbguard is %v, want the host's .env", tc.ports, r.Effective)
		}
	}
}

// A folder whose only manifest is a compose file still has its .env read
// by the loaders a process started there may use (assumed, as with no
// manifest): dbguard's own migrations read it.
func TestComposeOnlyFolderStillReadsItsDotenv(t *testing.T) {
	root := tree(t, map[string]string{
		"compose.yaml": "services:\n  db:\n    image: postgres:15\n",
		".env":         "DATABASE_URL=postgres://app@localhost:5432/app\n",
	})
	r := mustResolve(t, root, nil)
	if r.Effective == nil || r.Effective.Def.Location() != ".env:1" {
		t.Fatalf("effective %v, want .env:1", r.Effective)
	}
	for _, lr := range r.Readings {
		if lr.Loader == "compose" {
			t.Errorf("compose's interpolation is judged as a loader: %s", lr.Label())
		}
	}
}

// compose.override.yaml is merged over compose.yaml, on disk and in the
// hook's index contents (where only env files and manifests are served).
func TestComposeOverrideFile(t *testing.T) {
	files := map[string]string{
		"compose.yaml":          "services:\n  api:\n    image: app\n    environment:\n      DATABASE_URL: postgres://app@db-a/app\n",
		"compose.override.yaml": "services:\n  api:\n    environment:\n      DATABASE_URL: postgres://app@db-b/app\n",
		".env":                  "DATABASE_URL=postgres://app@db-a/app\n",
	}
	root := tree(t, files)
	contents := map[string][]byte{}
	for k, v := range files {
		contents[k] = []byte(v)
	}
	for name, mutate := range map[string]func(*Options){"disk": nil, "index": func(o *Options) { o.Contents = contents }} {
		r := mustResolve(t, root, mutate)
		if !r.Conflict() {
			t.Errorf("%s: the override's db-b against the .env's db-a: want a conflict", name)
		}
	}
}

// A URL only a container receives is never the one dbguard connects with
// from the host (postgres://db:5432 does not resolve there): no URL, said
// so, rather than a migration aimed at the container's name.
func TestComposeOnlyContainersReadTheURL(t *testing.T) {
	root := tree(t, map[string]string{
		"compose.yaml": "services:\n  db:\n    image: postgres\n    ports: [\"5432:5432\"]\n  api:\n    image: app\n    environment:\n      DATABASE_URL: postgres://app@db:5432/app\n",
	})
	r := mustResolve(t, root, nil)
	var nu *NoURLError
	if err := r.Err(false); !errors.As(err, &nu) {
		t.Fatalf("want a NoURLError, got %v (migrations use %v)", err, r.MigrateURL)
	}
	if !strings.Contains(nu.Error(), "only compose service api (compose.yaml:5)") {
		t.Errorf("the error does not name the service: %v", nu)
	}
	if r.MigrateURL != nil {
		t.Errorf("migrations would use the container's URL %s", r.MigrateURL.Redacted())
	}
}

// A ${VAR:?...} this shell does not set stops docker compose here, not in
// the shell it is meant for (CI, a deploy): the file's services are passed
// over with a warning, the rest of the project is judged.
func TestComposeRequiredVariableUnset(t *testing.T) {
	root := tree(t, map[string]string{
		"compose.yaml": "services:\n  api:\n    image: app\n    environment:\n      DATABASE_URL: postgres://app:${DB_PASSWORD:?set DB_PASSWORD}@db/app\n",
		".env":         "DATABASE_URL=postgres://app@localhost/app\n",
	})
	r := mustResolve(t, root, nil)
	if err := r.Err(false); err != nil {
		t.Fatalf("want the .env judged, got %v", err)
	}
	if !hasWarning(r, "compose-unset", "compose.yaml:5") {
		t.Errorf("no compose-unset warning at compose.yaml:5: %+v", r.Warnings)
	}
	r = mustResolve(t, root, func(o *Options) { o.Environ = []string{"DB_PASSWORD=" + rootPW} })
	if !r.Conflict() {
		t.Errorf("with DB_PASSWORD set, the api's db/app against the .env's localhost/app: want a conflict")
	}
}

// TestAttackComposeWarningLocationOneLine: a compose file in a folder whose
// name holds a line break and a workflow command; its warnings' locations
// stay one line.
func TestAttackComposeWarningLocationOneLine(t *testing.T) {
	dir := "b\n::error file=app.go::x"
	root := tree(t, map[string]string{
		dir + "/compose.yaml": "services:\n  api:\n    image: app\n    env_file: missing.env\n    environment:\n      DATABASE_URL: postgres://app@${HOST:?set HOST}/app\n",
		".env":                "DATABASE_URL=postgres://app@localhost/app\n",
	})
	r := mustResolve(t, root, nil)
	found := false
	for _, w := range r.Warnings {
		if strings.HasPrefix(w.Code, "compose") {
			found = true
			if strings.ContainsAny(w.Location+w.Message, "\n\r") {
				t.Errorf("warning %s is not one line: %q %q", w.Code, w.Location, w.Message)
			}
		}
	}
	if !found {
		t.Fatalf("no compose warning: %+v", r.Warnings)
	}
}

// A service whose env_file is the .env the host reads names its database
// alike: one definition read by both, not the same line twice.
func TestComposeSharesTheHostsDefinition(t *testing.T) {
	root := tree(t, map[string]string{
		"compose.yaml": "services:\n  api:\n    image: app\n    env_file: .env\n",
		".env":         "DATABASE_URL=postgres://app@localhost:5432/app\n",
	})
	r := mustResolve(t, root, nil)
	if got := locations(r.Sources); len(got) != 1 {
		t.Errorf("definitions %v, want .env:1 once", got)
	}
	if len(r.Databases) != 1 || !strings.Contains(strings.Join(r.Databases[0].Readers, "; "), "compose service api (compose.yaml:2)") {
		t.Errorf("databases %+v: want one, read by the service too", r.Databases)
	}
}

// Many compose folders are read a few at once; the report is the same,
// in folder order (run with -race).
func TestComposeManyFolders(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 20; i++ {
		files[fmt.Sprintf("apps/a%02d/compose.yaml", i)] = fmt.Sprintf("services:\n  web:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app@db-%d/app\n", i%2)
	}
	r, err := resolve(t, tree(t, files), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Databases) != 2 {
		t.Fatalf("databases %d, want 2", len(r.Databases))
	}
	var got []string
	for _, lr := range r.Readings {
		if strings.HasPrefix(lr.Loader, "compose service") {
			got = append(got, lr.Dir)
		}
	}
	if len(got) != 20 || got[0] != "apps/a00" || got[19] != "apps/a19" {
		t.Errorf("service readings in %v", got)
	}
}
