package hooks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
)

// The passwords the attack rows use; no finding may show any of them.
var attackSecrets = []string{"S3cr3t", "3cr3t", "S3 cr3t", "pass@word"}

// TestAttackCredentials is every way a real database password has been
// written past the hook, and every exemption that must keep holding. A row
// is named for the attack; block says whether the hook must refuse it.
func TestAttackCredentials(t *testing.T) {
	for _, tc := range []struct {
		name  string
		line  string
		block bool
	}{
		// URLs.
		{"url userinfo password", `PROD = "postgres://svc:S3cr3t@db.prod.internal:5432/app"`, true},
		{"url upper-case scheme", `POSTGRESQL://svc:S3cr3t@db.prod.internal/app`, true},
		{"url driver scheme", `postgresql+asyncpg://svc:S3cr3t@db.prod.internal/app`, true},
		{"url password in the query", `postgres://app@db.prod.internal/app?password=S3cr3t`, true},
		{"url password in the query after others", `postgres://db.prod.internal/app?sslmode=require&user=app&password=S3cr3t`, true},
		{"url query password beside a placeholder userinfo", `postgres://app:password@db.prod.internal/app?password=S3cr3t`, true},
		{"url query host overrides a loopback authority", `postgres://app:S3cr3t@localhost/app?host=db.prod.internal`, true},
		{"url second host is remote", `postgres://app:S3cr3t@localhost:5432,db.prod.internal:5432/app`, true},
		{"url raw @ in the password behind a placeholder prefix", `postgres://app:pass@word@db.prod.internal/app`, true},
		{"url raw ? in the password", `postgres://app:S3?cr3t@db.prod.internal/app`, true},
		{"url quote in the password inside another quote", `DSN = "postgres://app:S3'cr3t@db.prod.internal/app"`, true},
		{"url names no host", `postgres://app:S3cr3t@/app`, true},
		{"jdbc password in the query", `jdbc:postgresql://db.prod.internal:5432/app?user=app&password=S3cr3t`, true},
		{"jdbc password first", `url=jdbc:postgresql://db.prod.internal/app?password=S3cr3t&user=app&ssl=true`, true},
		{"jdbc multi-host", `jdbc:postgresql://db1.prod.internal:5432,db2.prod.internal:5432/app?user=app&password=S3cr3t`, true},
		{"libpq keyword string", `dsn := "host=db.prod.internal user=app password=S3cr3t dbname=app"`, true},
		{"libpq keyword string quoted password", `conn = psycopg2.connect("host=db.prod.internal user=app password='S3 cr3t' dbname=app")`, true},
		{"libpq keyword string spaces around =", `host = db.prod.internal password = S3cr3t`, true},
		{"libpq keyword string password first", `'password=S3cr3t host=db.prod.internal'`, true},
		{"libpq keyword string in yaml", `dsn: host=db.prod.internal port=5432 user=app password=S3cr3t sslmode=require`, true},
		{"libpq keyword string in an env assignment", `DSN=host=db.prod.internal password=S3cr3t`, true},
		{"libpq keyword string names no host", `"user=app password=S3cr3t dbname=app"`, true},
		{"libpq keyword string hostaddr", `hostaddr=10.0.0.5 user=app password=S3cr3t`, true},
		{"libpq keyword string sslpassword", `host=db.prod.internal sslcert=app.crt sslpassword=S3cr3t`, true},
		{"libpq keyword string loopback lookalike", `host=127.0.0.1.nip.io user=app password=S3cr3t`, true},
		{"terminal escape after the url", "postgres://svc:S3cr3t@db.prod.internal/app\x1b[2J\x1b]0;pwned\x07", true},
		{"terminal escape in a libpq value", "host=db.prod.internal dbname=\x1b[2J password=S3cr3t", true},
		{"dollar-led password", `postgres://app:$3cr3t@db.prod.internal/app`, true},
		{"dollar-led password in the query", `postgres://app@db.prod.internal/app?password=$3cr3t`, true},
		{"dollar-led password in a libpq string", `host=db.prod.internal user=app password=$3cr3t`, true},
		{"shell default holds the password", `postgres://app:${DB_PASSWORD:-S3cr3t}@db.prod.internal/app`, true},
		{"percent-encoded percent sign", `postgres://app:%25S3cr3t@db.prod.internal/app`, true},
		{"percent-encoded dollar sign", `postgres://app:%24DB_PASSWORD@db.prod.internal/app`, true},
		{"loopback lookalike nip.io", `postgres://app:S3cr3t@127.0.0.1.nip.io/app`, true},
		{"loopback lookalike localhost prefix", `postgres://app:S3cr3t@localhost.evil.com/app`, true},
		{"loopback lookalike localhost subdomain", `postgres://app:S3cr3t@db.localhost/app`, true},
		{"loopback lookalike localhost subdomain fqdn", `postgres://app:S3cr3t@db.localhost./app`, true},
		{"loopback lookalike 127 prefix", `postgres://app:S3cr3t@127.evil.com/app`, true},
		{"loopback lookalike 0.0.0.0", `postgres://app:S3cr3t@0.0.0.0/app`, true},

		// Placeholders, loopback and markers stay exempt.
		{"placeholder password", `postgres://user:password@db.example.com/app`, false},
		{"placeholder changeme", `postgres://app:changeme@db.prod.internal/app`, false},
		{"placeholder angle brackets", `postgres://app:<password>@db.prod.internal/app`, false},
		{"placeholder xxx", `postgres://app:xxx@db.prod.internal/app`, false},
		{"placeholder stars", `postgres://app:****@db.prod.internal/app`, false},
		{"placeholder empty", `postgres://app:@db.prod.internal/app`, false},
		{"placeholder braced variable", `postgresql://app:${DB_PASSWORD}@db.prod.internal/app`, false},
		{"placeholder bare variable", `postgresql://app:$DB_PASSWORD@db.prod.internal/app`, false},
		{"placeholder go template", `postgres://app:{{ .Password }}@db.prod.internal/app`, false},
		{"placeholder printf verb", `fmt.Sprintf("postgres://%s:%s@%s/app", u, p, h)`, false},
		{"no password at all", `postgres://app@db.prod.internal/app?sslmode=require`, false},
		{"loopback localhost", `postgres://me:realpw@localhost:5432/app`, false},
		{"loopback 127.0.0.1", `postgres://me:realpw@127.0.0.1/app`, false},
		{"loopback 127/8", `postgres://me:realpw@127.3.2.1/app`, false},
		{"loopback ::1", `postgres://me:realpw@[::1]:5432/app`, false},
		{"loopback in a prose parenthesis", `(see postgres://me:realpw@localhost).`, false},
		{"loopback unix socket in the query", `postgres://app:S3cr3t@/app?host=/var/run/postgresql`, false},
		{"loopback unix socket percent-encoded", `postgres://app:S3cr3t@%2Fvar%2Frun%2Fpostgresql/app`, false},
		{"loopback localhost upper-case", `postgres://me:realpw@LOCALHOST/app`, false},
		{"jdbc loopback", `jdbc:postgresql://localhost:5432/app?user=app&password=S3cr3t`, false},
		{"jdbc placeholder variable", `jdbc:postgresql://db.prod.internal/app?user=app&password=${DB_PASSWORD}`, false},
		{"url query placeholder", `postgres://app@db.prod.internal/app?password=changeme`, false},
		{"url query empty password", `postgres://app@db.prod.internal/app?password=`, false},
		{"libpq keyword string loopback", `"host=localhost user=app password=S3cr3t dbname=app"`, false},
		{"libpq keyword string unix socket", `host=/var/run/postgresql user=app password=S3cr3t`, false},
		{"libpq keyword string placeholder variable", `host=db.prod.internal user=app password=$DB_PASSWORD`, false},
		{"libpq keyword string printf verb", `fmt.Sprintf("host=%s user=%s password=%s", h, u, p)`, false},
		{"libpq keyword string concatenated", `"host=db.prod.internal user=app password=" + pw`, false},
		{"libpq keyword string python format field", `f"host={host} user={user} password={password}"`, false},
		{"keyword arguments are not libpq", `psycopg2.connect(host=host, user=user, password=db_password)`, false},
		{"one keyword alone is not libpq", `# set password=hunter2 in your shell`, false},
		{"upper-case keywords are not libpq", `HOST=db.prod.internal PASSWORD=hunter2`, false},
		{"shell default placeholder", `postgres://app:${DB_PASSWORD:-changeme}@db.prod.internal/app`, false},
		{"make variable", `postgres://app:$(DB_PASSWORD)@db.prod.internal/app`, false},
		{"python percent format", `"postgres://app:%(password)s@db.prod.internal/app"`, false},
		{"windows variable", `postgres://app:%DB_PASSWORD%@db.prod.internal/app`, false},
		{"dbguard:allow comment", `DOCS = "postgres://svc:S3cr3t@db.prod.internal/app"  # dbguard:allow`, false},
		{"dbguard:allow comment after a libpq string", `"host=db.prod.internal password=S3cr3t" // dbguard:allow`, false},

		// Issue 19: what else got through.
		{"dbguard:allow inside the url password", `postgres://svc:S3cr3t#dbguard:allow@db.prod.internal/app`, true},
		{"dbguard:allow as the url fragment", `postgres://svc:S3cr3t@db.prod.internal/app#dbguard:allow`, true},
		{"dbguard:allow inside a libpq password", `host=db.prod.internal user=app password=S3cr3t#dbguard:allow`, true},
		{"dbguard:allow inside a quoted libpq password", `host=db.prod.internal password='S3cr3t # dbguard:allow'`, true},
		{"dbguard:allow not in a comment", `postgres://svc:S3cr3t@db.prod.internal/app dbguard:allow`, true},
		{"PGPASSWORD before psql", `PGPASSWORD=S3cr3t psql -h db.prod.internal -U app app`, true},
		{"PGPASSWORD exported", `export PGPASSWORD='S3cr3t'`, true},
		{"PGPASSWORD in a Dockerfile", `ENV PGPASSWORD=S3cr3t`, true},
		{"PGPASSWORD in os.environ", `os.environ["PGPASSWORD"] = "S3cr3t"`, true},
		{"PGPASSWORD lower-case host flag lookalike", `PGPASSWORD=S3cr3t psql -h 127.0.0.1.nip.io app`, true},
		{"base64 URL in a Kubernetes Secret", `  DATABASE_URL: cG9zdGdyZXM6Ly9hcHA6UzNjcjN0QGRiLnByb2QuaW50ZXJuYWwvYXBw`, true},
		{"base64 JDBC URL", `url: amRiYzpwb3N0Z3Jlc3FsOi8vZGIucHJvZC5pbnRlcm5hbC9hcHA/cGFzc3dvcmQ9UzNjcjN0`, true},
		{"PGPASSWORD placeholder", `PGPASSWORD="$DB_PASSWORD" psql -h db.prod.internal app`, false},
		{"PGPASSWORD to loopback", `PGPASSWORD=S3cr3t psql -h localhost -U app app`, false},
		{"PGPASSWORD compared", `if PGPASSWORD == "": pass`, false},
		{"base64 URL to loopback", `  DATABASE_URL: cG9zdGdyZXM6Ly9hcHA6UzNjcjN0QGxvY2FsaG9zdC9hcHA=`, false},
		{"base64 URL without a password", `  DATABASE_URL: cG9zdGdyZXM6Ly9hcHBAZGIucHJvZC5pbnRlcm5hbC9hcHA=`, false},
		{"not a postgres url", `mysql://svc:S3cr3t@db.prod.internal/app`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Credentials(tc.line)
			if blocked := len(got) > 0; blocked != tc.block {
				t.Errorf("Credentials(%q) = %q, want block=%v", tc.line, got, tc.block)
			}
			for _, g := range got {
				if !printable(g) {
					t.Errorf("finding %q would write control characters to the terminal", g)
				}
				for _, s := range attackSecrets {
					if strings.Contains(g, s) {
						t.Errorf("finding %q shows the password", g)
					}
				}
			}
		})
	}
}

