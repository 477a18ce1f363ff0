package hooks

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	cost := func(line string) time.Duration {
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			Credentials(line)
			best = min(best, time.Since(start))
		}
		return best
	}
	for _, unit := range []string{"=host=", "postgres://", "postgres://a:b@", "password='", "x=user=a password=b, ", "host=a "} {
		small, large := cost(strings.Repeat(unit, 300)+" password"), cost(strings.Repeat(unit, 2_400)+" password")
		if large > 30*small+50*time.Millisecond {
			t.Errorf("%q: 300 times in %v, 2,400 times in %v", unit, small, large)
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
