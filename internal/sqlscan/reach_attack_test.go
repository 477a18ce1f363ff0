package sqlscan

import "testing"

// TestAttackReachMissedServerActs: statements that act beyond the
// database went unreported, so `plan.shadow: live` ran them on the live
// server and plan gave no beyond-database finding for what migrate up
// would do there. A replication slot outlives the transaction that
// created it (checked on PostgreSQL 15: created as a role with
// REPLICATION, then ROLLBACK, the slot stays) and a physical one holds
// the server's WAL until its disk is full; the shared statistics and
// CHECKPOINT are the whole server's; and a function named without a call
// (an operator's FUNCTION =) is still called: `CREATE OPERATOR ~~~
// (FUNCTION = pg_terminate_backend, ...)` then `pid ~~~ 0` ended other
// sessions with no "pg_terminate_backend(" in the text.
func TestAttackReachMissedServerActs(t *testing.T) {
	cases := []reachCase{
		{"physical slot", "SELECT pg_create_physical_replication_slot('standby', true)", []string{"1:pg_create_physical_replication_slot()"}},
		{"logical slot", "SELECT * FROM pg_catalog.pg_create_logical_replication_slot('s', 'pgoutput')", []string{"1:pg_create_logical_replication_slot()"}},
		{"copied slot", "SELECT pg_copy_physical_replication_slot('a', 'b')", []string{"1:pg_copy_physical_replication_slot()"}},
		{"slot in a DO block", "DO $$ BEGIN PERFORM pg_create_physical_replication_slot('x', true); END $$", []string{"1:pg_create_physical_replication_slot()"}},
		{"consume a slot", "SELECT pg_logical_slot_get_changes('s', NULL, NULL)", []string{"1:pg_logical_slot_get_changes()"}},
		{"reset shared stats", "SELECT pg_stat_reset_shared('bgwriter')", []string{"1:pg_stat_reset_shared()"}},
		{"backup mode", "SELECT pg_backup_start('x')", []string{"1:pg_backup_start()"}},
		{"checkpoint", "CREATE TABLE a (id int);\nCHECKPOINT", []string{"2:CHECKPOINT"}},
		{"operator over terminate", "CREATE OPERATOR public.~~~ (FUNCTION = pg_terminate_backend, LEFTARG = integer, RIGHTARG = bigint);\nSELECT pid ~~~ 0::bigint FROM pg_stat_activity",
			[]string{"1:pg_terminate_backend()"}},
		{"operator over read file", "CREATE OPERATOR ### (PROCEDURE = \"pg_read_file\", RIGHTARG = text)", []string{"1:pg_read_file()"}},
	}
	checkReach(t, cases)
}

// TestAttackReachMissedSharedObjects: statements that change the server's
// shared objects from inside one database. Run in a preview's shadow
// database on the live server (plan.shadow: live), `DROP OWNED BY web`
// revoked web's CONNECT on the live database (the app's role could no
// longer log in) and `COMMENT ON DATABASE app` rewrote the live database's
// comment: neither was beyond-database, so the preview ran them there.
func TestAttackReachMissedSharedObjects(t *testing.T) {
	cases := []reachCase{
		{"drop owned", "DROP OWNED BY web", []string{"1:DROP OWNED"}},
		{"drop owned cascade", "CREATE TABLE a (id int);\ndrop owned by web, api cascade", []string{"2:DROP OWNED"}},
		{"comment on database", "COMMENT ON DATABASE app IS 'x'", []string{"1:COMMENT ON DATABASE"}},
		{"comment on role", "COMMENT ON ROLE app IS NULL", []string{"1:COMMENT ON ROLE"}},
		{"comment on tablespace", "COMMENT ON TABLESPACE fast IS 'x'", []string{"1:COMMENT ON TABLESPACE"}},
		{"security label on role", "SECURITY LABEL FOR selinux ON ROLE app IS 'x'", []string{"1:SECURITY LABEL ON ROLE"}},
		{"security label on database", "SECURITY LABEL ON DATABASE app IS 'x'", []string{"1:SECURITY LABEL ON DATABASE"}},
		{"in a DO block", "DO $$ BEGIN DROP OWNED BY web; END $$", []string{"1:DROP OWNED"}},
		// Objects of the one database stay quiet.
		{"comment on table", "COMMENT ON TABLE t IS 'database'", nil},
		{"comment on column", "COMMENT ON COLUMN t.role IS 'x'", nil},
		{"security label on table", "SECURITY LABEL ON TABLE t IS 'x'", nil},
		{"drop table owned", "DROP TABLE owned", nil},
	}
	checkReach(t, cases)
}