// TestAttackCredentialFiles: credentials whose form depends on the file
// they are in (issue 19), each a row with the file's name and text, and
// the lines that must block.
func TestAttackCredentialFiles(t *testing.T) {
	for _, tc := range []struct {
		name, file, text string
		lines            []int // the lines that block; none: the file passes
	}{
		{".pgpass line", ".pgpass", "# prod\ndb.prod.internal:5432:app:app:S3cr3t\n", []int{2}},
		{".pgpass wildcard host", "deploy/pgpass", "*:*:*:app:S3cr3t\n", []int{1}},
		{".pgpass escaped colon in the password", ".pgpass", `db.prod.internal:5432:app:app:S3\:cr3t`, []int{1}},
		{".pgpass loopback", ".pgpass", "localhost:5432:*:app:S3cr3t\n127.0.0.1:*:*:app:S3cr3t\n", nil},
		{".pgpass placeholder", ".pgpass", "db.prod.internal:5432:app:app:changeme\n", nil},
		{"pg_service.conf password", "pg_service.conf", "[prod]\nhost=db.prod.internal\ndbname=app\npassword=S3cr3t\n", []int{4}},
		{"pg_service.conf host after the password", ".pg_service.conf", "[prod]\npassword=S3cr3t\nhost=db.prod.internal\n[dev]\nhost=localhost\npassword=S3cr3t\n", []int{2}},
		{"pg_service.conf no host", "pg_service.conf", "[prod]\npassword=S3cr3t\n", []int{1 + 1}},
		{"pg_service.conf loopback", "pg_service.conf", "[dev]\nhost=localhost\npassword=S3cr3t\n", nil},
		{"yaml password key", "config/database.yml", "production:\n  host: db.prod.internal\n  password: S3cr3t\n", []int{3}},
		{"yaml quoted password key", "config.yaml", "db:\n  password: \"S3cr3t\"\n", []int{2}},
		{"json password key", "appsettings.json", `{"Db": {"User": "app", "Password": "S3cr3t"}}`, []int{1}},
		{"json password key, one per line", "config.json", "{\n  \"password\": \"S3cr3t\",\n  \"user\": \"app\"\n}\n", []int{2}},
		{"toml password key", "config.toml", "[database]\npassword = \"S3cr3t\"\n", []int{2}},
		{"yaml db_password key", "values.yaml", "db_password: S3cr3t\n", []int{1}},
		{"compose POSTGRES_PASSWORD map", "docker-compose.yml", "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: S3cr3t\n", []int{4}},
		{"compose POSTGRES_PASSWORD list", "compose.yaml", "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=S3cr3t\n", []int{4}},
		{"compose POSTGRES_PASSWORD letters only", "compose.yaml", "      POSTGRES_PASSWORD: supersecret\n", []int{1}},
		{"yaml dbguard:allow inside the quoted value", "config.yaml", "password: \"S3cr3t#dbguard:allow\"\n", []int{1}},
		{"yaml dbguard:allow inside the plain value", "config.yaml", "password: S3cr3t#dbguard:allow\n", []int{1}},
		{"yaml dbguard:allow comment", "config.yaml", "password: S3cr3t # dbguard:allow\n", nil},
		{"yaml variable", "config.yaml", "password: ${DB_PASSWORD}\n", nil},
		{"yaml empty", "config.yaml", "password:\npassword: \"\"\n", nil},
		{"yaml null", "config.yaml", "password: null\npassword: ~\n", nil},
		{"yaml template", "config.yaml", "password: \"{{ .Values.password }}\"\n", nil},
		{"yaml placeholder", "config.yaml", "password: changeme\npassword: <password>\n", nil},
		{"yaml tag and alias", "config.yaml", "password: !secret db_password\npassword: *pw\n", nil},
		{"yaml sops", "config.yaml", "password: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]\n", nil},
		{"compose default", "compose.yaml", "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}\n", nil},
		{"i18n label", "locales/de.json", `{"password": "Passwort", "forgot_password": "Passwort vergessen?"}`, nil},
		{"json schema", "schema.json", `{"password": {"type": "string", "minLength": 12}}`, nil},
		{"a flag", "settings.yaml", "reset_password: true\nmin_password_length: 12\n", nil},
		{"password key outside config files", "notes.md", "password: S3cr3t-but-prose\n", nil},
		{"UTF-16LE file", "notes.txt", "\xff\xfe" + utf16le("DSN=postgres://app:S3cr3t@db.prod.internal/app\n"), []int{1}},
		{"UTF-16BE file", "notes.txt", "\xfe\xff" + utf16be("x\nhost=db.prod.internal password=S3cr3t\n"), []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.text
			if d, ok := decodeUTF16([]byte(text)); ok {
				text = d
			}
			found := fileCredentials(tc.file, textLines(text))
			var lines []int
			for _, f := range found {
				lines = append(lines, f.line)
				if !printable(f.shown) {
					t.Errorf("finding %q would write control characters to the terminal", f.shown)
				}
				for _, s := range attackSecrets {
					if strings.Contains(f.shown, s) {
						t.Errorf("finding %q shows the password", f.shown)
					}
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(tc.lines) && !(len(lines) == 0 && len(tc.lines) == 0) {
				t.Errorf("%s: blocked lines %v, want %v (%v)", tc.file, lines, tc.lines, found)
			}
		})
	}
}

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func utf16be(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return string(b)
}

func BenchmarkCredentials(b *testing.B) {
	lines := []string{
		`def f12345():`,
		`    return 12345`,
		`DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app`,
		`PROD = "postgres://svc:S3cr3t@db.prod.internal:5432/app"`,
		`    conn = psycopg2.connect(host=host, user=user, password=password)`,
		`LOG_LEVEL=debug`,
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			Credentials(l)
		}
	}
}

