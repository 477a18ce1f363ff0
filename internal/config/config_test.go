package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
)

func TestParseDefaults(t *testing.T) {
	for _, text := range []string{"", "# nothing yet\n", "version: 1\n"} {
		c, err := Parse("dbguard.yaml", []byte(text))
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		if c.Database.URLVar != "DATABASE_URL" || c.Env.Mode != "development" || c.Version != 1 {
			t.Errorf("Parse(%q): defaults not filled: %+v", text, c)
		}
		if !reflect.DeepEqual(c.Database.DirectURLVars, DefaultDirectURLVars) {
			t.Errorf("direct_url_vars = %v", c.Database.DirectURLVars)
		}
	}
}

func TestParseFull(t *testing.T) {
	text := `version: 1
database:
  url_var: PG_URL
  direct_url_vars: [PG_DIRECT]
env:
  files: [.env, backend/.env]
  exclude: ["fixtures/**"]
  mode: staging
poolers:
  - name: office
    match: {host: "*.pgbouncer.internal", port: 6432}
    direct: {host: db.internal, port: 5432}
`
	c, err := Parse("dbguard.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.URLVar != "PG_URL" || !reflect.DeepEqual(c.URLVars(), []string{"PG_URL", "PG_DIRECT"}) {
		t.Errorf("vars: %v", c.URLVars())
	}
	if c.Env.Mode != "staging" || len(c.Env.Files) != 2 || c.Env.Exclude[0] != "fixtures/**" {
		t.Errorf("env: %+v", c.Env)
	}
	if c.Migrations.Dir != "migrations" || c.Migrations.LockTimeout.D() != 15*time.Second {
		t.Errorf("migration defaults: %+v", c.Migrations)
	}
	rules := c.Rules()
	if len(rules) != 1 || rules[0].Host != "*.pgbouncer.internal" || rules[0].Port != "6432" || rules[0].DirectPort != "5432" {
		t.Errorf("rules: %+v", rules)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"version: 1\ndatabase:\n  urlvar: X\n", `dbguard.yaml:3: unknown key "urlvar" (did you mean "url_var"?)`},
		{"version: 1\nenvs: {}\n", `dbguard.yaml:2: unknown key "envs" (did you mean "env"?)`},
		{"version: 1\nbogus: 1\n", `dbguard.yaml:2: unknown key "bogus" (known keys here: version, database, env, poolers, migrations, schema, hook, plan, models, services, expect)`},
		{"version: two\n", `dbguard.yaml:1: want a whole number, got a string "two"`},
		{"version: 2\n", "dbguard.yaml:1: version 2 is not supported"},
		{"env:\n  files: .env\n", `dbguard.yaml:2: want a list, got a string ".env"`},
		{"version: 1\n  bad: [\n", "dbguard.yaml:2: mapping values are not allowed"},
		{"database:\n  url_var: 'DATABASE-URL'\n", `dbguard.yaml:2: url_var "DATABASE-URL" is not an environment variable name`},
		{"database:\n  direct_url_vars:\n    - DIRECT_URL\n    - DATABASE_URL\n", "dbguard.yaml:4: DATABASE_URL is the url_var"},
		{"env:\n  exclude: ['[']\n", `dbguard.yaml:2: exclude pattern "[" is not a valid glob`},
		{"env:\n  mode: 'dev mode'\n", "dbguard.yaml:2: mode"},
		{"poolers:\n  - match: {port: 6432}\n    direct: {port: 5432}\n", "dbguard.yaml:2: pooler rule needs a name"},
		{"poolers:\n  - name: a\n    direct: {port: 5432}\n", `dbguard.yaml:2: pooler rule "a": match needs a host, a port or both`},
		{"poolers:\n  - name: a\n    match: {port: 6432}\n", `pooler rule "a": direct needs`},
		{"poolers:\n  - name: a\n    match: {port: 6432}\n    direct:\n      port: 70000\n", "dbguard.yaml:5: pooler rule \"a\": port 70000 is out of range"},
		{"poolers:\n  - name: a\n    match: {port: 1}\n    direct: {port: 2}\n  - name: a\n    match: {port: 3}\n    direct: {port: 4}\n", `dbguard.yaml:5: pooler rule name "a" is used twice`},
		{"poolers:\n  - name: a\n    match: {port: 1}\n    direct: {host: '*.x'}\n", "dbguard.yaml:4: pooler rule \"a\": direct host"},
		{"migrations:\n  lock_timeout: soon\n", `dbguard.yaml:2: want a duration such as 15s or 2m, got "soon"`},
		{"migrations:\n  table: 'a\"b'\n", `dbguard.yaml:2: migrations table`},
		{"env:\n  loaders:\n    - loader: nextjs\n", `dbguard.yaml:3: unknown loader "nextjs" (known: dotenv, dotenv-expand, dotenv-flow, next, vite,`},
		{"env:\n  loaders:\n    - loader: vite\n      dir: ../other\n", `dbguard.yaml:3: loader folder "../other" must be relative to the project root`},
		{"env:\n  loaders:\n    - loadr: vite\n", `dbguard.yaml:3: unknown key "loadr" (did you mean "loader"?)`},
		{"models:\n  django: ../other/manage.py\n", `dbguard.yaml:2: models.django: "../other/manage.py" must be relative to the project root, inside it`},
		{"models:\n  drizzle: /srv/app/schema.ts\n", `dbguard.yaml:2: models.drizzle: "/srv/app/schema.ts" must be relative to the project root, inside it`},
	}
	for _, tt := range tests {
		_, err := Parse("dbguard.yaml", []byte(tt.text))
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tt.text, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q)\n got %q\nwant %q", tt.text, err, tt.want)
		}
		if strings.Contains(err.Error(), "config.") || strings.Contains(err.Error(), "struct {") {
			t.Errorf("error leaks Go type names: %q", err)
		}
	}
}

