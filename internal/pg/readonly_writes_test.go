package pg

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// writesReadOnly are server functions that write (a large object, the
// notification queue, a transaction id and its WAL, the statistics, a WAL
// record) and that PostgreSQL 15 runs in a read-only transaction all the
// same: default_transaction_read_only (a preview's live session) does not
// stop them.
var writesReadOnly = []string{
	"lo_create(0)", "lo_creat(-1)", "lo_from_bytea(0, '\\x00')", "pg_notify('dbguard_test', 'x')",
	"txid_current()", "pg_current_xact_id()", "pg_stat_reset()",
	"pg_logical_emit_message(false, 'dbguard_test', 'x')",
}

// The premise, against the real server: each of writesReadOnly runs in a
// session of dbguard's read-only kind (ReadOnly, directly), and what
// lo_create made is there for every other session afterwards.
func TestReadOnlySessionStillRunsTheseWrites(t *testing.T) {
	t.Parallel()
	_, direct := pgtest.NamedDB(t)
	ctx := context.Background()
	u, err := dburl.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := Connect(ctx, ConnectOptions{URL: u, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ro string
	if err := db.QueryRowContext(ctx, "SHOW transaction_read_only").Scan(&ro); err != nil || ro != "on" {
		t.Fatalf("transaction_read_only = %q (%v), want on", ro, err)
	}
	for _, call := range writesReadOnly {
		if _, err := db.ExecContext(ctx, "SELECT pg_catalog."+call); err != nil {
			// wal_level minimal refuses a logical message; the others run.
			if !strings.Contains(call, "logical") {
				t.Errorf("%s in a read-only session: %v; if PostgreSQL now refuses it, take it off writesReadOnly", call, err)
			}
		}
	}
	other, _, err := Connect(ctx, ConnectOptions{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var n int
	if err := other.QueryRowContext(ctx, "SELECT pg_catalog.count(*)::int FROM pg_catalog.pg_largeobject_metadata").Scan(&n); err != nil || n < 3 {
		t.Errorf("large objects after the read-only session: %d (%v), want its 3", n, err)
	}
}

// No SQL dbguard's code sends calls one of writesReadOnly (or the large
// object functions that change one): the read-only sessions of the
// previews hold only because dbguard's own statements there write
// nothing that default_transaction_read_only lets through. Every string
// literal of the program's Go files (tests aside) is searched.
func TestNoReadOnlyWriteInDbguardsSQL(t *testing.T) {
	t.Parallel()
	names := []string{"lowrite", "lo_put", "lo_truncate", "lo_truncate64", "lo_unlink", "lo_import", "lo_export", "pg_stat_reset_shared", "pg_stat_reset_single_table_counters", "pg_switch_wal", "pg_create_restore_point"}
	for _, c := range writesReadOnly {
		names = append(names, c[:strings.IndexByte(c, '(')])
	}
	call := regexp.MustCompile(`(?i)\b(` + strings.Join(names, "|") + `)\s*\(`)
	fset := token.NewFileSet()
	seen := 0
	for _, top := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(p, "/pgtest/") {
				return nil
			}
			f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			seen++
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && call.MatchString(s) {
					t.Errorf("%s: dbguard's SQL calls %s, which writes in a read-only transaction", fset.Position(lit.Pos()), call.FindString(s))
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen < 100 {
		t.Fatalf("read %d Go files: the walk missed the program", seen)
	}
}
