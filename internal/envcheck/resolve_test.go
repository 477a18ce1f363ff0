package envcheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
)

// The fixture passwords; no output may contain them.
const (
	rootPW = "npg_R00tSecret"
	backPW = "npg_B4ckSecret"
)

var (
	neonDirect = "postgresql://app:" + rootPW + "@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require"
	neonOther  = "postgresql://app:" + backPW + "@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require"
	// neonOtherDirect is the direct endpoint of neonOther.
	neonOtherDirect = "postgresql://app:" + backPW + "@ep-old-lake-ahgffap2.us-east-1.aws.neon.tech/neondb?sslmode=require"
)

// tree writes files (slash paths) under a fresh directory.
func tree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func resolve(t *testing.T, root string, mutate func(*Options)) (*Report, error) {
	t.Helper()
	o := OptionsFor(config.Default(root), "", nil)
	if mutate != nil {
		mutate(&o)
	}
	return Resolve(context.Background(), o)
}

func mustResolve(t *testing.T, root string, mutate func(*Options)) *Report {
	t.Helper()
	r, err := resolve(t, root, mutate)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	assertNoPassword(t, r)
	return r
}

// assertNoPassword renders the report both ways and checks for the fixture
// passwords.
func assertNoPassword(t *testing.T, r *Report) {
	t.Helper()
	var b strings.Builder
	verdict := r.Err(false)
	if err := r.WriteText(&b, verdict); err != nil {
		t.Fatal(err)
	}
	for _, w := range r.Warnings {
		b.WriteString(w.Location + w.Message)
	}
	if verdict != nil {
		b.WriteString(verdict.Error())
	}
	for _, pw := range []string{rootPW, backPW} {
		if strings.Contains(b.String(), pw) {
			t.Fatalf("report shows a password:\n%s", b.String())
		}
	}
}

func locations(srcs []*Source) []string {
	var out []string
	for _, s := range srcs {
		out = append(out, s.Def.Location())
	}
	return out
}

func hasWarning(r *Report, code, loc string) bool {
	for _, w := range r.Warnings {
		if w.Code == code && (loc == "" || w.Location == loc) {
			return true
		}
	}
	return false
}

// The incident: the root .env and backend/.env name two Neon databases.
func TestIncidentIsAConflict(t *testing.T) {
	root := tree(t, map[string]string{
		".env":         "DATABASE_URL=" + neonDirect + "\n",
		"backend/.env": "# the backend\nDATABASE_URL=" + neonOther + "\n",
	})
	r := mustResolve(t, root, nil)
	var conflict *ConflictError
	if err := r.Err(false); !errors.As(err, &conflict) || conflict.Count != 2 {
		t.Fatalf("Err = %v, want a conflict of 2", err)
	}
	if len(r.Databases) != 2 {
		t.Fatalf("databases = %d", len(r.Databases))
	}
	if got := locations(r.Databases[0].Sources); len(got) != 1 || got[0] != ".env:1" {
		t.Errorf("first database from %v", got)
	}
	if got := locations(r.Databases[1].Sources); len(got) != 1 || got[0] != "backend/.env:2" {
		t.Errorf("second database from %v", got)
	}
	if r.Databases[1].ID.Host != "ep-old-lake-ahgffap2.us-east-1.aws.neon.tech" {
		t.Errorf("pooled database identified as %v", r.Databases[1].ID)
	}
	if len(r.Databases[1].Readers) == 0 || !strings.Contains(r.Databases[1].Readers[0], "backend/") {
		t.Errorf("readers = %v", r.Databases[1].Readers)
	}
}

