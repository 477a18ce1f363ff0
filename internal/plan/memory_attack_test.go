package plan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// procStatusKB is a "Name:   123 kB" field of /proc/self/status.
func procStatusKB(t *testing.T, name string) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if k, v, ok := bytes.Cut(sc.Bytes(), []byte(":")); ok && string(k) == name {
			f := bytes.Fields(v)
			if len(f) > 0 {
				n, err := strconv.ParseInt(string(f[0]), 10, 64)
				if err == nil {
					return n
				}
			}
		}
	}
	t.Skipf("/proc/self/status has no %s", name)
	return 0
}

// peakGrowthMB is how far this process's resident memory rose above where
// it stood before f, at its highest (VmHWM, reset first through
// /proc/self/clear_refs).
func peakGrowthMB(t *testing.T, f func()) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak resident size: %v", err)
	}
	before := procStatusKB(t, "VmRSS")
	f()
	return (procStatusKB(t, "VmHWM") - before) / 1024
}

// TestAttackPlanMemoryBoundedByItsInput: a pending file of sixty bytes can
// make the sandbox send gigabytes, in rows (SELECT repeat('x', 1048576)
// FROM generate_series(1, 300)) or in notices (RAISE NOTICE in a loop);
// migrate up's Exec drops both, but the plan's trace kept every row of
// every result and every notice of the statement in flight, so a pull
// request could make dbguard ci take all the runner's memory. Before: the
// peak grew by the 300 MiB the file asked for, on each of the trace's
// three ways of running a file (whole, one query, statement by
// statement); the rows of the file's own statements are now read and
// dropped, and only the server's messages the trace reads are kept.
//
// The file asks for attackMiB (64 MiB) and the peak may grow by half of
// it: the fixed trace grows by 1-14 MiB whatever the size (measured at
// 300, 100 and 64 MiB; 300 MiB, the size first measured, cost about 10 s
// of CPU for the same verdict, 100 MiB 3.7 s), and a trace that keeps
// what the server sends grows by all of it, or, one whose file's rows
// were kept as a read, by up to maxRead (64 MiB) before it drops them:
// at 64 MiB both are twice the bound.
func TestAttackPlanMemoryBoundedByItsInput(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self")
	}
	ctx := context.Background()
	pgtest.Must(t)
	const attackMiB = 64
	n := strconv.Itoa(attackMiB)
	rows := "SELECT repeat('x', 1048576) FROM generate_series(1, " + n + ");\n"
	notices := "DO $$ BEGIN FOR i IN 1.." + n + " LOOP RAISE NOTICE '%', repeat('n', 1048576); END LOOP; END $$;\n"
	debugs := "DO $$ BEGIN FOR i IN 1.." + n + " LOOP RAISE DEBUG 'building index \"%\" on table \"users\"', repeat('d', 1048576); END LOOP; END $$;\n"
	for _, c := range []struct{ name, first, attack string }{
		// Nothing exists before the file: run whole, as golang-migrate does.
		{"whole rows", "", rows},
		{"whole notices", "", notices},
		{"one query rows", "CREATE TABLE users (id int);\n", rows},
		{"one query notices", "CREATE TABLE users (id int);\n", notices},
		{"one query forged debug", "CREATE TABLE users (id int);\n", debugs},
		{"by statement rows", "CREATE TABLE users (id int);\n", "BEGIN;\n" + rows + "COMMIT;\n"},
		{"by statement notices", "CREATE TABLE users (id int);\n", "BEGIN;\n" + notices + "COMMIT;\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, liveURL := pgtest.NamedDB(t)
			dir := t.TempDir()
			mig := filepath.Join(dir, "migrations")
			if err := os.Mkdir(mig, 0o755); err != nil {
				t.Fatal(err)
			}
			files := map[string]string{"000002_attack.up.sql": c.attack, "000003_after.up.sql": "CREATE TABLE after_it (id int);\n"}
			if c.first != "" {
				files["000001_base.up.sql"] = c.first
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(mig, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			u, _ := dburl.Parse(liveURL)
			var rep *Report
			var err error
			grew := peakGrowthMB(t, func() {
				rep, err = Run(ctx, Options{Connect: pg.ConnectOptions{URL: u}, Config: config.Default(dir), Dir: mig})
			})
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if len(rep.Files) != len(files) {
				t.Errorf("the plan traced %d files, want %d: %+v", len(rep.Files), len(files), rep.Files)
			}
			if grew > attackMiB/2 {
				t.Errorf("the plan's resident memory grew by %d MiB at its peak for a file of %d bytes that makes the server send %d MiB", grew, len(c.attack), attackMiB)
			}
			t.Logf("peak growth %d MiB", grew)
		})
	}
}

// TestTraceReadBounded: a result kept as one of the trace's reads (a file
// can forge one: its column names can be built from current_query(),
// which holds the marker) is kept up to maxRead, then dropped and the
// statement failed; a file's own result is read and dropped whatever its
// size, its command tag kept.
func TestTraceReadBounded(t *testing.T) {
	ctx := context.Background()
	_, dbURL := pgtest.NamedDB(t)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	q := fmt.Sprintf("SELECT repeat('x', 1048576) FROM generate_series(1, %d);\nSELECT 1", maxRead>>20+1)
	results, err := readResults(conn.PgConn().Exec(ctx, q), func(i int, _ []pgconn.FieldDescription) bool { return true })
	if err != nil || len(results) != 2 {
		t.Fatalf("readResults: %d results, %v", len(results), err)
	}
	if !errors.Is(results[0].Err, errReadTooLarge) || results[0].Rows != nil {
		t.Errorf("a kept result over %d MiB: %d rows, error %v; want none and errReadTooLarge", maxRead>>20, len(results[0].Rows), results[0].Err)
	}
	if results[1].Err != nil || len(results[1].Rows) != 1 || string(results[1].Rows[0][0]) != "1" {
		t.Errorf("the result after it: %+v", results[1])
	}
	results, err = readResults(conn.PgConn().Exec(ctx, q), keepNone)
	if err != nil || len(results) != 2 || results[0].Err != nil || results[0].Rows != nil || results[0].CommandTag.RowsAffected() != int64(maxRead>>20+1) {
		t.Errorf("a dropped result: %d results, %v, %+v", len(results), err, results)
	}
}
