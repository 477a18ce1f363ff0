package dburl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testEnv is an environment with the given variables, the OS user "osuser"
// and the given directories existing.
func testEnv(vars []string, dirs ...string) Environment {
	return Environment{
		Vars:   vars,
		OSUser: func() string { return "osuser" },
		Exists: func(p string) bool {
			for _, d := range dirs {
				if p == d {
					return true
				}
			}
			return false
		},
	}
}

// The secrets the tests use; none may appear in anything dbguard shows.
var testSecrets = []string{"Url-Secr3t", "Env-Secr3t", "Svc-Secr3t", "Ssl-Secr3t"}

const testServiceFile = `# services for the tests
[prod]
host = svc.example.com
port=6543
dbname=shop
user=svcuser
password=Svc-Secr3t
sslmode=verify-full

[other]
host=other.example.com
`

func writeServiceFile(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "pg_service.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestComplete(t *testing.T) {
	dir := t.TempDir()
	svcFile := writeServiceFile(t, dir, testServiceFile)
	home := t.TempDir()
	writeServiceFile(t, home, "[homesvc]\nhost=home.example.com\n")
	if err := os.Rename(filepath.Join(home, "pg_service.conf"), filepath.Join(home, ".pg_service.conf")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		in     string
		vars   []string
		dirs   []string // directories that exist
		want   string   // String() of the completed URL, $SVC replaced
		wantID string
		wantC  []string // Completion.String() of each, in order
	}{
		{
			name:   "PGDATABASE fills a missing database",
			in:     "postgres://u:Url-Secr3t@h:5432",
			vars:   []string{"PGDATABASE=other"},
			want:   "postgres://u:Url-Secr3t@h:5432/other",
			wantID: "h:5432/other",
			wantC:  []string{"database other (from PGDATABASE)"},
		},
		{
			name:   "PGHOST fills a missing host, the port is the default",
			in:     "postgres://u@/db",
			vars:   []string{"PGHOST=envhost"},
			want:   "postgres://u@envhost:5432/db",
			wantID: "envhost:5432/db",
			wantC:  []string{"host envhost (from PGHOST)", "port 5432 (from libpq's default port)"},
		},
		{
			name:   "the later of two PGHOST wins, and only PGHOST is PGHOST",
			in:     "postgres://u@/db",
			vars:   []string{"PGHOST=first", "XPGHOST=no", "PGHOST=second", "PGHOSTX=no", "PGPORT="},
			want:   "postgres://u@second:5432/db",
			wantID: "second:5432/db",
			wantC:  []string{"host second (from PGHOST)", "port 5432 (from libpq's default port)"},
		},
		{
			name:   "PGPORT fills a missing port",
			in:     "postgres://u@h/db",
			vars:   []string{"PGPORT=6000"},
			want:   "postgres://u@h:6000/db",
			wantID: "h:6000/db",
			wantC:  []string{"port 6000 (from PGPORT)"},
		},
		{
			name:   "PGUSER fills a missing user, who is also the database",
			in:     "postgres://h:5432",
			vars:   []string{"PGUSER=envuser"},
			want:   "postgres://envuser@h:5432/envuser",
			wantID: "h:5432/envuser",
			wantC:  []string{"user envuser (from PGUSER)", "database envuser (from libpq's default, the user name)"},
		},
		{
			name:   "PGPASSWORD fills a missing password without showing it",
			in:     "postgres://u@h:5432/db",
			vars:   []string{"PGPASSWORD=Env-Secr3t"},
			want:   "postgres://u:Env-Secr3t@h:5432/db",
			wantID: "h:5432/db",
			wantC:  []string{"password (from PGPASSWORD)"},
		},
		{
			name:   "PGSSLMODE, PGAPPNAME and PGOPTIONS become parameters",
			in:     "postgres://u@h:5432/db",
			vars:   []string{"PGSSLMODE=require", "PGAPPNAME=my app", "PGOPTIONS=-c search_path=a+b"},
			want:   "postgres://u@h:5432/db?application_name=my%20app&options=-c%20search_path%3Da%2Bb&sslmode=require",
			wantID: "h:5432/db (search_path=a+b)", // a search_path in PGOPTIONS is another target (issue 19)
			wantC: []string{"application_name my app (from PGAPPNAME)", "options -c search_path=a+b (from PGOPTIONS)",
				"sslmode require (from PGSSLMODE)"},
		},
		{
			name:   "every part of the URL beats its variable",
			in:     "postgres://u:Url-Secr3t@h:5432/db?sslmode=disable",
			vars:   []string{"PGHOST=x", "PGPORT=1", "PGDATABASE=y", "PGUSER=z", "PGPASSWORD=Env-Secr3t", "PGSSLMODE=require"},
			want:   "postgres://u:Url-Secr3t@h:5432/db?sslmode=disable",
			wantID: "h:5432/db",
		},
		{
			name:   "parameters beat variables too",
			in:     "postgres:///?host=h&port=5433&dbname=db&user=u",
			vars:   []string{"PGHOST=x", "PGPORT=1", "PGDATABASE=y", "PGUSER=z"},
			want:   "postgres:///?host=h&port=5433&dbname=db&user=u",
			wantID: "h:5433/db",
		},
		{
			name:   "an empty dbname hides PGDATABASE: the server takes the user name",
			in:     "postgres://u@h:5432/?dbname=",
			vars:   []string{"PGDATABASE=other"},
			want:   "postgres://u@h:5432/?dbname=u",
			wantID: "h:5432/u",
			wantC:  []string{"database u (from libpq's default, the user name)"},
		},
		{
			name:   "an empty port parameter hides PGPORT",
			in:     "postgres://u@h/db?port=",
			vars:   []string{"PGPORT=6000"},
			want:   "postgres://u@h/db?port=5432",
			wantID: "h:5432/db",
			wantC:  []string{"port 5432 (from libpq's default port)"},
		},
		{
			name:   "PGSERVICE with PGSERVICEFILE: the service beats PGHOST, the URL beats the service",
			in:     "postgres:///app",
			vars:   []string{"PGSERVICE=prod", "PGSERVICEFILE=" + svcFile, "PGHOST=envhost", "PGSSLMODE=disable"},
			want:   "postgres://svcuser:Svc-Secr3t@svc.example.com:6543/app?sslmode=verify-full",
			wantID: "svc.example.com:6543/app",
			wantC: []string{
				`host svc.example.com (from service "prod" in $SVC:3)`,
				`port 6543 (from service "prod" in $SVC:4)`,
				`user svcuser (from service "prod" in $SVC:6)`,
				`password (from service "prod" in $SVC:7)`,
				`sslmode verify-full (from service "prod" in $SVC:8)`,
			},
		},
		{
			name:   "service= in the URL, service file from PGSERVICEFILE",
			in:     "postgres://u@/db?service=other",
			vars:   []string{"PGSERVICEFILE=" + svcFile},
			want:   "postgres://u@other.example.com:5432/db?service=other&servicefile=$SVC",
			wantID: "other.example.com:5432/db",
			wantC: []string{`host other.example.com (from service "other" in $SVC:11)`, "port 5432 (from libpq's default port)",
				"servicefile $SVC (from PGSERVICEFILE)"},
		},
		{
			name:   "service= in the URL beats PGSERVICE",
			in:     "postgres://u@/db?service=other",
			vars:   []string{"PGSERVICE=prod", "PGSERVICEFILE=" + svcFile},
			want:   "postgres://u@other.example.com:5432/db?service=other&servicefile=$SVC",
			wantID: "other.example.com:5432/db",
			wantC: []string{`host other.example.com (from service "other" in $SVC:11)`, "port 5432 (from libpq's default port)",
				"servicefile $SVC (from PGSERVICEFILE)"},
		},
		{
			name:   "the default service file is ~/.pg_service.conf",
			in:     "service=homesvc dbname=db user=u",
			vars:   []string{"HOME=" + home},
			want:   "service=homesvc dbname=db user=u host=home.example.com port=5432 servicefile=" + filepath.Join(home, ".pg_service.conf"),
			wantID: "home.example.com:5432/db",
			wantC: []string{`host home.example.com (from service "homesvc" in ` + filepath.Join(home, ".pg_service.conf") + `:2)`,
				"port 5432 (from libpq's default port)", "servicefile " + filepath.Join(home, ".pg_service.conf") + " (from pgx's default service file)"},
		},
		{
			name:   "multi-host URL without ports: each host takes 5432, PGPORT does not apply",
			in:     "postgres://u@a,b:5433/db",
			vars:   []string{"PGPORT=7000"},
			want:   "postgres://u@a:5432,b:5433/db",
			wantID: "a,b:5432,5433/db",
			wantC:  []string{"port 5432 (from libpq's default port)"},
		},
		{
			name:   "multi-host PGHOST and PGPORT pair up",
			in:     "postgres://u@/db",
			vars:   []string{"PGHOST=a,b", "PGPORT=6001,6002"},
			want:   "postgres://u@a:6001,b:6002/db",
			wantID: "a,b:6001,6002/db",
			wantC:  []string{"host a,b (from PGHOST)", "port 6001,6002 (from PGPORT)"},
		},
		{
			name:   "one port for every host of PGHOST",
			in:     "postgres://u@:5433/db",
			vars:   []string{"PGHOST=a,b"},
			want:   "postgres://u@a:5433,b:5433/db",
			wantID: "a,b:5433,5433/db",
			wantC:  []string{"host a,b (from PGHOST)"},
		},
		{
			name:   "an empty host in a list is the default host",
			in:     "postgres://u@a:5432,:5433/db",
			dirs:   []string{"/tmp"},
			want:   "postgres://u@a:5432,%2Ftmp:5433/db",
			wantID: "a,/tmp:5432,5433/db",
			wantC:  []string{"host /tmp (from pgx's default, the first Unix-socket directory that exists)"},
		},
		{
			name:   "keyword form gets keywords",
			in:     "dbname=app password='Url-Secr3t'",
			vars:   []string{"PGHOST=h", "PGUSER=u", "PGPORT=5999"},
			want:   "dbname=app password=Url-Secr3t host=h port=5999 user=u",
			wantID: "h:5999/app",
			wantC:  []string{"host h (from PGHOST)", "port 5999 (from PGPORT)", "user u (from PGUSER)"},
		},
		{
			name:   "keyword form: an empty user is no user, so PGUSER applies",
			in:     "host=h port=5432 dbname=app user=''",
			vars:   []string{"PGUSER=envuser"},
			want:   "host=h port=5432 dbname=app user=envuser",
			wantID: "h:5432/app",
			wantC:  []string{"user envuser (from PGUSER)"},
		},
		{
			name:   "defaults with no socket directory: localhost, 5432, the OS user",
			in:     "postgres://",
			want:   "postgres://osuser@localhost:5432/osuser",
			wantID: "localhost:5432/osuser",
			wantC: []string{"host localhost (from pgx's default when no Unix-socket directory exists)",
				"port 5432 (from libpq's default port)", "user osuser (from libpq's default, the operating-system user)",
				"database osuser (from libpq's default, the user name)"},
		},
		{
			name:   "defaults with socket directories: the first one pgx probes",
			in:     "postgresql+psycopg://u@/db",
			dirs:   []string{"/tmp", "/var/run/postgresql"},
			want:   "postgresql+psycopg://u@%2Fvar%2Frun%2Fpostgresql:5432/db",
			wantID: "/var/run/postgresql:5432/db",
			wantC: []string{"host /var/run/postgresql (from pgx's default, the first Unix-socket directory that exists)",
				"port 5432 (from libpq's default port)"},
		},
		{
			name:   "pgx reads a database parameter as dbname",
			in:     "postgres://u@h:5432/?database=alias",
			vars:   []string{"PGDATABASE=other"},
			want:   "postgres://u@h:5432/?database=alias",
			wantID: "h:5432/alias",
		},
		{
			name:   "a host parameter keeps the ports written after the URL's host",
			in:     "postgres://u@a:5433/db?host=b",
			vars:   []string{"PGPORT=7000"},
			want:   "postgres://u@a:5433/db?host=b",
			wantID: "b:5433/db",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustParse(t, tt.in)
			got, cs, err := u.Complete(testEnv(tt.vars, tt.dirs...))
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if want := strings.ReplaceAll(tt.want, "$SVC", svcFile); got.String() != want {
				t.Errorf("String() = %q\n                  want %q", got.String(), want)
			}
			if id := got.Identity().String(); id != tt.wantID {
				t.Errorf("Identity() = %q, want %q", id, tt.wantID)
			}
			var texts []string
			for _, c := range cs {
				texts = append(texts, c.String())
			}
			want := make([]string, len(tt.wantC))
			for i, w := range tt.wantC {
				want[i] = strings.ReplaceAll(w, "$SVC", svcFile)
			}
			if strings.Join(texts, "\n") != strings.Join(want, "\n") {
				t.Errorf("completions:\n got %q\nwant %q", texts, want)
			}
			if got.Form() != u.Form() {
				t.Errorf("form changed from %v to %v", u.Form(), got.Form())
			}
			if u.String() != mustParse(t, tt.in).String() {
				t.Errorf("Complete changed its URL: %q", u.String())
			}
			again, cs2, err := mustParse(t, got.String()).Complete(testEnv(tt.vars, tt.dirs...))
			if err != nil || len(cs2) != 0 || again.String() != got.String() {
				t.Errorf("completing again: %v, %v, %q", err, cs2, again.String())
			}
			assertNoSecret(t, got.Redacted(), fmt.Sprint(cs), fmt.Sprintf("%+v", cs), strings.Join(texts, " "))
		})
	}
}

