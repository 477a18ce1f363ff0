package dburl

import (
	"errors"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) *URL {
	t.Helper()
	u, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return u
}

func TestParse(t *testing.T) {
	tests := []struct {
		in                   string
		user, password, db   string
		hosts                []Host
		sslmode              string
		roundTripUnchanged   bool
		wantIdentity         string
		wantRedacted         string
		wantPasswordIsAbsent bool
	}{
		{
			in:   "postgresql://app:s3cr%40t@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require",
			user: "app", password: "s3cr@t", db: "neondb",
			hosts:        []Host{{Name: "ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech"}},
			sslmode:      "require",
			wantIdentity: "ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech:5432/neondb",
			wantRedacted: "postgresql://app:****@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require",
		},
		{
			// An unescaped '@' in the password: taken up to the last '@'.
			in:   "postgres://app:p@ss@db.example.com:6000/shop",
			user: "app", password: "p@ss", db: "shop",
			hosts:        []Host{{Name: "db.example.com", Port: "6000"}},
			wantIdentity: "db.example.com:6000/shop",
			wantRedacted: "postgres://app:****@db.example.com:6000/shop",
		},
		{
			in:   "postgres://u@[::1]:5433,Other.Host/db",
			user: "u", db: "db",
			hosts:        []Host{{Name: "::1", Port: "5433"}, {Name: "Other.Host"}},
			wantIdentity: "::1,other.host:5433,5432/db",
			wantRedacted: "postgres://u@[::1]:5433,Other.Host/db",
		},
		{
			// No database: libpq uses the user name.
			in:   "postgres://alice:pw@localhost",
			user: "alice", password: "pw",
			hosts:        []Host{{Name: "localhost"}},
			wantIdentity: "localhost:5432/alice",
			wantRedacted: "postgres://alice:****@localhost",
		},
		{
			// Query parameters override the URL parts, as in libpq.
			in:   "postgresql:///ignored?host=/var/run/postgresql&port=5433&dbname=real&user=bob&password=pw%20x",
			user: "bob", password: "pw x", db: "real",
			hosts:        []Host{{Name: "/var/run/postgresql", Port: "5433"}},
			wantIdentity: "/var/run/postgresql:5433/real",
			wantRedacted: "postgresql:///ignored?host=/var/run/postgresql&port=5433&dbname=real&user=bob&password=****",
		},
		{
			in:   "host=db.example.com port=5432 dbname=app user=app password='it\\'s \\\\ secret'",
			user: "app", db: "app",
			hosts:        []Host{{Name: "db.example.com", Port: "5432"}},
			wantIdentity: "db.example.com:5432/app",
			wantRedacted: "host=db.example.com port=5432 dbname=app user=app password=****",
		},
		{
			in:   "postgresql+asyncpg://app:pw@db.internal/app",
			user: "app", password: "pw", db: "app",
			hosts:        []Host{{Name: "db.internal"}},
			wantIdentity: "db.internal:5432/app",
			wantRedacted: "postgresql+asyncpg://app:****@db.internal/app",
		},
		{
			in:   "postgres://app:pw@DB.Example.COM.:05432/App",
			user: "app", password: "pw", db: "App",
			hosts:        []Host{{Name: "DB.Example.COM.", Port: "05432"}},
			wantIdentity: "db.example.com:5432/App",
			wantRedacted: "postgres://app:****@DB.Example.COM.:05432/App",
		},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u := mustParse(t, tt.in)
			if got := u.User(); got != tt.user {
				t.Errorf("User() = %q, want %q", got, tt.user)
			}
			if tt.password != "" && u.Password() != tt.password {
				t.Errorf("Password() = %q, want %q", u.Password(), tt.password)
			}
			if got := u.Database(); got != tt.db {
				t.Errorf("Database() = %q, want %q", got, tt.db)
			}
			if got := u.Hosts(); !equalHosts(got, tt.hosts) {
				t.Errorf("Hosts() = %v, want %v", got, tt.hosts)
			}
			if got := u.Identity().String(); got != tt.wantIdentity {
				t.Errorf("Identity() = %q, want %q", got, tt.wantIdentity)
			}
			if got := u.Redacted(); got != tt.wantRedacted {
				t.Errorf("Redacted() = %q, want %q", got, tt.wantRedacted)
			}
			if u.Form() == FormURL && u.String() != tt.in {
				t.Errorf("String() = %q, want the input back unchanged", u.String())
			}
		})
	}
}

