package dburl

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzComplete completes any parsable string in any environment: it must not
// panic, show a password, or leave anything to complete a second time.
func FuzzComplete(f *testing.F) {
	dir := f.TempDir()
	svcFile := filepath.Join(dir, "pg_service.conf")
	if err := os.WriteFile(svcFile, []byte(testServiceFile+"\n[weird]\nhost=a b,,[::1]\nport=,5433,\nuser=o'neil\\\ndbname=x y&z#w\n[empties]\nuser=\npassword=\ndbname=\nport=\nhost=\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][2]string{
		{"postgres://u:pw@h:5432", "PGDATABASE=other"},
		{"postgres:///db", "PGHOST=a,b\nPGPORT=1,2\nPGUSER=x"},
		{"postgres://u@/db?service=prod", ""},
		{"host=h service=weird", "PGSSLMODE=require"},
		{"postgres://a,b/db?host=&port=", "PGPORT=7000"},
		{"dbname=app user=''", "PGSERVICE=other\nPGOPTIONS=-c a=b"},
		{"postgresql+asyncpg://u:p%40ss@h/?dbname=&database=q", "PGSERVICE=nope"},
		{"postgres://u:pw@h/db?service=empties", "PGUSER=x\nPGDATABASE=y"},
		{"service=empties", "PGHOST=h"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, s, vars string) {
		if strings.Contains(s+vars, "Secr3t") {
			return
		}
		u, err := Parse(s)
		if err != nil {
			return
		}
		if _, ok := u.driverSettings()["servicefile"]; ok {
			return // it could name a file that blocks, such as a FIFO
		}
		var env []string
		for _, kv := range strings.Split(vars, "\n") {
			if !strings.HasPrefix(kv, "PGSERVICEFILE=") && !strings.HasPrefix(kv, "HOME=") {
				env = append(env, kv)
			}
		}
		env = append(env, "PGSERVICEFILE="+svcFile, "PGPASSWORD=Env-Secr3t")
		c, cs, err := u.Complete(testEnv(env, "/tmp"))
		pw := u.Password()
		shows := func(text string) bool {
			if strings.Contains(text, "Secr3t") {
				return true
			}
			// The string's own password may also be another part of it.
			return len(pw) >= 4 && strings.Contains(text, pw) && !strings.Contains(strings.Replace(s, pw, "", 1), pw)
		}
		if err != nil {
			var h interface{ Hint() string }
			if !errors.As(err, &h) {
				t.Fatalf("error %T has no hint: %v", err, err)
			}
			if shows(err.Error()) || shows(h.Hint()) {
				t.Fatalf("error shows a password: %v / %s", err, h.Hint())
			}
			return
		}
		if shows(c.Redacted()) {
			t.Fatalf("Redacted() %q shows a password", c.Redacted())
		}
		for _, x := range cs {
			if shows(x.String()) || shows(x.Value) {
				t.Fatalf("completion %q shows a password", x.String())
			}
		}
		if c.Form() != u.Form() {
			t.Fatalf("form changed")
		}
		again, err := Parse(c.String())
		if err != nil {
			t.Fatalf("completed %q does not parse: %v", c.Redacted(), err)
		}
		c2, cs2, err := again.Complete(testEnv(env, "/tmp"))
		if err != nil || len(cs2) != 0 || c2.String() != c.String() {
			t.Fatalf("completing %q again: %v %v %q", c.Redacted(), err, cs2, c2.Redacted())
		}
		if again.Identity() != c.Identity() {
			t.Fatalf("identity changed on round trip: %v vs %v", again.Identity(), c.Identity())
		}
	})
}

// FuzzServiceFileAgreesWithPgx reads a service file as pgx does: pgx's
// ParseConfig, given the same file, must fail when Complete does and
// connect where the completed string says.
func FuzzServiceFileAgreesWithPgx(f *testing.F) {
	for _, v := range envVars {
		f.Setenv(v.name, "")
		os.Unsetenv(v.name)
	}
	f.Setenv("HOME", f.TempDir())
	for _, seed := range []string{
		testServiceFile,
		"[s]\nhost=a,b\nport=1,2\n",
		"[s]\nhost=a,,b\nport=5\n[s]\nport=7\n",
		"[s]\ndbname=d\nuser=\n",
		"[s]\n = x\n",
		"x=1\n[s]\n",
		"[s]\nhost\n",
		"#[s]\n[s ]\n",
	} {
		f.Add(seed, uint8(0))
	}
	conns := []string{
		"postgres://u@/db?service=s&servicefile=$F",
		"service=s servicefile=$F",
		"postgres://h:5432/?service=s&servicefile=$F",
		"postgres://:5433/?service=prod&servicefile=$F",
		"host=h,, service=other servicefile=$F",
	}
	f.Fuzz(func(t *testing.T, svc string, pick uint8) {
		if strings.ContainsRune(svc, 0) {
			return // pgx and libpq never see a NUL in a value they then use
		}
		file := filepath.Join(t.TempDir(), "pg_service.conf")
		if err := os.WriteFile(file, []byte(svc), 0o600); err != nil {
			t.Fatal(err)
		}
		in := conns[int(pick)%len(conns)]
		if strings.HasPrefix(in, "postgres://") {
			in = strings.ReplaceAll(in, "$F", escapeComponent(file, "/"))
		} else {
			in = strings.ReplaceAll(in, "$F", quoteKV(file))
		}
		want, pgxErr := pgxParse(in)
		got, _, err := mustParse(t, in).Complete(ProcessEnvironment())
		var se *ServiceError
		switch {
		case err != nil && pgxErr == nil:
			if errors.As(err, &se) && strings.Contains(se.Reason, "name is empty or has a space") {
				return // pgx passes it on, and the server refuses it
			}
			t.Fatalf("Complete fails (%v), pgx does not", err)
		case err == nil && pgxErr != nil:
			// What pgx says follows the string it quotes.
			msg := pgxErr.Error()
			msg = msg[strings.LastIndex(msg, "`: ")+1:]
			if strings.Contains(msg, "service") || strings.Contains(msg, "port") {
				t.Fatalf("pgx fails (%v), Complete does not", pgxErr)
			}
			return // a setting pgx checks and dbguard does not, such as sslmode
		case err != nil:
			return
		}
		if want.database == "" {
			want.database = want.user
		}
		if g := ourTarget(got); !equalTargets(g, want) {
			t.Fatalf("completed %q\n  is %+v\npgx %+v", got.Redacted(), g, want)
		}
	})
}
