package plan

import (
	"testing"
)

// The trace reads the shadow's schema with pgx on the session the pending
// files run in, before the files (shadow-drift) and after each (the
// expect: and models checks). pgx prepared those reads under names of its
// own, and a file can find them in pg_prepared_statements, DEALLOCATE one
// and PREPARE a statement of its own under the name: pgx then ran the
// file's statement for the next read. Here a file drops a column expect:
// names and makes the column read give it back: before, no expect-broken,
// and the plan passed. The trace's reads now prepare no named statement.
func TestAttackTraceCachedReadReplaced(t *testing.T) {
	t.Parallel()
	const yaml = "version: 1\nexpect:\n  users:\n    id: bigint not null\n    email: text\n"
	const forge = `SET lock_timeout = '5s';
ALTER TABLE users DROP COLUMN email;
DO $$
DECLARE s record;
BEGIN
  FOR s IN SELECT p.name, p.statement FROM pg_catalog.pg_prepared_statements p
           WHERE NOT p.from_sql AND p.statement LIKE '%FROM pg_catalog.pg_attribute a%' LOOP
    EXECUTE format('DEALLOCATE %I', s.name);
    EXECUTE format('PREPARE %I(pg_catalog.oid[]) AS %s UNION ALL SELECT %s::pg_catalog.oid, 99::pg_catalog.int2, %L::pg_catalog.name, -1, false, %L::pg_catalog.text, %L::pg_catalog.text, 25::pg_catalog.oid, 100::pg_catalog.oid',
      s.name, s.statement, 'users'::pg_catalog.regclass::pg_catalog.oid, 'email', '', '');
  END LOOP;
END $$;
`
	rep, err := planFilesWith(t, yaml, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n", forge)
	if err != nil {
		t.Fatal(err)
	}
	broken := false
	for _, f := range rep.Findings {
		broken = broken || f.Rule == "expect-broken"
	}
	if !broken || rep.Status != "fail" {
		t.Errorf("a file that drops users.email and replaces pgx's column read: status %s, findings %+v; want expect-broken, fail", rep.Status, rep.Findings)
	}
}