func equalHosts(a, b []Host) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseKeyValueRoundTrip(t *testing.T) {
	in := "host=h dbname='my db' password='a\\'b c'"
	u := mustParse(t, in)
	if u.Password() != "a'b c" || u.Database() != "my db" {
		t.Fatalf("got password %q db %q", u.Password(), u.Database())
	}
	again := mustParse(t, u.String())
	if again.Password() != "a'b c" || again.Database() != "my db" {
		t.Fatalf("String() does not round-trip: %q", u.String())
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, want    string
		notPostgres bool
	}{
		{"", "empty connection string", false},
		{"mysql://root:hunter2@db/app", `scheme "mysql" is not PostgreSQL`, true},
		{"just-a-word", "neither a postgres:// URL nor a keyword=value string", true},
		{"postgres://app:hunter2", "invalid port after host", false},
		{"postgres://app:pw@host:99999/db", "invalid port after host", false},
		{"postgres://app:pw%zz@host/db", "bad percent-encoding in the password", false},
		{"host=a password='hunter2", "unterminated quoted value", false},
		{"host=a hunter2", "missing '='", false},
		// An env file's unclosed quote: the rest is not a keyword.
		{`"postgres://app:hunter2@db/app?sslmode=require`, "neither a postgres:// URL nor a keyword=value string", false},
		{"host=db pass-word=hunter2", "neither a postgres:// URL nor a keyword=value string", false},
		// A misspelled password keyword: libpq refuses it, pgx would send
		// it to the server as a setting; never shown.
		{"host=db passwd=hunter2 dbname=x", `unknown keyword "passwd" in keyword/value string: did you mean password?`, false},
		{"host=db pwd='hunter2' dbname=x", `unknown keyword "pwd"`, false},
		{"postgres://h1,h2/db?port=1,2,3", "3 ports given for 2 hosts", false},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %q, want it to contain %q", tt.in, err, tt.want)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Parse(%q) error shows the password: %q", tt.in, err)
		}
		if got := errors.Is(err, ErrNotPostgres); got != tt.notPostgres {
			t.Errorf("Parse(%q): errors.Is(ErrNotPostgres) = %v, want %v", tt.in, got, tt.notPostgres)
		}
	}
}

