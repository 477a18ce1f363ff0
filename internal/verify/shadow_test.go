package verify

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/sandbox"
)

// The sandbox's start makes the shadow (the cluster's one database,
// sandbox.Shadow, given to the migration role) in the session that makes
// the roles, and WithShadow runs in that database: no second admin
// session, and no other database (a shared test server keeps template1).
func TestSandboxStartMakesTheShadow(t *testing.T) {
	ctx := context.Background()
	o := emptyPreview(t)
	o.Sandbox = StartSandbox(ctx, o)
	defer o.Sandbox.Close()
	if _, _, err := o.Sandbox.wait(); err != nil {
		t.Fatal(err)
	}
	made := o.Sandbox.shadow
	if made == "" {
		t.Fatal("the sandbox's start made no shadow database")
	}
	ran := false
	err := WithShadow(ctx, o, -1, func(co pg.ConnectOptions) error {
		return pg.WithConn(ctx, co, func(conn *pgx.Conn) error {
			ran = true
			var db, owner, user string
			var postgres int
			if err := conn.QueryRow(ctx, `SELECT pg_catalog.current_database(), pg_catalog.pg_get_userbyid(d.datdba), current_user,
				(SELECT pg_catalog.count(*) FROM pg_catalog.pg_database p WHERE p.datname OPERATOR(pg_catalog.<>) ALL ('{template1}'::pg_catalog.name[]) AND p.datname OPERATOR(pg_catalog.<>) pg_catalog.current_database())
				FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()`).Scan(&db, &owner, &user, &postgres); err != nil {
				return err
			}
			if db != made || db != sandbox.Shadow || owner != user || postgres != 0 {
				t.Errorf("the preview ran in %q owned by %q as %q (%d other databases); want the start's shadow %q, owned by the migration role, alone", db, owner, user, postgres, sandbox.Shadow)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Fatal("WithShadow did not run the preview")
	}
}