// A long line costs linear time, however it repeats what the scanners
// look for: eight times the line takes nowhere near 64 times as long.
func TestCredentialsLinear(t *testing.T) {
	for _, unit := range []string{"=host=", "postgres://", "postgres://a:b@", "password='", "x=user=a password=b, ", "host=a "} {
		line := func(n int) string { return strings.Repeat(unit, n) + " password" }
		if r := lineartest.Growth(line, func(l string) { Credentials(l) }, 300); r > 30 {
			t.Errorf("%q: 2,400 times takes %.0f times as long as 300 times (linear: about 8)", unit, r)
		}
	}
}

// gitRepo makes an empty repository and returns it with a git runner.
func gitRepo(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("config", "user.email", "t@example.com")
	git("config", "user.name", "t")
	git("config", "commit.gpgsign", "false")
	return dir, git
}

// The CI gate's scan reads every line the hook would judge, libpq keyword
// strings and JDBC URLs included.
func TestScanTrackedSeesEveryForm(t *testing.T) {
	dir, git := gitRepo(t)
	body := "a = \"host=db.prod.internal user=app password=S3cr3t dbname=app\"\n" +
		"b = \"jdbc:postgresql://db.prod.internal/app?user=app&password=S3cr3t\"\n"
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "app.py")
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[0].Line != 1 || found[1].Line != 2 {
		t.Errorf("ScanTracked = %+v, want app.py:1 and app.py:2", found)
	}
}
