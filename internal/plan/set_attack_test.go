package plan

import (
	"strings"
	"testing"
)

// TestAttackTraceStatementHiddenBehindSet: with no locks read after a SET,
// a file could hide a statement from the plan's statement list. An earlier
// file turns standard_conforming_strings off (the session keeps it, in
// the shadow as under golang-migrate); sqlscan lexes as with it on, so in
// SET application_name = 'a\', ' ; ALTER TABLE ...; /* ' it sees one SET
// holding a string, while the server runs the SET and the ALTER TABLE and
// reads what follows as a comment up to the next statement's */. The
// results lined up again (the next statement gave none), and the rewrite
// was blamed on "SELECT 1 */" at line 2, the column-type-change finding
// lost (seen in the JSON report); with a read after the SET they cannot
// line up, and the plan refuses to guess.
func TestAttackTraceStatementHiddenBehindSet(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id serial PRIMARY KEY, email text);\n"
	hidden := "SET application_name = 'a\\', ' ; ALTER TABLE users ALTER COLUMN id TYPE bigint; /* ';\nSELECT 1 */;\n"
	rep, err := planFiles(t, applied, "SET standard_conforming_strings = off;\n", hidden)
	if err == nil {
		// Planned: then as the server ran it, the rewrite at line 1.
		found := false
		for _, f := range rep.Findings {
			if f.Rule == "table-rewrite" && strings.HasSuffix(f.File, "000003_p.up.sql") {
				found = found || f.Line == 1
				if f.Line != 1 {
					t.Errorf("the hidden ALTER TABLE's rewrite was blamed on line %d (%s), a statement the server did not run as the plan saw it", f.Line, f.Message)
				}
			}
		}
		if !found {
			t.Errorf("no table-rewrite finding at line 1: %+v", rep.Findings)
		}
		return
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "000003_p.up.sql") {
		t.Errorf("%v, want an error naming the file", err)
	}
}