// Pooled in backend/.env and direct in .env, same Neon endpoint: one database,
// and migrations use the direct host.
func TestPooledAndDirectOfOneDatabase(t *testing.T) {
	root := tree(t, map[string]string{
		".env":         "DATABASE_URL=" + neonOtherDirect + "\n",
		"backend/.env": "DATABASE_URL=" + neonOther + "\n",
	})
	r := mustResolve(t, root, nil)
	if err := r.Err(true); err != nil {
		t.Fatalf("Err = %v (warnings %v)", err, r.Warnings)
	}
	if got := r.MigrateURL.Hosts()[0].Name; got != "ep-old-lake-ahgffap2.us-east-1.aws.neon.tech" {
		t.Errorf("migrations use host %q", got)
	}
	// With only the pooled URL, the direct one is derived from it.
	root = tree(t, map[string]string{"backend/.env": "DATABASE_URL=" + neonOther + "\n"})
	r = mustResolve(t, root, nil)
	if r.Err(true) != nil || !r.Migrate.Endpoint.Rewritten() {
		t.Fatalf("Err = %v, rewritten = %v", r.Err(true), r.Migrate.Endpoint.Rewritten())
	}
	want := strings.Replace(neonOther, "-pooler", "", 1)
	if r.MigrateURL.String() != want {
		t.Errorf("migrate URL\n got %s\nwant %s", r.MigrateURL.Redacted(), dburl.Redact(want))
	}
}

// nextApp is a package.json that makes Next.js the loader in use.
const nextApp = `{"dependencies": {"next": "16.0.0"}}`

func TestShadowingLocalFile(t *testing.T) {
	files := map[string]string{
		".env":         "DATABASE_URL=" + neonDirect + "\n",
		".env.local":   "DATABASE_URL=postgres://me:" + backPW + "@localhost/app_dev\n",
		"package.json": nextApp,
	}
	r := mustResolve(t, tree(t, files), nil)
	if err := r.Err(false); err != nil {
		t.Fatalf("a shadowed definition is not a conflict: %v", err)
	}
	if r.Effective.Def.Location() != ".env.local:1" {
		t.Errorf("in effect: %s", r.Effective.Def.Location())
	}
	if !hasWarning(r, "shadowed", ".env:1") {
		t.Errorf("no shadowed warning: %v", r.Warnings)
	}
	var strict *StrictError
	if err := r.Err(true); !errors.As(err, &strict) {
		t.Errorf("--strict: %v", err)
	}
	// With no manifest, every application loader is assumed, and dotenv,
	// python-dotenv, godotenv and compose read .env alone: a conflict.
	delete(files, "package.json")
	r = mustResolve(t, tree(t, files), nil)
	if !r.Conflict() {
		t.Fatalf("assumed loaders read two databases, but no conflict: %v", r.Databases)
	}
	if got := strings.Join(r.Databases[0].Readers, ","); !strings.Contains(got, "python-dotenv, godotenv, compose in the project root") || strings.Contains(got, "next") {
		t.Errorf(".env:1 is read by %s", got)
	}
}

func TestModeOrder(t *testing.T) {
	files := map[string]string{
		".env":                   "DATABASE_URL=postgres://u@localhost/base\n",
		".env.development":       "DATABASE_URL=postgres://u@localhost/dev\n",
		".env.local":             "DATABASE_URL=postgres://u@localhost/local\n",
		".env.development.local": "DATABASE_URL=postgres://u@localhost/devlocal\n",
		".env.test":              "DATABASE_URL=postgres://u@localhost/test\n",
		".env.example":           "DATABASE_URL=postgres://u@localhost/example\n",
		".env.production":        "DATABASE_URL=not even a url\n",
		"package.json":           `{"devDependencies": {"vite": "8", "dotenv-flow": "4"}}`,
	}
	root := tree(t, files)
	for _, tt := range []struct{ mode, db string }{
		{"development", "devlocal"},
		{"test", "test"}, // Vite still reads .env.local, but .env.test outranks it
		{"staging", "local"},
	} {
		r := mustResolve(t, root, func(o *Options) { o.Mode = tt.mode })
		if err := r.Err(false); err != nil {
			t.Fatalf("mode %s: %v", tt.mode, err)
		}
		if got := r.Effective.ID.Database; got != tt.db {
			t.Errorf("mode %s: database %q, want %q", tt.mode, got, tt.db)
		}
		for _, f := range r.Files {
			if f.Path == ".env.example" && f.Status != Template {
				t.Errorf(".env.example status %s", f.Status)
			}
			if f.Path == ".env.local" && tt.mode == "test" && strings.Join(f.ReadBy, ",") != "vite" {
				t.Errorf(".env.local in mode test is read by %v, want vite alone", f.ReadBy)
			}
		}
	}
}

