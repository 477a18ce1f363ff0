package sqlscan

import (
	"strings"
	"testing"
)

// TestAttackReachHiddenByBackslashString: a session with
// standard_conforming_strings off (an earlier migration's SET, which the
// session keeps under golang-migrate and in the plan's shadow, or the
// database's setting) lexes a backslash in a plain string as an escape;
// Reach lexed as with it on, so in SET application_name = 'a\', ' ; COPY
// ... TO PROGRAM ...; -- ' the COPY was inside a string to Reach and a
// statement to the server (checked on PostgreSQL 15 with an ALTER TABLE in
// its place: TestAttackTraceStatementHiddenBehindSet in internal/plan).
// Nothing was reported, and plan.shadow: live's refusal let it through.
// Reach reads plain strings both ways when the text holds a backslash.
func TestAttackReachHiddenByBackslashString(t *testing.T) {
	cases := []struct{ name, sql, want string }{
		{"statement", "SET standard_conforming_strings = off;\nSET application_name = 'a\\', ' ; COPY t TO PROGRAM 'curl x'; -- ';\n", "2:COPY ... TO PROGRAM"},
		{"in a DO body", "DO $$ BEGIN PERFORM 'a\\', ' ; PERFORM pg_terminate_backend(1); -- '; END $$;\n", "1:pg_terminate_backend()"},
		{"as written still", "SELECT 'C:\\';\nCOPY t TO PROGRAM 'x';\n", "2:COPY ... TO PROGRAM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, a := range Reach(c.sql) {
				got = append(got, strings.TrimPrefix(a.String(), "line "))
			}
			joined := strings.ReplaceAll(strings.Join(got, ","), ": ", ":")
			if !strings.Contains(joined, c.want) {
				t.Errorf("Reach(%q) = %v, want %s", c.sql, got, c.want)
			}
		})
	}
	// A plain file with backslashes reports nothing new.
	if acts := Reach("INSERT INTO paths VALUES ('C:\\temp\\'), (E'\\\\d');\nSELECT regexp_replace(x, '\\d+', '');\n"); len(acts) != 0 {
		t.Errorf("backslashes in ordinary strings: %v, want nothing", acts)
	}
}
