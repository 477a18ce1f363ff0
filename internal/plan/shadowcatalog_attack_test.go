package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// fakeAttribute is a pg_attribute that shows a dropped column as the
// text column status again: read in its place, the shadow still has
// users.status after a file dropped it.
const fakeAttribute = `AS SELECT a.attrelid, a.attnum,
  CASE WHEN a.attisdropped THEN 'status'::pg_catalog.name ELSE a.attname END AS attname,
  CASE WHEN a.attisdropped THEN 25::pg_catalog.oid ELSE a.atttypid END AS atttypid,
  CASE WHEN a.attisdropped THEN -1 ELSE a.atttypmod END AS atttypmod,
  a.attnotnull, a.attgenerated, a.attidentity, false AS attisdropped, a.attcollation
  FROM pg_catalog.pg_attribute a;
`

// expectStatus expects the column the attacks drop.
const expectStatus = "version: 1\nexpect:\n  users:\n    id: ~\n    status: text\n"

// TestAttackShadowCatalogSearchPath: a file that drops an expected
// column cannot hide expect-broken behind its own public.pg_attribute
// and SET search_path = public, pg_catalog (the session the shadow is
// read in is the one the file ran in): Introspect names pg_catalog's
// relations, functions, types and operators.
func TestAttackShadowCatalogSearchPath(t *testing.T) {
	t.Parallel()
	expectBroken(t, "CREATE VIEW public.pg_attribute "+fakeAttribute+"SET search_path = public, pg_catalog;\n")
}

// TestAttackShadowCatalogTempView: the same without SET search_path: a
// temporary view is found before pg_catalog by an unqualified name
// when search_path does not list pg_temp.
func TestAttackShadowCatalogTempView(t *testing.T) {
	t.Parallel()
	expectBroken(t, "CREATE TEMP VIEW pg_attribute "+fakeAttribute)
}

func expectBroken(t *testing.T, hide string) {
	t.Helper()
	statusBroken(t, hide+"SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN status;\n",
		"the dropped users.status is hidden behind a pg_attribute of the file's")
}

// statusBroken plans file over a users table with a text column status,
// expected as such, and wants users.status expect-broken; hidden says
// what hid it otherwise.
func statusBroken(t *testing.T, file, hidden string) {
	t.Helper()
	rep, err := planFilesWith(t, expectStatus, "CREATE TABLE users (id bigserial PRIMARY KEY, email text, status text);\n", file)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, fmt.Sprintf("%s %s", f.Rule, f.Message))
		if f.Rule == "expect-broken" && strings.Contains(f.Message, "users.status") {
			return
		}
	}
	t.Errorf("findings %q: %s", rules, hidden)
}

// ruleLines plans the applied and pending files and names each finding
// "rule:line".
func ruleLines(t *testing.T, applied string, pending ...string) []string {
	t.Helper()
	rep, err := planFiles(t, applied, pending...)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, fmt.Sprintf("%s:%d", f.Rule, f.Line))
	}
	return rules
}

// TestAttackShadowCatalogConstraintTable: a temporary pg_constraint of
// the file's that shows no constraint cannot hide which table a
// VALIDATE CONSTRAINT scans (constraintTable's lookup), so the VALIDATE
// in the file that added the constraint is still reported.
func TestAttackShadowCatalogConstraintTable(t *testing.T) {
	t.Parallel()
	rules := ruleLines(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text, age int);\n",
		"CREATE TEMP VIEW pg_constraint AS SELECT oid, conname, conrelid, contype, conindid FROM pg_catalog.pg_constraint WHERE false;\n"+
			"SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT age_min CHECK (age > -1) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT age_min;\n")
	if !contains(rules, "constraint-validated:4") {
		t.Errorf("findings %v: the VALIDATE's table is hidden behind a temporary pg_constraint", rules)
	}
}

// TestAttackShadowCatalogFormatType: a file's public.format_type put
// ahead of pg_catalog's cannot make the expected type read as the type
// the file changed the column to (Canonicalize's reads).
func TestAttackShadowCatalogFormatType(t *testing.T) {
	t.Parallel()
	statusBroken(t, "CREATE FUNCTION public.format_type(oid, integer) RETURNS text LANGUAGE sql AS $$ SELECT 'character varying'::pg_catalog.text $$;\n"+
		"SET search_path = public, pg_catalog;\nSET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN status TYPE varchar;\n",
		"the changed type of users.status is hidden behind public.format_type")
}

// TestAttackLiveCatalogDatabaseSearchPath: an applied migration that
// put a public.pg_class showing every table empty ahead of pg_catalog
// for later connections (ALTER DATABASE ... SET search_path) cannot hide
// the live rows from the plan's size read: a NOT NULL column with no
// default is still add-required-column.
func TestAttackLiveCatalogDatabaseSearchPath(t *testing.T) {
	t.Parallel()
	rules := ruleLines(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n"+
		"CREATE VIEW public.pg_class AS SELECT oid, relname, relnamespace, relkind, 0::real AS reltuples FROM pg_catalog.pg_class;\n"+
		pgtest.DatabaseSearchPath("public, pg_catalog")+";\n",
		"SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN x int NOT NULL;\n")
	if !contains(rules, "add-required-column:2") {
		t.Errorf("findings %v: the live rows of users are hidden behind public.pg_class", rules)
	}
}

// TestAttackShadowCatalogTrapSchema: a file that puts a stand-in for
// every pg_catalog relation, function and operator ahead of pg_catalog
// (pgtest.CatalogTrapSQL; each raises when used) changes no read of the
// plan's: the trace, the shadow's schema and the expect: types are all
// read, and its dropped expected column is still expect-broken.
func TestAttackShadowCatalogTrapSchema(t *testing.T) {
	t.Parallel()
	expectBroken(t, pgtest.CatalogTrapSQL+";\nSET search_path = trap, pg_catalog, public;\n")
}
