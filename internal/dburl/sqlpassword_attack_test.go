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

// TestAttackSQLPasswordUnicodeBlank: SQL's PASSWORD and its string with a
// Unicode space separator between them (U+00A0, U+2003, U+3000: a
// statement pasted from a word processor, which PostgreSQL refuses with a
// syntax error, and a migration tool prints the statement that failed)
// was shown: the pattern read only \s there.
func TestAttackSQLPasswordUnicodeBlank(t *testing.T) {
	for in, want := range map[string]string{
		"CREATE ROLE a PASSWORD\u00a0'S3cret ZQ'":           "CREATE ROLE a PASSWORD\u00a0'****'",
		"CREATE ROLE a PASSWORD\u3000'S3cret ZQ';":          "CREATE ROLE a PASSWORD\u3000'****';",
		"alter role a with password\u2003'S3cret ZQ' login": "alter role a with password\u2003'****' login",
		"x PASSWORD\u00a0 E'S3cret\\' ZQ'":                  "x PASSWORD\u00a0 E'****'",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	for _, s := range []string{"x\tPASSWORD\u00a0'S3cret\t", "PASSWORD\t'S3cret\t"} {
		if !PasswordPending(s) || !PasswordPendingOn(s) {
			t.Errorf("PasswordPending(%q) = false", s)
		}
		if OpenPasswordValue(s+"\n") < 0 {
			t.Errorf("OpenPasswordValue(%q) = -1", s+"\n")
		}
	}
}
