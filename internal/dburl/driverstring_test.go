package dburl

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// A raw '@', '/', '?' or '#' in a password: what dbguard hands pgx reads
// as dbguard read it, host and password alike.
func TestDriverStringRawReserved(t *testing.T) {
	for _, s := range []string{
		"postgres://u:Hunter2x@ZZtop99secret@127.0.0.1:5432/db",
		"postgres://u:pa/ss@127.0.0.1:5432/db",
		"postgres://u:pa#ss@127.0.0.1:5432/db",
		"postgres://u@x:p%40ss@127.0.0.1:5432/db",
		"postgres://u:p%40ss@127.0.0.1:5432/db?sslmode=disable",
	} {
		u, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		cfg, err := pgconn.ParseConfig(u.DriverString())
		if err != nil {
			t.Errorf("pgx cannot parse the driver string of %q: %v", Redact(s), err)
			continue
		}
		if cfg.Host != u.Hosts()[0].Name || cfg.Password != u.Password() || cfg.User != u.User() || cfg.Database != u.Database() {
			t.Errorf("%q: pgx reads host %q user %q db %q (password equal: %v); dbguard host %q user %q db %q",
				Redact(s), cfg.Host, cfg.User, cfg.Database, cfg.Password == u.Password(), u.Hosts()[0].Name, u.User(), u.Database())
		}
	}
}

// A raw '?' ends the authority for every URL parser: refused, and the error
// shows none of it.
func TestRawQuestionMarkRefused(t *testing.T) {
	_, err := Parse("postgres://u:pa?ssSecret9@127.0.0.1:5432/db")
	if err == nil {
		t.Fatal("no error")
	}
	if s := err.Error(); strings.Contains(s, "ssSecret9") || strings.Contains(s, "pa?") {
		t.Errorf("error quotes the password: %s", s)
	}
}

// Values of keys meant for secrets are masked even when libpq does not
// know the key, in parsed URLs and in free text.
func TestSecretLookingKeysMasked(t *testing.T) {
	u, err := Parse("postgres://u@h/db?db_password=hunter2&token=hunter2&sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	if r := u.Redacted(); strings.Contains(r, "hunter2") || !strings.Contains(r, "sslmode=require") {
		t.Errorf("Redacted() = %s", r)
	}
	for _, s := range []string{"host=h passwd=hunter2 x", "PWD=hunter2", "pass = 'hunter2'"} {
		if r := RedactText(s); strings.Contains(r, "hunter2") {
			t.Errorf("RedactText(%q) = %q", s, r)
		}
	}
}