func TestProcessEnvironment(t *testing.T) {
	root := tree(t, map[string]string{".env": "DATABASE_URL=" + neonDirect + "\n"})
	// The environment names another database: it wins, with a warning.
	r := mustResolve(t, root, func(o *Options) { o.Environ = []string{"DATABASE_URL=" + neonOther, "HOME=/root"} })
	if err := r.Err(false); err != nil {
		t.Fatal(err)
	}
	if !r.Effective.FromEnvironment() || r.Effective.ID.Host != "ep-old-lake-ahgffap2.us-east-1.aws.neon.tech" {
		t.Errorf("effective = %s %v", r.Effective.Def.Location(), r.Effective.ID)
	}
	if !hasWarning(r, "env-override", "environment") {
		t.Errorf("no env-override warning: %v", r.Warnings)
	}
	// The same database: no warning.
	r = mustResolve(t, root, func(o *Options) { o.Environ = []string{"DATABASE_URL=" + neonDirect} })
	if len(r.Warnings) != 0 {
		t.Errorf("warnings: %v", r.Warnings)
	}
	// DATABASE_URL and DIRECT_URL in the environment disagree: a conflict.
	r = mustResolve(t, root, func(o *Options) {
		o.Environ = []string{"DATABASE_URL=" + neonDirect, "DIRECT_URL=" + neonOtherDirect}
	})
	if !r.Conflict() || len(r.EnvDatabases) != 2 {
		t.Errorf("env conflict not found: %v", r.EnvDatabases)
	}
}

func TestDirectURLVariables(t *testing.T) {
	// A pooler dbguard does not know, with DIRECT_URL beside it (Prisma).
	pooled := "postgres://app:" + backPW + "@pool.example.com:6543/shop?pgbouncer=true"
	direct := "postgres://app:" + backPW + "@db.example.com:5432/shop"
	root := tree(t, map[string]string{".env": "DATABASE_URL=" + pooled + "\nDIRECT_URL=" + direct + "\n"})
	r := mustResolve(t, root, nil)
	if err := r.Err(false); err != nil {
		t.Fatal(err)
	}
	if r.Migrate.Var != "DIRECT_URL" || r.MigrateURL.String() != direct {
		t.Errorf("migrations use %s from %s", r.MigrateURL.Redacted(), r.Migrate.Var)
	}
	if !hasWarning(r, "unverified-pooler", ".env:1") {
		t.Errorf("no unverified-pooler warning: %v", r.Warnings)
	}
	// Without DIRECT_URL there is no direct URL to migrate with.
	root = tree(t, map[string]string{".env": "DATABASE_URL=" + pooled + "\n"})
	r = mustResolve(t, root, nil)
	if r.MigrateURL != nil || !hasWarning(r, "pooled-no-direct", ".env:1") {
		t.Errorf("migrate %v, warnings %v", r.MigrateURL, r.Warnings)
	}
	// A DIRECT_URL naming another database is a conflict.
	root = tree(t, map[string]string{".env": "DATABASE_URL=" + neonDirect + "\nDIRECT_URL=" + neonOtherDirect + "\n"})
	r = mustResolve(t, root, nil)
	if !r.Conflict() {
		t.Errorf("DIRECT_URL on another database is not a conflict")
	}
}

func TestDiscoverySkipsAndExcludes(t *testing.T) {
	other := "DATABASE_URL=postgres://u@elsewhere/db\n"
	root := tree(t, map[string]string{
		".env":                         "DATABASE_URL=postgres://u@localhost/app\n",
		"node_modules/pkg/.env":        other,
		".venv/lib/.env":               other,
		"myenv/pyvenv.cfg":             "home = /usr/bin\n",
		"myenv/.env":                   other,
		"dist/.env":                    other,
		"fixtures/sample/.env":         other,
		"services/api/.env.example":    other,
		"services/api/.env.production": other,
	})
	r := mustResolve(t, root, func(o *Options) { o.Exclude = []string{"fixtures/**"} })
	if err := r.Err(true); err != nil {
		t.Fatalf("Err = %v; files %v", err, r.Files)
	}
	var paths []string
	for _, f := range r.Files {
		paths = append(paths, f.Path+"="+string(f.Status))
	}
	want := ".env=in-effect services/api/.env.example=template services/api/.env.production=other-mode"
	if strings.Join(paths, " ") != want {
		t.Errorf("files = %v\nwant %s", paths, want)
	}
}

