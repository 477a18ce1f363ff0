package sqlscan

import (
	"strconv"
	"strings"
	"testing"
)

// TestReach: every statement the sandbox issue names as acting beyond one
// database is found, with its line, wherever it hides; the ordinary DDL of
// migrations is not.
func TestReach(t *testing.T) {
	cases := []reachCase{
		{"drop database", "CREATE TABLE a (id int);\nDROP DATABASE other WITH (FORCE);", []string{"2:DROP DATABASE"}},
		{"drop database if exists", "drop database if exists other", []string{"1:DROP DATABASE"}},
		{"create database", "CREATE DATABASE x", []string{"1:CREATE DATABASE"}},
		{"alter database", "ALTER DATABASE live SET search_path = evil", []string{"1:ALTER DATABASE"}},
		{"create role", "CREATE ROLE app LOGIN PASSWORD 'x'", []string{"1:CREATE ROLE"}},
		{"create user", "CREATE USER app", []string{"1:CREATE USER"}},
		{"alter role set", "ALTER ROLE app SET search_path = evil", []string{"1:ALTER ROLE"}},
		{"drop role", "DROP ROLE IF EXISTS app", []string{"1:DROP ROLE"}},
		{"alter group", "ALTER GROUP g ADD USER u", []string{"1:ALTER GROUP"}},
		{"grant role", "GRANT admin TO app", []string{"1:GRANT role"}},
		{"grant predefined role", "GRANT pg_execute_server_program TO app", []string{"1:GRANT pg_execute_server_program"}},
		{"revoke role", "REVOKE admin FROM app", []string{"1:REVOKE role"}},
		{"grant on database", "GRANT CONNECT ON DATABASE live TO app", []string{"1:GRANT ON DATABASE"}},
		{"alter system", "ALTER SYSTEM SET archive_command = 'curl x'", []string{"1:ALTER SYSTEM"}},
		{"tablespace", "CREATE TABLESPACE t LOCATION '/tmp'", []string{"1:CREATE TABLESPACE"}},
		{"copy to program", "COPY (SELECT 1 FROM t) TO PROGRAM 'touch /tmp/x'", []string{"1:COPY ... TO PROGRAM"}},
		{"copy from program", "COPY t FROM PROGRAM 'id'", []string{"1:COPY ... FROM PROGRAM"}},
		{"copy server file", "COPY t FROM '/etc/passwd'", []string{"1:COPY ... FROM a server file"}},
		{"lo_import", "SELECT lo_import('/etc/passwd')", []string{"1:lo_import()"}},
		{"pg_read_file qualified", "SELECT pg_catalog.pg_read_file('x')", []string{"1:pg_read_file()"}},
		{"terminate", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", []string{"1:pg_terminate_backend()"}},
		{"dblink quoted", `SELECT "dblink_exec"('dbname=live', 'DROP TABLE users')`, []string{"1:dblink_exec()"}},
		{"dblink extension", "CREATE EXTENSION IF NOT EXISTS dblink", []string{"1:CREATE EXTENSION dblink"}},
		{"postgres_fdw", "CREATE EXTENSION postgres_fdw;\nCREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw;\nCREATE USER MAPPING FOR app SERVER s",
			[]string{"1:CREATE EXTENSION postgres_fdw", "2:CREATE SERVER", "3:CREATE USER MAPPING"}},
		{"load", "LOAD 'evil.so'", []string{"1:LOAD"}},
		{"untrusted language", "CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$ import os $$", []string{"1:LANGUAGE plpython3u"}},
		{"c function", "CREATE OR REPLACE FUNCTION f() RETURNS int AS 'evil.so', 'f' LANGUAGE C", []string{"1:LANGUAGE c"}},
		{"reassign", "REASSIGN OWNED BY a TO b", []string{"1:REASSIGN OWNED"}},
		{"subscription", "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", []string{"1:CREATE SUBSCRIPTION"}},

		// Inside bodies.
		{"do perform dblink", "DO $$\nBEGIN\n  PERFORM dblink_exec('dbname=live', 'DROP TABLE users');\nEND $$;", []string{"3:dblink_exec()"}},
		{"do if then create role", "DO $body$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') THEN\n    CREATE ROLE app;\n  END IF;\nEND\n$body$;", []string{"4:CREATE ROLE"}},
		{"do execute literal", "DO $$ BEGIN EXECUTE 'ALTER SYSTEM SET work_mem = 1'; END $$", []string{"1:ALTER SYSTEM"}},
		{"do execute dynamic", "DO $$ BEGIN EXECUTE 'DROP ' || 'DATABASE x'; END $$", []string{"1:EXECUTE of SQL built at run time"}},
		{"do execute format", "DO $$ BEGIN EXECUTE format('CREATE ROLE %I', 'x'); END $$", []string{"1:EXECUTE of SQL built at run time"}},
		{"function body copy program", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$\nBEGIN\n  COPY t TO PROGRAM 'id';\nEND $f$;\nSELECT f();", []string{"3:COPY ... TO PROGRAM"}},
		{"quoted do body", "DO 'BEGIN PERFORM pg_terminate_backend(1); END'", []string{"1:pg_terminate_backend()"}},

		// Not beyond the database.
		{"ordinary ddl", "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\nALTER TABLE users ADD COLUMN password_hash text;\nCREATE INDEX CONCURRENTLY users_email ON users (email);", nil},
		{"grant on table", "GRANT SELECT ON users TO app;\nREVOKE ALL ON TABLE users FROM PUBLIC;\nGRANT USAGE ON SCHEMA s TO app", nil},
		{"copy stdin", "COPY users (id) FROM STDIN", nil},
		{"trusted extension", "CREATE EXTENSION IF NOT EXISTS pgcrypto", nil},
		{"plpgsql function", "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$", nil},
		{"names in strings", "COMMENT ON TABLE t IS 'no DROP DATABASE, no dblink_exec(x), no ALTER SYSTEM';\nINSERT INTO notes VALUES ('CREATE ROLE x')", nil},
		{"names in comments", "-- DROP DATABASE live\n/* COPY t TO PROGRAM 'x' */ SELECT 1", nil},
		{"column called program", "CREATE TABLE copy_jobs (program text, \"to\" text)", nil},
		{"do with plain sql", "DO $$ BEGIN UPDATE t SET a = 1; END $$", nil},
		{"set role", "SET ROLE app; RESET ROLE", nil},
	}
	checkReach(t, cases)
}

// reachCase is SQL and the acts Reach must find in it, "line:what".
type reachCase struct {
	name, sql string
	want      []string
}

// checkReach runs Reach on each case: the acts it finds, in order, each
// with a reason.
func checkReach(t *testing.T, cases []reachCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, a := range Reach(c.sql) {
				got = append(got, strconv.Itoa(a.Line)+":"+a.What)
				if a.Why == "" {
					t.Errorf("%s has no reason", a)
				}
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("Reach(%q)\n got %q\nwant %q", c.sql, got, c.want)
			}
		})
	}
}

// FuzzReach: the classifier never panics and every act it reports lies
// within the text.
func FuzzReach(f *testing.F) {
	for _, s := range []string{"DO $$ BEGIN EXECUTE 'x'; END $$", "COPY t TO PROGRAM 'x'", "GRANT a TO b", "DO '", "CREATE FUNCTION f() AS $a$ $a$ LANGUAGE", "DO $$ EXECUTE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, a := range Reach(text) {
			if a.Line < 1 || a.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("act %+v outside %q", a, text)
			}
		}
	})
}
