package envcheck

import (
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