func TestExplicitFiles(t *testing.T) {
	root := tree(t, map[string]string{
		".env":            "DATABASE_URL=postgres://u@localhost/app\n",
		"backend/.env":    "DATABASE_URL=postgres://u@localhost/other\n",
		"deploy/prod.env": "DATABASE_URL=postgres://u@localhost/app\n",
	})
	r := mustResolve(t, root, func(o *Options) { o.Files = []string{".env", "deploy/prod.env"} })
	if err := r.Err(false); err != nil {
		t.Fatalf("explicit files replace discovery: %v", err)
	}
	_, err := resolve(t, root, func(o *Options) { o.Files = []string{"missing/.env"} })
	var missing *MissingFileError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "missing/.env") {
		t.Errorf("missing explicit file: %v", err)
	}
}

func TestMalformedInput(t *testing.T) {
	tests := []struct {
		files map[string]string
		want  string
	}{
		// An unclosed quote: no loader reads a usable URL.
		{map[string]string{"backend/.env": "OK=1\nDATABASE_URL=\"" + neonOther + "\n"}, "backend/.env:2"},
		// A loader in use (godotenv, from go.mod) refuses the file.
		{map[string]string{".env": "OK=1\nDATABASE_URL=\"" + neonOther + "\n", "go.mod": "module x\nrequire github.com/joho/godotenv v1.5.1\n"},
			".env:2: godotenv cannot read this line (DATABASE_URL): unterminated quoted value"},
		{map[string]string{".env": "DATABASE_URL=mysql://root:" + rootPW + "@db/app\n"}, `.env:1: DATABASE_URL is not a usable PostgreSQL connection string: scheme "mysql"`},
		{map[string]string{".env": "DATABASE_URL=postgres://app:" + rootPW + "\n"}, ".env:1: DATABASE_URL is not a usable PostgreSQL connection string: invalid port"},
	}
	for _, tt := range tests {
		_, err := resolve(t, tree(t, tt.files), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want %q", err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), rootPW) || strings.Contains(err.Error(), backPW) {
			t.Errorf("error shows a password: %v", err)
		}
		var h interface{ Hint() string }
		if !errors.As(err, &h) || h.Hint() == "" {
			t.Errorf("error %v has no hint", err)
		}
	}
}

func TestNoURL(t *testing.T) {
	root := tree(t, map[string]string{".env": "OTHER=1\n", ".env.example": "DATABASE_URL=postgres://u@h/db\n"})
	r := mustResolve(t, root, nil)
	var none *NoURLError
	if err := r.Err(false); !errors.As(err, &none) {
		t.Errorf("Err = %v, want NoURLError", err)
	}
}

func TestHashInPassword(t *testing.T) {
	root := tree(t, map[string]string{".env": "DATABASE_URL=postgres://app:pa#ss@db.example.com/app\n"})
	r := mustResolve(t, root, nil)
	if r.Err(false) != nil || r.Effective.ID.String() != "db.example.com:5432/app" {
		t.Fatalf("Err = %v, id %v", r.Err(false), r.Effective.ID)
	}
	// Node's dotenv and Vite end the value at '#'; python-dotenv, godotenv
	// and compose keep it.
	if !hasWarning(r, "unusable", ".env:1") {
		t.Errorf("no warning for a URL cut at '#': %v", r.Warnings)
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"fixtures/**", "fixtures", true},
		{"fixtures/**", "fixtures/a/.env", true},
		{"**/testdata/**", "cmd/x/testdata/a/.env", true},
		{"**/testdata/**", "testdata", true},
		{".env.ci", "deep/dir/.env.ci", true},
		{"backend/.env", "backend/.env", true},
		{"backend/.env", "other/backend/.env", false},
		{"a/*/c", "a/b/c", true},
		{"a/*/c", "a/b/b/c", false},
	}
	for _, tt := range tests {
		if got := MatchGlob(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v", tt.pattern, tt.name, got)
		}
	}
}