func TestLoaders(t *testing.T) {
	c, err := Parse("dbguard.yaml", []byte("env:\n  loaders:\n    - loader: next\n      dir: apps/web\n    - loader: python-dotenv\n      caller: backend/app\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []LoaderRun{{Loader: "next", Dir: "apps/web"}, {Loader: "python-dotenv", Caller: "backend/app"}}
	if !reflect.DeepEqual(c.Env.Loaders, want) {
		t.Errorf("loaders = %+v", c.Env.Loaders)
	}
}

func TestDiscover(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "backend", "app")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	// No file: defaults rooted at the git root.
	c, err := Discover(sub, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Root != root || c.Path != "" {
		t.Errorf("without a file: root %q path %q, want root %q", c.Root, c.Path, root)
	}
	// A file in backend/ is found from below and becomes the root.
	cfg := filepath.Join(root, "backend", FileName)
	if err := os.WriteFile(cfg, []byte("version: 1\nenv: {mode: test}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Discover(sub, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != cfg || c.Root != filepath.Dir(cfg) || c.Env.Mode != "test" {
		t.Errorf("found %q root %q mode %q", c.Path, c.Root, c.Env.Mode)
	}
	// A file above the git root is not looked at.
	if err := os.WriteFile(filepath.Join(filepath.Dir(root), FileName), []byte("bogus: 1\n"), 0o644); err == nil {
		defer os.Remove(filepath.Join(filepath.Dir(root), FileName))
	}
	if c, err := Discover(root, ""); err != nil || c.Path != "" {
		t.Errorf("Discover above the git root: %v, path %q", err, c.Path)
	}
	// --config wins, and a missing one is an error.
	if _, err := Discover(sub, filepath.Join(root, "nope.yaml")); err == nil || !strings.Contains(err.Error(), "no such configuration file") {
		t.Errorf("missing --config: %v", err)
	}
}

// TestExampleDocumentsEveryKey keeps the commented example at the repository
// root complete and valid, and the configuration reference complete.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../dbguard.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse("dbguard.yaml", data); err != nil {
		t.Fatalf("the example dbguard.yaml does not load: %v", err)
	}
	readme, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range Keys() {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(string(data), leaf+":") {
			t.Errorf("example dbguard.yaml does not show key %s", key)
		}
		if !strings.Contains(string(readme), leaf) {
			t.Errorf("docs/configuration.md does not document key %s", key)
		}
	}
}

func FuzzConfig(f *testing.F) {
	f.Add("version: 1\ndatabase:\n  url_var: X\n")
	f.Add("poolers:\n  - name: a\n    match: {port: 1}\n    direct: {host: h}\n")
	f.Add("env:\n  exclude: ['**/x']\n  files: [a]\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse("dbguard.yaml", []byte(text))
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "dbguard.yaml" {
				t.Fatalf("error %v is not a *config.Error for the file", err)
			}
			return
		}
		if c.Database.URLVar == "" || c.Env.Mode == "" || c.Version != 1 {
			t.Fatalf("defaults missing: %+v", c)
		}
		_ = c.Rules()
	})
}