// TestAttackReachSharedCatalogWrites: a statement that writes, locks or
// rewrites one of the catalogs every database of a server shares was no
// beyond-database act, so plan.shadow: live (or a schema.shadow_url
// naming the live server) ran it there: as a superuser, `UPDATE
// pg_database SET datallowconn = false` in the shadow database closed the
// live database to every session, `DELETE FROM pg_authid` removed the
// server's roles, and `LOCK pg_authid`, `VACUUM FULL` or `REINDEX SYSTEM`
// held every login of the server while they ran.
func TestAttackReachSharedCatalogWrites(t *testing.T) {
	cases := []reachCase{
		{"close a database", "UPDATE pg_catalog.pg_database SET datallowconn = false WHERE datname = 'app'", []string{"1:UPDATE pg_database"}},
		{"delete roles", "CREATE TABLE a (id int);\nDELETE FROM pg_authid WHERE rolname <> 'postgres'", []string{"2:DELETE pg_authid"}},
		{"quoted", `insert into "pg_db_role_setting" values (0, 0, '{x=1}')`, []string{"1:INSERT pg_db_role_setting"}},
		{"in a CTE", "WITH d AS (DELETE FROM pg_auth_members RETURNING 1) SELECT count(*) FROM d", []string{"1:WITH pg_auth_members"}},
		{"truncate", "TRUNCATE pg_catalog.pg_shdescription", []string{"1:TRUNCATE pg_shdescription"}},
		{"lock", "LOCK TABLE pg_catalog.pg_authid IN ACCESS EXCLUSIVE MODE", []string{"1:LOCK pg_authid"}},
		{"vacuum full a catalog", "VACUUM FULL pg_database", []string{"1:VACUUM pg_database"}},
		{"vacuum full everything", "VACUUM FULL", []string{"1:VACUUM FULL"}},
		{"vacuum full options", "VACUUM (FULL, VERBOSE)", []string{"1:VACUUM FULL"}},
		{"reindex system", "REINDEX SYSTEM app", []string{"1:REINDEX SYSTEM"}},
		{"reindex database", "REINDEX (VERBOSE) DATABASE app", []string{"1:REINDEX DATABASE"}},
		{"cluster", "CLUSTER pg_authid USING pg_authid_oid_index", []string{"1:CLUSTER pg_authid"}},
		{"in a DO block", "DO $$ BEGIN UPDATE pg_database SET datconnlimit = 0; END $$", []string{"1:UPDATE pg_database"}},
		// A subscription is dropped on the publishing server too (its
		// slot), and its comment is the shared catalog's.
		{"drop subscription", "DROP SUBSCRIPTION IF EXISTS feed", []string{"1:DROP SUBSCRIPTION"}},
		{"comment on subscription", "COMMENT ON SUBSCRIPTION feed IS 'x'", []string{"1:COMMENT ON SUBSCRIPTION"}},
		// NULL: every subscription's statistics, whichever database it is in.
		{"reset subscription stats", "SELECT pg_stat_reset_subscription_stats(NULL)", []string{"1:pg_stat_reset_subscription_stats()"}},
		// The one database's work stays quiet, and so do reads.
		// pg_roles, not pg_authid, whose password hashes a read can
		// carry out (TestAttackReachSecretCatalogs).
		{"read roles", "SELECT rolname FROM pg_roles", nil},
		{"vacuum a table", "VACUUM FULL VERBOSE t", nil},
		{"vacuum", "VACUUM ANALYZE", nil},
		{"reindex a table", "REINDEX TABLE t", nil},
		{"update a table", "UPDATE accounts SET database = 'x'", nil},
		{"column named like a catalog", "SELECT 1 FROM t WHERE t.x = 1", nil},
	}
	checkReach(t, cases)
}