// Contents (the hook's index) are filtered as discovery filters the disk.
func TestContentsHonourExcludeAndSkips(t *testing.T) {
	contents := map[string][]byte{
		".env":                      []byte("DATABASE_URL=postgres://u@localhost/app\n"),
		"fixtures/a/.env":           []byte("DATABASE_URL=postgres://u@elsewhere/other\n"),
		"node_modules/pkg/.env":     []byte("DATABASE_URL=postgres://u@third/db\n"),
		"services/api/.env.example": []byte("DATABASE_URL=postgres://u@h/x\n"),
	}
	o := OptionsFor(config.Default(t.TempDir()), "", nil)
	o.Contents, o.Exclude = contents, []string{"fixtures/**"}
	r, err := Resolve(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Err(false); err != nil {
		t.Errorf("excluded and skipped files were judged: %v (%d files)", err, len(r.Files))
	}
	o.Exclude, o.Files = nil, []string{"fixtures/a/.env"}
	r, err = Resolve(context.Background(), o)
	if err != nil || len(r.Files) != 1 || r.Effective.ID.Host != "elsewhere" {
		t.Errorf("explicit files: %v, %+v", err, r.Files)
	}
}

// The trees issue 9 found passing while a real loader connects elsewhere.
func TestLoaderModelScenarios(t *testing.T) {
	const dotenvPkg = `{"dependencies":{"dotenv":"16"}}`
	composed := "POSTGRES_USER=app\nPOSTGRES_PASSWORD=" + rootPW + "\nPOSTGRES_HOST=%s\nDATABASE_URL=postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@${POSTGRES_HOST}:5432/app\n"
	abc := map[string]string{
		".env":             "DATABASE_URL=postgres://u@db-a/app\n",
		".env.development": "DATABASE_URL=postgres://u@db-b/app\n",
		".env.local":       "DATABASE_URL=postgres://u@db-c/app\n",
	}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range m {
			out[a] = b
		}
		return out
	}
	tests := []struct {
		name    string
		files   map[string]string
		mutate  func(*Options)
		dbs     []string // hosts/databases, in order
		warning string   // a warning code that must be there
	}{
		{"composed URLs, two hosts", map[string]string{".env": fmt.Sprintf(composed, "db-a"), "backend/.env": fmt.Sprintf(composed, "db-b")}, nil,
			[]string{"db-a:5432/app", "db-b:5432/app"}, ""},
		{"composed URL, one host", map[string]string{".env": fmt.Sprintf(composed, "db-a"), "backend/.env": fmt.Sprintf(composed, "db-a")}, nil,
			[]string{"db-a:5432/app"}, "unusable"}, // dotenv hands over ${...} as text
		{"order, every loader assumed", abc, nil, []string{"db-a:5432/app", "db-b:5432/app", "db-c:5432/app"}, ""},
		{"order, Next.js", with(abc, "package.json", `{"dependencies":{"next":"16"}}`), nil, []string{"db-c:5432/app"}, "shadowed"},
		{"order, Vite", with(abc, "package.json", `{"devDependencies":{"vite":"8"}}`), nil, []string{"db-b:5432/app"}, "shadowed"},
		{"empty after a value", map[string]string{".env": "DATABASE_URL=postgres://u@db-a/app\nDATABASE_URL=\n"}, nil, nil, ""},
		{"empty .env.local in Next.js", map[string]string{".env": "DATABASE_URL=postgres://u@db-a/app\n", ".env.local": "DATABASE_URL=\n", "package.json": `{"dependencies":{"next":"16"}}`}, nil, nil, ""},
		{"DIRECT_URL in the environment", map[string]string{".env": "DATABASE_URL=postgres://u@db-a/app\n"},
			func(o *Options) { o.Environ = []string{"DIRECT_URL=postgres://u@db-z/app"} }, []string{"db-z:5432/app", "db-a:5432/app"}, ""},
		{"python-dotenv called from backend/app", map[string]string{".env": "DATABASE_URL=postgres://u@db-a/app\n", "backend/.env": "DATABASE_URL=postgres://u@db-b/app\n"},
			func(o *Options) {
				o.Loaders = []config.LoaderRun{{Loader: "python-dotenv", Dir: ".", Caller: "backend/app"}}
			}, []string{"db-b:5432/app"}, ""},
		{"PGDATABASE completes the URL", map[string]string{".env": "DATABASE_URL=postgres://u@db-a:5432\n"},
			func(o *Options) { o.Environ = []string{"PGDATABASE=other"} }, []string{"db-a:5432/other"}, "driver-completes"},
		{"a BOM hides the first name from Vite and python-dotenv", map[string]string{".env": "\uFEFFDATABASE_URL=postgres://u@db-a/app\n"}, nil,
			[]string{"db-a:5432/app"}, "reads-nothing"},
		{"pydantic-settings: the environment beats the file", map[string]string{".env": "DATABASE_URL=postgres://u@db-b/app\n", "requirements.txt": "fastapi\npydantic-settings>=2\n"},
			func(o *Options) { o.Environ = []string{"DATABASE_URL=postgres://u@db-a/app"} }, []string{"db-a:5432/app"}, "shadowed"},
		// (dotenv: it writes the file into process.env, where the driver
		// reads PGHOST; the assumed Vite and compose would not.)
		{"PGHOST set in the file completes the URL beside it", map[string]string{".env": "PGHOST=db-b\nDATABASE_URL=postgres://u@/app\n", "api/.env": "PGHOST=db-b\nDATABASE_URL=postgres://u@/app\n", "package.json": dotenvPkg}, nil,
			[]string{"db-b:5432/app"}, "driver-completes"},
		// Vite's loadEnv returns a map: the file's PGHOST never reaches
		// process.env, so the driver completes from the real environment.
		{"a Vite app's PGHOST in .env never reaches the driver", map[string]string{".env": "PGHOST=db-b\nDATABASE_URL=postgres://u@/app\n", "package.json": `{"devDependencies":{"vite":"8"}}`},
			nil, []string{"localhost:5432/app"}, ""},
		{"PGHOST in .env: dotenv's driver sees it, Vite's does not", map[string]string{".env": "PGHOST=db-b\nDATABASE_URL=postgres://u@/app\n", "package.json": `{"dependencies":{"dotenv":"16"},"devDependencies":{"vite":"8"}}`},
			func(o *Options) { o.Environ = []string{"PGPORT=5432"} }, []string{"db-b:5432/app", "localhost:5432/app"}, ""},
		{"pydantic-settings' env_file PGHOST is not in os.environ", map[string]string{".env": "PGHOST=db-b\nDATABASE_URL=postgres://u@/app\n", "requirements.txt": "fastapi\npydantic-settings>=2\n"},
			nil, []string{"localhost:5432/app"}, ""},
		{"PGHOST in one folder only: two databases", map[string]string{".env": "PGHOST=db-b\nDATABASE_URL=postgres://u@/app\n", "api/.env": "DATABASE_URL=postgres://u@db-a/app\n", "package.json": dotenvPkg}, nil,
			[]string{"db-b:5432/app", "db-a:5432/app"}, ""},
		{"a pooler known by name only does not join two hosts", map[string]string{".env": "DATABASE_URL=postgres://u@pool.internal:6432/app\n", "backend/.env": "DATABASE_URL=postgres://u@db-a/app\n", "frontend/.env": "DATABASE_URL=postgres://u@db-b/app\n"}, nil,
			[]string{"db-a:5432/app", "db-b:5432/app"}, ""},
		{"a folder's own manifest names astro: Vite, not the root's dotenv", map[string]string{"package.json": `{"devDependencies":{"dotenv":"16"}}`, "apps/site/package.json": `{"dependencies":{"astro":"4"}}`,
			"apps/site/.env": "DATABASE_URL=postgres://u@db-a/app\n", "apps/site/.env.development": "DATABASE_URL=postgres://u@db-b/app\n"}, nil,
			[]string{"db-b:5432/app"}, "shadowed"},
		{"same database, two passwords", map[string]string{".env": "DATABASE_URL=postgres://u:" + rootPW + "@db-a/app\n", "backend/.env": "DATABASE_URL=postgres://u:" + backPW + "@db-a/app\n"}, nil,
			[]string{"db-a:5432/app"}, "password-differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustResolve(t, tree(t, tt.files), tt.mutate)
			var got []string
			for _, db := range r.Databases {
				got = append(got, db.ID.String())
			}
			if strings.Join(got, " ") != strings.Join(tt.dbs, " ") {
				t.Errorf("databases %v, want %v (warnings %v)", got, tt.dbs, r.Warnings)
			}
			if tt.warning != "" && !hasWarning(r, tt.warning, "") {
				t.Errorf("no %s warning: %v", tt.warning, r.Warnings)
			}
			if len(tt.dbs) == 0 {
				var none *NoURLError
				if err := r.Err(false); !errors.As(err, &none) {
					t.Errorf("Err = %v, want none in effect", err)
				}
			}
		})
	}
}