func TestExpect(t *testing.T) {
	text := `expect:
  user:
    id: serial
    email: varchar(255) not null
    total: numeric(12, 2)
    tags: text[]
    at: timestamp(3) with time zone null
    created_at: ~
  billing.invoice:
    id: ~
`
	c, err := Parse("dbguard.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Expectations) != 2 {
		t.Fatalf("tables: %+v", c.Expectations)
	}
	user := c.Expectations[0]
	if user.Name != "user" || user.Schema != "" || user.Line != 2 || len(user.Columns) != 6 {
		t.Fatalf("user: %+v", user)
	}
	cols := map[string]*TypeSpec{}
	for _, col := range user.Columns {
		cols[col.Name] = col.Spec
	}
	if s := cols["id"]; s.Base != "integer" || !s.Serial {
		t.Errorf("serial: %+v", s)
	}
	if s := cols["email"]; s.Base != "varchar" || len(s.Mods) != 1 || s.Mods[0] != "255" || s.Nullable == nil || *s.Nullable {
		t.Errorf("varchar: %+v", s)
	}
	if s := cols["total"]; s.Base != "numeric" || strings.Join(s.Mods, ",") != "12,2" || s.Nullable != nil {
		t.Errorf("numeric: %+v", s)
	}
	if s := cols["tags"]; s.Base != "text" || s.Dims != 1 {
		t.Errorf("array: %+v", s)
	}
	if s := cols["at"]; s.Base != "timestamp with time zone" || s.Mods[0] != "3" || !*s.Nullable {
		t.Errorf("timestamp(3) with time zone: %+v", s)
	}
	if cols["created_at"] != nil {
		t.Errorf("~ should mean presence only")
	}
	if inv := c.Expectations[1]; inv.Schema != "billing" || inv.Name != "invoice" || inv.Line != 9 {
		t.Errorf("schema.table: %+v", inv)
	}
}

func TestExpectErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"expect:\n  user:\n    email: varchar(255 not null\n", `dbguard.yaml:3: expect: user.email: type spec "varchar(255 not null" is not valid`},
		{"expect:\n  bad-name:\n    id: ~\n", `dbguard.yaml:2: expect: "bad-name" is not a table name`},
		{"expect:\n  a.b.c:\n    id: ~\n", `dbguard.yaml:2: expect: "a.b.c" is not a table name`},
		{"expect:\n  user: integer\n", "dbguard.yaml:2: expect: user: want a mapping of columns"},
		{"expect:\n  user:\n    1col: ~\n", `dbguard.yaml:3: expect: user: column name "1col" is not valid`},
		{"expect:\n  user:\n    id: serial null\n", "dbguard.yaml:3: expect: user.id: type spec \"serial null\": a serial column is never null"},
		{"expect:\n  user:\n    id: [integer]\n", "dbguard.yaml:3: expect: user.id: want a type spec string or ~"},
		{"expect:\n  user:\n    id: not null\n", "dbguard.yaml:3: expect: user.id"},
		{"expect: [user]\n", "dbguard.yaml:1: expect: want a mapping"},
		{"schema:\n  schemas: [public, 'my schema']\n", `dbguard.yaml:2: schema name "my schema"`},
	}
	for _, tt := range tests {
		_, err := Parse("dbguard.yaml", []byte(tt.text))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q)\n got %v\nwant %q", tt.text, err, tt.want)
		}
	}
}

// TestExpectErrorsShownUnmasked: an expect: error about a column named
// pwd or pass quoted the spec right after "pwd: ", which the output's
// password net took for a password and masked (expect: accounts.pwd:
// "****"). The errors name the spec after words of their own.
func TestExpectErrorsShownUnmasked(t *testing.T) {
	for _, text := range []string{
		"expect:\n  accounts:\n    pwd: varchar(255 not null\n",
		"expect:\n  accounts:\n    pass: serial null\n",
		"expect:\n  accounts:\n    password: serial(3)\n",
		"expect:\n  user_pass:\n    1col: ~\n",
	} {
		_, err := Parse("dbguard.yaml", []byte(text))
		if err == nil {
			t.Fatalf("Parse(%q): no error", text)
		}
		if msg := err.Error(); dburl.RedactText(msg) != msg {
			t.Errorf("%q is shown as %q", msg, dburl.RedactText(msg))
		}
	}
}

func FuzzTypeSpec(f *testing.F) {
	for _, s := range []string{"varchar(255) not null", "integer", "timestamptz null", "numeric(12, 2)", "text[]", "serial", "timestamp(3) with time zone", "public.mood[][]", "not null"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseTypeSpec(text)
		if err != nil {
			return
		}
		if s.Base == "" || strings.ContainsAny(s.Base, "()[]") {
			t.Fatalf("ParseTypeSpec(%q): base %q", text, s.Base)
		}
		if s.Serial && (s.Nullable != nil && *s.Nullable || len(s.Mods) > 0 || s.Dims > 0) {
			t.Fatalf("ParseTypeSpec(%q): a nullable or modified serial: %+v", text, s)
		}
		for _, m := range s.Mods {
			if m == "" || strings.ContainsAny(m, " ,()") {
				t.Fatalf("ParseTypeSpec(%q): modifier %q", text, m)
			}
		}
	})
}