// TestAttackReachEscapedNames: the classifier compared names and strings
// as written, so one spelt with escapes PostgreSQL decodes was not seen:
// a Unicode-escaped identifier (U&"pg_read_\0066ile", also with UESCAPE),
// a Unicode-escaped file name after COPY ... TO, an escape string body
// (DO E'... pg_read_\x66ile(...) ...'), and a DO block in an untrusted
// language (CREATE FUNCTION's was caught, DO LANGUAGE plpython3u's not).
// Under `plan.shadow: live`, which dbguard.yaml (the repository's word)
// sets, each ran on the live server: reading or writing its files as a
// superuser, or running a shell command there.
func TestAttackReachEscapedNames(t *testing.T) {
	cases := []reachCase{
		{"unicode identifier", `SELECT U&"pg_read_\0066ile"('/etc/passwd')`, []string{"1:pg_read_file()"}},
		{"unicode identifier, lower u", `SELECT u&"pg_read_\+000066ile"('/etc/passwd')`, []string{"1:pg_read_file()"}},
		{"unicode identifier with UESCAPE", "SELECT U&\"pg_read_!0066ile\" UESCAPE '!'('/etc/passwd')", []string{"1:pg_read_file()"}},
		{"unicode schema-qualified", `SELECT pg_catalog.U&"lo_\0065xport"(1, '/tmp/x')`, []string{"1:lo_export()"}},
		{"unicode COPY file", `COPY t TO U&'/tmp/x'`, []string{"1:COPY ... TO a server file"}},
		{"unicode extension", `CREATE EXTENSION U&"admin\0070ack"`, []string{"1:CREATE EXTENSION adminpack"}},
		{"unicode body", `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS U&'BEGIN PERFORM pg_read_\0066ile(''/etc/passwd''); RETURN 1; END'`, []string{"1:pg_read_file()"}},
		{"escape string body, hex", `DO E'BEGIN PERFORM pg_read_\x66ile(\'/etc/passwd\'); END'`, []string{"1:pg_read_file()"}},
		{"escape string body, octal", `DO E'BEGIN PERFORM pg_read_\146ile(''/etc/passwd''); END'`, []string{"1:pg_read_file()"}},
		{"escape string body, unicode", `DO E'BEGIN PERFORM pg_read_\u0066ile(''/etc/passwd''); END'`, []string{"1:pg_read_file()"}},
		{"DO in an untrusted language", "DO LANGUAGE plpython3u $$ import os; os.system('id') $$", []string{"1:LANGUAGE plpython3u"}},
		{"DO, language after the body", "DO $$ import os $$ LANGUAGE \"plperlu\"", []string{"1:LANGUAGE plperlu"}},
		{"U & apart is no escape", `SELECT U & 1`, nil},
	}
	checkReach(t, cases)
}

// TestAttackReachPreparedTransaction: PREPARE TRANSACTION leaves a
// transaction on the server after the session ends (where
// max_prepared_transactions is above 0): its locks stay held, its shadow
// database cannot be dropped, and it holds back the xmin horizon of every
// database, the live ones' vacuum included, as a replication slot holds
// WAL. It was not beyond-database, so plan.shadow: live ran it there.
func TestAttackReachPreparedTransaction(t *testing.T) {
	checkReach(t, []reachCase{
		{"prepare transaction", "BEGIN;\nCREATE TABLE a (id int);\nPREPARE TRANSACTION 'left';", []string{"3:PREPARE TRANSACTION"}},
		{"prepare a statement", "PREPARE q AS SELECT 1", nil},
	})
}