func assertNoSecret(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range testSecrets {
			if strings.Contains(s, secret) {
				t.Errorf("shows a password: %q", s)
			}
		}
	}
}

func TestCompleteErrors(t *testing.T) {
	dir := t.TempDir()
	svcFile := writeServiceFile(t, dir, testServiceFile)
	bad := writeServiceFile(t, t.TempDir(), "# ok\n[prod]\nhost=h\npassword Svc-Secr3t\n")
	orphan := writeServiceFile(t, t.TempDir(), "password=Svc-Secr3t\n[prod]\n")
	tests := []struct {
		name    string
		in      string
		vars    []string
		want    string
		hint    string
		service *ServiceError
		notFile bool
	}{
		{
			name: "PGSERVICE names a service the file lacks",
			in:   "postgres://u:Url-Secr3t@h/db",
			vars: []string{"PGSERVICE=staging", "PGSERVICEFILE=" + svcFile, "PGPASSWORD=Env-Secr3t"},
			want: `service "staging" from PGSERVICE: no such service in ` + svcFile,
			hint: "add a [staging] section to " + svcFile + ", or name one it has (other, prod) in PGSERVICE",
		},
		{
			name:    "service= names a file that does not exist",
			in:      "host=h service=prod servicefile=" + filepath.Join(dir, "nope.conf") + " password=Url-Secr3t",
			want:    `service "prod" from the connection string: the service file ` + filepath.Join(dir, "nope.conf") + " does not exist",
			hint:    "create " + filepath.Join(dir, "nope.conf") + " with a [prod] section",
			notFile: true,
		},
		{
			name: "no PGSERVICEFILE and no HOME",
			in:   "postgres://h/db?service=prod",
			want: `service "prod" from the connection string: no service file`,
			hint: "set PGSERVICEFILE",
		},
		{
			name: "a line without '=' is file:line and never quoted",
			in:   "postgres://u:Url-Secr3t@h/db",
			vars: []string{"PGSERVICE=prod", "PGSERVICEFILE=" + bad},
			want: bad + `:4: not a key=value line (service "prod" from PGSERVICE)`,
			hint: "fix line 4 of " + bad,
		},
		{
			name: "a setting before any section",
			in:   "postgres://h/db",
			vars: []string{"PGSERVICE=prod", "PGSERVICEFILE=" + orphan},
			want: orphan + `:1: a setting before the first [service] header`,
			hint: "fix line 1 of " + orphan,
		},
		{
			name: "more ports than hosts",
			in:   "postgres://u:Url-Secr3t@h/db",
			vars: []string{"PGPORT=1,2,3"},
			want: "port from PGPORT: 3 ports for 1 hosts",
			hint: "fix or unset PGPORT",
		},
		{
			name: "a port that is not a number",
			in:   "postgres://u:Url-Secr3t@h/db",
			vars: []string{"PGPORT=Env-Secr3t"},
			want: "port from PGPORT: not a number from 1 to 65535",
			hint: "fix or unset PGPORT",
		},
		{
			name: "a bad port in the service file",
			in:   "postgres://h/db",
			vars: []string{"PGSERVICE=x", "PGSERVICEFILE=" + writeServiceFile(t, t.TempDir(), "[x]\nport=Svc-Secr3t\n")},
			want: `port from service "x" in `,
			hint: "fix the port in service",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := mustParse(t, tt.in).Complete(testEnv(tt.vars))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\n want it to contain %q", err, tt.want)
			}
			var h interface{ Hint() string }
			if !errors.As(err, &h) || !strings.Contains(h.Hint(), tt.hint) {
				t.Errorf("hint = %q, want it to contain %q", h.Hint(), tt.hint)
			}
			if tt.notFile != errors.Is(err, fs.ErrNotExist) {
				t.Errorf("errors.Is(err, fs.ErrNotExist) = %v", !tt.notFile)
			}
			assertNoSecret(t, err.Error(), h.Hint(), fmt.Sprintf("%+v", err))
		})
	}
}