// A file past MaxEnvFileSize is refused, naming it, before any loader
// reads it; a real one just under is fine.
func TestTooLargeEnvFile(t *testing.T) {
	big := "DATABASE_URL=postgres://u@db-a/app\n" + strings.Repeat("# padding\n", MaxEnvFileSize/10+1)
	for _, contents := range []bool{false, true} {
		o := OptionsFor(config.Default(tree(t, map[string]string{"backend/.env": big})), "", nil)
		if contents {
			o.Contents = map[string][]byte{"backend/.env": []byte(big)}
		}
		_, err := Resolve(context.Background(), o)
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Path != "backend/.env" || !strings.Contains(err.Error(), "backend/.env is 1.0 MiB") {
			t.Errorf("contents %v: %v, want a TooLargeError naming backend/.env", contents, err)
		}
	}
	r := mustResolve(t, tree(t, map[string]string{".env": big[:MaxEnvFileSize-100] + "\n"}), nil)
	if r.Effective == nil {
		t.Errorf("a file just under the limit: %v", r.Err(false))
	}
}

// A folder discovery cannot read is a warning (a failure under --strict),
// not a silent skip: an env file in it could name another database. (Tests
// run as root, who reads every folder, so the walk is made to fail.)
func TestUnreadableFolder(t *testing.T) {
	root := tree(t, map[string]string{".env": "DATABASE_URL=postgres://u@db-a/app\n", "secret/.env": "DATABASE_URL=postgres://u@db-b/app\n", "node_modules/x/.env": "A=1\n"})
	defer func(w func(*Dirs, string, fs.WalkDirFunc) error) { walkDir = w }(walkDir)
	walkDir = func(_ *Dirs, r string, fn fs.WalkDirFunc) error {
		return filepath.WalkDir(r, func(p string, d fs.DirEntry, err error) error {
			if d != nil && d.IsDir() && (d.Name() == "secret" || d.Name() == "node_modules") {
				return fn(p, d, &fs.PathError{Op: "open", Path: p, Err: fs.ErrPermission})
			}
			return fn(p, d, err)
		})
	}
	r := mustResolve(t, root, nil)
	if !hasWarning(r, "unreadable", "secret/") || hasWarning(r, "unreadable", "node_modules/") {
		t.Fatalf("warnings %v, want one for secret/ alone", r.Warnings)
	}
	var strict *StrictError
	if err := r.Err(true); !errors.As(err, &strict) {
		t.Errorf("--strict: %v", err)
	}
	// A folder left out anyway is no warning.
	if r := mustResolve(t, root, func(o *Options) { o.Exclude = []string{"secret"} }); len(r.Warnings) != 0 {
		t.Errorf("excluded: %v", r.Warnings)
	}
}