// The examples in examples/ load as they are.
func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("../../examples/*/dbguard.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		c, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(c.Expectations) == 0 {
			t.Errorf("%s: no expect: entries", f)
		}
	}
}

// dbguard.yml, .dbguard.yaml, .dbguard.yml: refused with the rename to make,
// not ignored (the project would run on defaults).
func TestDiscoverMisnamed(t *testing.T) {
	for _, name := range []string{"dbguard.yml", ".dbguard.yaml", ".dbguard.yml"} {
		root := t.TempDir()
		sub := filepath.Join(root, "app")
		if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(root, name)
		if err := os.WriteFile(file, []byte("version: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Discover(sub, "")
		var m *MisnamedError
		if !errors.As(err, &m) || m.File != file {
			t.Fatalf("%s: %v, want a MisnamedError for %s", name, err, file)
		}
		if want := "mv " + file + " " + filepath.Join(root, FileName); !strings.Contains(m.Hint(), want) {
			t.Errorf("%s: hint %q, want %q", name, m.Hint(), want)
		}
		// Named explicitly, it is read; next to a dbguard.yaml, that one is.
		if _, err := Discover(sub, file); err != nil {
			t.Errorf("%s with --config: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(root, FileName), []byte("version: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if c, err := Discover(sub, ""); err != nil || c.Path != filepath.Join(root, FileName) {
			t.Errorf("%s beside dbguard.yaml: %v", name, err)
		}
	}
}

func TestLedgerTableFor(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	for table, want := range map[string]string{
		"":                   "dbguard_migrations",
		"schema_migrations":  "dbguard_migrations",
		"billing_migrations": "dbguard_billing_migrations",
		long:                 "dbguard_" + strings.Repeat("é", 27), // 62 bytes: a whole rune under 63
	} {
		if got := LedgerTableFor(table); got != want {
			t.Errorf("LedgerTableFor(%q) = %q, want %q", table, got, want)
		}
	}
}

// env.exclude left unset leaves testdata folders out, as the docs show;
// an explicit empty list turns that off.
func TestEnvExcludeDefault(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"unset", "version: 1\n", []string{"**/testdata/**"}},
		{"no file", "", []string{"**/testdata/**"}},
		{"explicit empty", "version: 1\nenv:\n  exclude: []\n", []string{}},
		{"explicit", "version: 1\nenv:\n  exclude: [\"fixtures/**\"]\n", []string{"fixtures/**"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *Config
			if tc.text == "" {
				c = Default(t.TempDir())
			} else {
				var err error
				if c, err = Parse("dbguard.yaml", []byte(tc.text)); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(c.Env.Exclude, tc.want) {
				t.Errorf("exclude = %#v, want %#v", c.Env.Exclude, tc.want)
			}
		})
	}
}

// TestByteSize: plan.max_file_size and max_total_size read sizes with a
// unit or in bytes, and say at the line what is wrong with any other.
func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"4MiB": 4 << 20, "512KiB": 512 << 10, "1GiB": 1 << 30, "1000": 1000, "7B": 7, "3 MiB": 3 << 20} {
		c, err := Parse("dbguard.yaml", []byte("version: 1\nplan:\n  max_file_size: "+in+"\n"))
		if err != nil || c.Plan.MaxFileSize != want || c.Plan.MaxTotalSize != DefaultMaxTotalSize {
			t.Errorf("%s: %v, %v", in, c.Plan.MaxFileSize, err)
		}
	}
	for _, in := range []string{"0", "4MB", "-1", "4 megs", "[1]", "99999999999999999", "999999999999999GiB"} {
		_, err := Parse("dbguard.yaml", []byte("version: 1\nplan:\n  max_total_size: "+in+"\n"))
		if err == nil || !strings.Contains(err.Error(), ":3") && !strings.Contains(err.Error(), "line 3") {
			t.Errorf("%s: %v, want an error at line 3", in, err)
		}
	}
	for b, want := range map[ByteSize]string{4 << 20: "4MiB", 1536 << 10: "1536KiB", 100: "100B", 1 << 30: "1GiB"} {
		if b.String() != want {
			t.Errorf("%d: %s, want %s", b, b.String(), want)
		}
	}
}