func TestCompleteWindowsServiceFile(t *testing.T) {
	defer func(g string) { goos = g }(goos)
	goos = "windows"
	appData, profile := t.TempDir(), t.TempDir()
	env := Environment{Vars: []string{"APPDATA=" + appData, "USERPROFILE=" + profile},
		Exists: func(p string) bool { _, err := os.Stat(p); return err == nil }}
	libpqFile := filepath.Join(appData, "postgresql", ".pg_service.conf")
	homeFile := filepath.Join(profile, ".pg_service.conf")
	if got := env.defaultServiceFile(); got != libpqFile {
		t.Errorf("with neither file: %q, want libpq's %q", got, libpqFile)
	}
	writeServiceFile(t, profile, "")
	if err := os.Rename(filepath.Join(profile, "pg_service.conf"), homeFile); err != nil {
		t.Fatal(err)
	}
	if got := env.defaultServiceFile(); got != homeFile {
		t.Errorf("with only the home file: %q, want %q", got, homeFile)
	}
	if h, _ := env.defaultHost(); h != "localhost" {
		t.Errorf("default host %q, want localhost", h)
	}
	env.OSUser = func() string { return `DOMAIN\alice` }
	_, cs, err := mustParse(t, "host=h dbname=db").Complete(env)
	if err != nil || len(cs) != 2 || cs[1].Value != "alice" {
		t.Errorf("Complete: %v %v, want the user alice without the domain", cs, err)
	}
}

func TestRedactSSLPassword(t *testing.T) {
	u := mustParse(t, "postgres://h/db?sslpassword=Ssl-Secr3t")
	c, cs, err := u.Complete(testEnv([]string{"PGPASSWORD=Env-Secr3t"}))
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, c.Redacted(), fmt.Sprint(cs))
	c, cs, err = mustParse(t, "host=h").Complete(testEnv([]string{"PGSSLPASSWORD=Ssl-Secr3t"}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.String(), "sslpassword=Ssl-Secr3t") {
		t.Errorf("String() = %q, want the sslpassword", c.String())
	}
	assertNoSecret(t, c.Redacted(), fmt.Sprint(cs), RedactText("PGSSLPASSWORD=Ssl-Secr3t sslpassword=Ssl-Secr3t"))
}