// A virtualenv is known by its pyvenv.cfg, found in the folder's listing;
// a link named so counts where its target exists (as a stat has it), and
// a folder with neither is searched.
func TestDiscoveryVirtualenvByListing(t *testing.T) {
	other := "DATABASE_URL=postgres://u@elsewhere/db\n"
	root := tree(t, map[string]string{
		".env":           "DATABASE_URL=postgres://u@localhost/app\n",
		"cfg/real.cfg":   "home = /usr/bin\n",
		"linked/.env":    other,
		"dangling/.env":  "DATABASE_URL=postgres://u@localhost/app\n",
		"plain/.env":     "DATABASE_URL=postgres://u@localhost/app\n",
		"plain/venv.cfg": "not it\n",
	})
	if err := os.Symlink(filepath.Join(root, "cfg", "real.cfg"), filepath.Join(root, "linked", "pyvenv.cfg")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "nowhere.cfg"), filepath.Join(root, "dangling", "pyvenv.cfg")); err != nil {
		t.Fatal(err)
	}
	r := mustResolve(t, root, nil)
	var paths []string
	for _, f := range r.Files {
		paths = append(paths, f.Path)
	}
	if got, want := strings.Join(paths, " "), ".env dangling/.env plain/.env"; got != want {
		t.Errorf("files = %s, want %s", got, want)
	}
}
