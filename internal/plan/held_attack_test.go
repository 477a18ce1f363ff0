package plan

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/sqlscan"
	"github.com/jackc/pgx/v5"
)

// TestAttackTraceHeldCursor: COMMIT runs the query of a cursor declared
// WITH HOLD in its transaction to the end, after every read the plan
// makes in it. With g() running ALTER TABLE users ALTER COLUMN email SET
// NOT NULL, DECLARE c CURSOR WITH HOLD FOR SELECT g() passed with no
// finding (at 8e71665 and 9fe3fcc, batched or a statement at a time, and
// declared by a DO block's EXECUTE), where SELECT g() gives
// constraint-validated: migrate up runs g() in its COMMIT, scanning the
// live table under ACCESS EXCLUSIVE. The plan now refuses such a file at
// the DECLARE (or at the COMMIT, its own or after its last statement),
// and tells what to
// write instead; a held cursor closed before the COMMIT, or one without
// HOLD, plans as before.
func TestAttackTraceHeldCursor(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; RETURN 1; END $$;\n"
	for _, c := range []struct {
		sql      string
		line     int      // the refusal's line; 0: planned
		findings []string // when planned
	}{
		{"SET lock_timeout = '5s';\nDECLARE c CURSOR WITH HOLD FOR SELECT g();", 2, nil},
		{"BEGIN;\nSET lock_timeout = '5s';\nDECLARE c CURSOR WITH HOLD FOR SELECT g();\nCOMMIT;", 3, nil},
		{"BEGIN;\nSET lock_timeout = '5s';\nDECLARE c CURSOR WITH HOLD FOR SELECT g();\nFETCH ALL FROM c;\nCOMMIT;", 3, nil},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'DECLARE c CURSOR WITH HOLD FOR SELECT g()'; END $$;\nSELECT 1;", 3, nil},
		{"BEGIN;\nSET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'DECLARE c CURSOR WITH HOLD FOR SELECT g()'; END $$;\nCOMMIT;", 4, nil},
		// As before: the work seen where it runs, or nothing run at all.
		{"SET lock_timeout = '5s';\nSELECT g();", 0, []string{"constraint-validated 000002_p.up.sql:2"}},
		{"BEGIN;\nSET lock_timeout = '5s';\nDECLARE c CURSOR FOR SELECT g();\nFETCH ALL FROM c;\nCOMMIT;", 0, []string{"constraint-validated 000002_p.up.sql:4"}},
		{"BEGIN;\nSET lock_timeout = '5s';\nDECLARE c CURSOR WITH HOLD FOR SELECT g();\nCLOSE c;\nCOMMIT;", 0, nil},
		{"SET lock_timeout = '5s';\nDECLARE c CURSOR WITH HOLD FOR SELECT g();\nCLOSE c;", 0, nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if c.line == 0 {
			if err != nil {
				t.Errorf("%q: %v", c.sql, err)
			} else if got := findingsOf(rep); fmt.Sprint(got) != fmt.Sprint(c.findings) {
				t.Errorf("%q: findings %q, want %q", c.sql, got, c.findings)
			}
			continue
		}
		var fe *FailedError
		if !errors.As(err, &fe) {
			var got []string
			if rep != nil {
				got = findingsOf(rep)
			}
			t.Errorf("%q: err %v (findings %q), want the file refused at line %d", c.sql, err, got, c.line)
			continue
		}
		if filepath.Base(fe.File) != "000002_p.up.sql" || fe.Line != c.line || !strings.Contains(fe.Error(), "WITH HOLD") || !strings.Contains(fe.Hint(), "CLOSE the cursor") || !strings.HasSuffix(fe.Hint(), "then run: dbguard migrate plan") {
			t.Errorf("%q: %s:%d %v (%s), want line %d naming the held cursor and its fix", c.sql, fe.File, fe.Line, fe, fe.Hint(), c.line)
		}
	}
}

// TestAttackTraceHeldCursorBatch: a batch refuses a held cursor with its
// reads prepared (the guard) and sent whole (heldSQL before its COMMIT):
// either fails the batch, and the file traced a statement at a time is
// refused at the DECLARE.
func TestAttackTraceHeldCursorBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const setup = "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n" +
		"CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; RETURN 1; END $$;\n"
	const file = "SET lock_timeout = '2s';\nCREATE INDEX users_email ON users (email);\nDECLARE c CURSOR WITH HOLD FOR SELECT g();\nSELECT 1;\n"
	for _, prepared := range []bool{false, true} {
		conn, err := pgx.Connect(ctx, pgtest.DB(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, setup); err != nil {
			t.Fatal(err)
		}
		tr := tracerOn(t, ctx, conn)
		if !prepared {
			tr.guard = ""
		} else if tr.guard == "" {
			t.Fatal("the locks read was not prepared")
		}
		err = tr.file(ctx, pendingFile{version: 2, path: "f.sql", text: file, shape: sqlscan.Analyze(file)})
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Line != 3 || fe.Fix == "" {
			t.Errorf("prepared %v: err %v, findings %+v; want the file refused at line 3", prepared, err, tr.report.Findings)
		}
		var notNull bool
		if err := conn.QueryRow(ctx, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'").Scan(&notNull); err != nil {
			t.Fatal(err)
		}
		if notNull {
			t.Errorf("prepared %v: the held cursor's query ran in a COMMIT", prepared)
		}
	}
}

// TestAttackTraceHeldCursorByDeferredTrigger: a cursor a deferred trigger
// declares runs its query in the COMMIT too. The batch sent whole read
// the cursors held before the deferred triggers had run (review8g), so
// the trigger's cursor was missed and g() ran in the COMMIT.
func TestAttackTraceHeldCursorByDeferredTrigger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const setup = "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n" +
		"CREATE TABLE q (id int);\n" +
		"CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; RETURN 1; END $$;\n" +
		"CREATE FUNCTION decl() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DECLARE c2 CURSOR WITH HOLD FOR SELECT g()'; RETURN NULL; END $$;\n" +
		"CREATE CONSTRAINT TRIGGER tq AFTER INSERT ON q DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION decl();\n"
	const file = "SET lock_timeout = '2s';\nCREATE INDEX users_email ON users (email);\nINSERT INTO q VALUES (1);\nSELECT 1;\n"
	for _, prepared := range []bool{false, true} {
		conn, err := pgx.Connect(ctx, pgtest.DB(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, setup); err != nil {
			t.Fatal(err)
		}
		tr := tracerOn(t, ctx, conn)
		if !prepared {
			tr.guard = ""
		}
		err = tr.file(ctx, pendingFile{version: 2, path: "f.sql", text: file, shape: sqlscan.Analyze(file)})
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Fix == "" {
			t.Errorf("prepared %v: err %v, findings %+v; want the file refused for its held cursor", prepared, err, tr.report.Findings)
		}
		var notNull bool
		if err := conn.QueryRow(ctx, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'").Scan(&notNull); err != nil {
			t.Fatal(err)
		}
		if notNull {
			t.Errorf("prepared %v: the held cursor's query ran in a COMMIT", prepared)
		}
	}
}

// TestAttackTraceHeldCursorChangedReadSwapped: the check for a held
// cursor is in the prepared read of what changed (changedSQL), so a file
// that declares one and replaces that read with its own, without the
// check, must still be refused: the guard after the read finds it
// prepared again and fails the batch, and the file traced a statement at
// a time is refused before its COMMIT.
func TestAttackTraceHeldCursorChangedReadSwapped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const setup = "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n" +
		"CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; RETURN 1; END $$;\n"
	const file = "SET lock_timeout = '2s';\nCREATE INDEX users_email ON users (email);\nDECLARE c CURSOR WITH HOLD FOR SELECT g();\n" +
		"DO $d$ DECLARE n text; BEGIN SELECT name INTO n FROM pg_catalog.pg_prepared_statements WHERE name LIKE 'dbguard_locks_%_changed'; " +
		"IF n IS NOT NULL THEN EXECUTE format('DEALLOCATE %I', n); EXECUTE format('PREPARE %I(oid, oid, oid, bool) AS SELECT 0::int8, 0::int8, %L::text, ''''::name, ''''::name, 0::int8 WHERE false', n, 'L'); END IF; END $d$;\n"
	conn, err := pgx.Connect(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, setup); err != nil {
		t.Fatal(err)
	}
	tr := tracerOn(t, ctx, conn)
	if tr.guard == "" {
		t.Fatal("the reads were not prepared")
	}
	err = tr.file(ctx, pendingFile{version: 2, path: "f.sql", text: file, shape: sqlscan.Analyze(file)})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Line != 3 || fe.Fix == "" {
		t.Errorf("err %v, findings %+v; want the file refused at line 3", err, tr.report.Findings)
	}
	var notNull bool
	if err := conn.QueryRow(ctx, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'").Scan(&notNull); err != nil {
		t.Fatal(err)
	}
	if notNull {
		t.Error("the held cursor's query ran in a COMMIT")
	}
}