// TestAttackReachQueryTextFunctions: functions that run a query given as
// text (query_to_xml and its kin, ts_stat, ts_rewrite's two-argument
// form) are SQL run at run time without EXECUTE: the classifier read the
// text as a string, so `SELECT query_to_xml('select pg_read_file(...)',
// ...)` read the live server's files under plan.shadow: live (checked on
// PostgreSQL 15). A literal query is judged as SQL; one built at run time
// cannot be judged.
func TestAttackReachQueryTextFunctions(t *testing.T) {
	checkReach(t, []reachCase{
		{"query_to_xml", `SELECT query_to_xml('select pg_read_file(''/etc/passwd'')', true, false, '')`, []string{"1:pg_read_file()"}},
		{"query_to_xml_and_xmlschema", "SELECT 1;\nSELECT pg_catalog.query_to_xml_and_xmlschema('select pg_terminate_backend(1)', true, false, '')", []string{"2:pg_terminate_backend()"}},
		{"ts_stat", `SELECT * FROM ts_stat('select to_tsvector(pg_read_file(''/etc/passwd''))')`, []string{"1:pg_read_file()"}},
		{"ts_rewrite", `SELECT ts_rewrite('a'::tsquery, 'select ''a''::tsquery, to_tsquery(pg_read_file(''/etc/passwd''))')`, []string{"1:pg_read_file()"}},
		{"built query", `SELECT query_to_xml(format('select pg_%s_file(%L)', 'read', '/etc/passwd'), true, false, '')`, []string{"1:query_to_xml() of SQL built at run time"}},
		{"harmless query", `SELECT query_to_xml('select 1', true, false, '')`, nil},
		{"ts_rewrite, a call first", `SELECT ts_rewrite(to_tsquery('a'), 'select ''a''::tsquery, to_tsquery(pg_read_file(''/etc/passwd''))')`, []string{"1:pg_read_file()"}},
		{"ts_rewrite of three", `SELECT ts_rewrite('a & b'::tsquery, 'a'::tsquery, 'c'::tsquery)`, nil},
	})
}

// TestAttackReachSecretCatalogs: the server's role password hashes
// (pg_authid, pg_shadow) and the credentials of user mappings
// (pg_user_mapping, pg_user_mappings) are shared by every database, and a
// superuser reads them from any. A migration that RAISEd them was not
// beyond-database, so under plan.shadow: live `migrate plan` printed the
// live server's SCRAM verifiers in its error, in the pull request's CI log
// (checked on PostgreSQL 15).
func TestAttackReachSecretCatalogs(t *testing.T) {
	checkReach(t, []reachCase{
		{"pg_authid in a DO block", "CREATE TABLE a (id int);\nDO $$ BEGIN RAISE EXCEPTION '%', (SELECT string_agg(rolpassword, ',') FROM pg_authid); END $$;", []string{"2:pg_authid"}},
		{"pg_shadow", "SELECT passwd FROM pg_catalog.pg_shadow", []string{"1:pg_shadow"}},
		{"user mappings", "SELECT umoptions FROM pg_user_mappings", []string{"1:pg_user_mappings"}},
		{"role names", "SELECT rolname FROM pg_authid", []string{"1:pg_authid"}},
		{"a column of that name is no catalog", "SELECT 1 AS pg_authid_count", nil},
		{"pg_roles hides the hashes", "SELECT rolname, rolpassword FROM pg_roles", nil},
	})
}

// TestAttackReachServerConfigReads: the server's configuration files
// (pg_file_settings: postgresql.conf's lines as written; pg_hba_file_rules,
// pg_ident_file_mappings) and primary_conninfo, which may hold the
// replication password, are the whole server's; a superuser reads them
// from any database and a RAISE carries them into the preview's error.
func TestAttackReachServerConfigReads(t *testing.T) {
	checkReach(t, []reachCase{
		{"file settings", "SELECT string_agg(name || '=' || setting, ',') FROM pg_file_settings", []string{"1:pg_file_settings"}},
		{"hba", "SELECT * FROM pg_catalog.pg_hba_file_rules", []string{"1:pg_hba_file_rules"}},
		{"ident", "SELECT * FROM pg_ident_file_mappings", []string{"1:pg_ident_file_mappings"}},
		{"show primary_conninfo", "SHOW primary_conninfo", []string{"1:primary_conninfo"}},
		{"current_setting", "DO $$ BEGIN RAISE EXCEPTION '%', current_setting('primary_conninfo'); END $$", []string{"1:primary_conninfo"}},
		{"other settings", "SELECT current_setting('search_path')", nil},
	})
}
