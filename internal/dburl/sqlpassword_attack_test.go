package dburl

import (
	"strings"
	"testing"
)

// TestAttackSQLPasswordLiteral: SQL writes a role's password as a string
// after the word PASSWORD (CREATE ROLE, ALTER ROLE, CREATE USER ...
// ENCRYPTED PASSWORD), with no '=' or ':' before it, and a migration tool
// that fails on such a statement prints it (golang-migrate's "in line N:
// ...", a psql error's context). The output's net masked none of them.
func TestAttackSQLPasswordLiteral(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`ALTER ROLE app PASSWORD 'S3cretZZQ'`, `ALTER ROLE app PASSWORD '****'`},
		{`ALTER ROLE app WITH LOGIN PASSWORD 'S3cretZZQ';`, `ALTER ROLE app WITH LOGIN PASSWORD '****';`},
		{`CREATE USER app ENCRYPTED PASSWORD 'S3cretZZQ' VALID UNTIL 'infinity'`, `CREATE USER app ENCRYPTED PASSWORD '****' VALID UNTIL 'infinity'`},
		{"create role app login password\n  'it''s S3cretZZQ';", "create role app login password\n  '****';"},
		{`ALTER USER app PASSWORD E'it\'s S3cretZZQ'`, `ALTER USER app PASSWORD E'****'`},
		{`migration failed in line 0: CREATE ROLE app PASSWORD 'S3cret ZZQ'; (details: pq: role "app" already exists)`,
			`migration failed in line 0: CREATE ROLE app PASSWORD '****'; (details: pq: role "app" already exists)`},
		// Nothing to mask: NULL, and prose.
		{`ALTER ROLE app PASSWORD NULL`, `ALTER ROLE app PASSWORD NULL`},
		{`the password is required`, `the password is required`},
	} {
		got := RedactText(tc.in)
		if got != tc.want {
			t.Errorf("RedactText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "S3cret") {
			t.Errorf("password shown: %q", got)
		}
	}
}

// TestAttackSQLPasswordPending: a writer that shows a partial line up to
// its white space waits, after SQL's PASSWORD, for the string's end: a
// tool's output cut between two writes inside 'S3cret ZZQ' showed ZZQ.
func TestAttackSQLPasswordPending(t *testing.T) {
	// A partial line that ends with the keyword and a blank waits too,
	// whatever its case: the next write may bring 'S3cret ZZQ' (SQL
	// written in lower case) or = 'S3cret ZZQ', with no keyword before it.
	for _, s := range []string{"CREATE ROLE app PASSWORD ", "CREATE ROLE app PASSWORD 'S3cret ", "ALTER ROLE app PASSWORD E", "ALTER ROLE app PASSWORD E'S3cret ", "the password ", "alter role app password ", `"password" `} {
		if !PasswordPending(s) {
			t.Errorf("PasswordPending(%q) = false", s)
		}
	}
	for _, s := range []string{"Password: ", "the password is ", "the passwords ", "CREATE ROLE app LOGIN "} {
		if PasswordPending(s) {
			t.Errorf("PasswordPending(%q) = true", s)
		}
	}
}