func TestRedactText(t *testing.T) {
	tests := []struct{ in, want string }{
		{
			`failed to connect to postgres://app:hunter2@db:5432/app: refused`,
			`failed to connect to postgres://app:****@db:5432/app: refused`,
		},
		{
			`dial pgx5://app:p@ss@w0rd@db/app?sslmode=disable done`,
			`dial pgx5://app:****@db/app?sslmode=disable done`,
		},
		{
			`host=db password='sec ret' user=app`,
			`host=db password=**** user=app`,
		},
		{
			`postgres://db/app?sslmode=require&password=hunter2&x=1`,
			`postgres://db/app?sslmode=require&password=****&x=1`,
		},
		{`PGPASSWORD=hunter2 psql`, `PGPASSWORD=**** psql`},
		{`no secrets here: postgres://db/app`, `no secrets here: postgres://db/app`},
	}
	for _, tt := range tests {
		if got := RedactText(tt.in); got != tt.want {
			t.Errorf("RedactText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if got := RedactText(RedactText(tt.in)); got != tt.want {
			t.Errorf("RedactText is not idempotent on %q: %q", tt.in, got)
		}
	}
}

func TestRedactUnparsable(t *testing.T) {
	for _, in := range []string{"postgres://app:hunter2", "postgres://app:hunter2@h:x/db", "password hunter2"} {
		got := Redact(in)
		if strings.Contains(got, "hunter2") {
			t.Errorf("Redact(%q) = %q shows the password", in, got)
		}
	}
}

func TestLintRawCharacters(t *testing.T) {
	u := mustParse(t, "postgres://app:pa#ss@db.example.com/app#frag")
	if u.Password() != "pa#ss" || u.Hosts()[0].Name != "db.example.com" || u.Database() != "app" {
		t.Fatalf("got password %q host %v db %q", u.Password(), u.Hosts(), u.Database())
	}
	if l := u.Lint(); len(l) != 1 || !strings.Contains(l[0], "%23") {
		t.Errorf("Lint() = %q", l)
	}
	// libpq splits at the first '@': the warning must not say it reads
	// the password whole.
	if l := mustParse(t, "postgres://app:pa@ss@db.example.com/app").Lint(); len(l) != 1 || !strings.Contains(l[0], "%40") || strings.Contains(l[0], "libpq does not") || !strings.Contains(l[0], "first one") {
		t.Errorf("Lint() of a raw '@' = %q", l)
	}
	if l := mustParse(t, "postgres://app:pa%23ss@db/app").Lint(); len(l) != 0 {
		t.Errorf("Lint() of an encoded password = %q", l)
	}
}

func TestDriverString(t *testing.T) {
	u := mustParse(t, "postgresql+asyncpg://app:pw@db/app?sslmode=require&pgbouncer=true&x-migrations-table=m&connection_limit=1")
	if got, want := u.DriverString(), "postgres://app:pw@db/app?sslmode=require"; got != want {
		t.Errorf("DriverString() = %q, want %q", got, want)
	}
	if got := mustParse(t, "postgres://db/app?pgbouncer=true").DriverString(); got != "postgres://db/app" {
		t.Errorf("DriverString() = %q", got)
	}
	for in, want := range map[string]string{
		"postgresql+asyncpg://u:pw@h/db?ssl=require":                     "postgres://u:pw@h/db?sslmode=require",
		"postgresql+asyncpg://u:pw@h/db?ssl=true":                        "postgres://u:pw@h/db?sslmode=require",
		"postgresql+asyncpg://u:pw@h/db?ssl=require&sslmode=verify-full": "postgres://u:pw@h/db?sslmode=verify-full",
	} {
		if got := mustParse(t, in).DriverString(); got != want {
			t.Errorf("DriverString(%q) = %q, want %q", in, got, want)
		}
	}
	if u.String() != "postgresql+asyncpg://app:pw@db/app?sslmode=require&pgbouncer=true&x-migrations-table=m&connection_limit=1" {
		t.Errorf("DriverString changed its URL: %q", u.String())
	}
}

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:pw@h:5433/app?sslmode=disable": "postgres://u:pw@h:5433/shadow_1?sslmode=disable",
		"postgres://u@h":    "postgres://u@h/shadow_1",
		"host=h dbname=app": "host=h dbname=shadow_1",
		"host=h":            "host=h dbname=shadow_1",
	} {
		if got := mustParse(t, in).WithDatabase("shadow_1").String(); got != want {
			t.Errorf("WithDatabase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadsAsPgx pins down readings where pgx, the driver dbguard hands the
// string to, is the reference.
func TestReadsAsPgx(t *testing.T) {
	for in, want := range map[string]string{
		// A host parameter replaces the hosts, not the ports after them.
		"postgres://u@a:5433/db?host=b": "b:5433/db",
		// An empty port parameter is 5432, whatever the URL says.
		"postgres://u@h:5433/db?port=": "h:5432/db",
		// pgx reads database= as dbname=.
		"postgres://u@h/x?database=y":          "h:5432/y",
		"host=h dbname=x database=y":           "h:5432/y",
		"postgres://u@h/x?database=y&dbname=z": "h:5432/z",
	} {
		if got := mustParse(t, in).Identity().String(); got != want {
			t.Errorf("Identity(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := Parse("postgres://a,b/db?host=c"); err == nil {
		t.Errorf("two ports (both empty) for one host parse; pgx refuses them")
	}
}

// TestRewritesReadBack: what dbguard writes into a URL, pgx and Parse read
// back as written.
func TestRewritesReadBack(t *testing.T) {
	for _, name := range []string{"a@b", "a b+c", "x?y#z", "ü/%"} {
		u := mustParse(t, "postgres://u@h/old").WithDatabase(name)
		if got := mustParse(t, u.String()).Database(); got != name {
			t.Errorf("WithDatabase(%q) = %q reads back as %q", name, u.String(), got)
		}
		if strings.Contains(u.String(), "+") {
			t.Errorf("WithDatabase(%q) = %q: libpq and pgx read '+' as '+', not a space", name, u.String())
		}
	}
	if got := formatHost(Host{Name: "fe80::1%eth0", Port: "5432"}); got != "[fe80::1%25eth0]:5432" {
		t.Errorf("formatHost of a zoned IPv6 address = %q", got)
	}
	u := mustParse(t, "postgres://h/db?sslpassword=Ssl-Secr3t")
	if strings.Contains(u.Redacted(), "Ssl-Secr3t") || strings.Contains(RedactText("PGSSLPASSWORD=Ssl-Secr3t"), "Ssl-Secr3t") {
		t.Errorf("an sslpassword is shown: %q", u.Redacted())
	}
}
