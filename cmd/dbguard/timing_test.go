package main

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// migrate up prints each migration's own time, the span the ledger
// records, not golang-migrate's, which counts from when it read the file
// ahead and so includes the migrations before it: the fourth of four
// 300 ms files printed about 1.2 s.
//
// Serial, and not beside the static build the whole-package run starts
// ahead: its 250 ms bound failed once with the link beside it, at load 24
// (printed 656 ms for 388 ms), when the serial phase reached it 1.5 s in.
func TestUpPrintsEachMigrationsOwnTime(t *testing.T) {
	waitBuildAhead()
	dbURL := pgtest.DB(t)
	files := map[string]string{".env": "DATABASE_URL=" + dbURL + "\n"}
	for v := 1; v <= 4; v++ {
		files[fmt.Sprintf("migrations/%06d_m%d.up.sql", v, v)] = fmt.Sprintf("CREATE TABLE took_%d (id int); SELECT pg_sleep(0.3);", v)
	}
	dir := writeTree(t, files)
	_, stderr, code := runIn(t, dir, "migrate", "up", "--no-verify")
	if code != 0 {
		t.Fatalf("migrate up: exit %d\n%s", code, stderr)
	}
	printed := map[int]time.Duration{}
	for _, m := range regexp.MustCompile(`(?m)^dbguard: migrated (\d+)/u \S+ \((\S+)\)$`).FindAllStringSubmatch(stderr, -1) {
		var v int
		fmt.Sscan(m[1], &v)
		d, err := time.ParseDuration(m[2])
		if err != nil {
			t.Fatal(err)
		}
		printed[v] = d
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), "SELECT version, finished_at - started_at FROM dbguard_migrations ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var v int
		var took time.Duration
		if err := rows.Scan(&v, &took); err != nil {
			t.Fatal(err)
		}
		n++
		// A round trip and a loaded machine's scheduling apart; the old
		// figure was off by every earlier migration's 300 ms.
		if p, ok := printed[v]; !ok || p < took || p > took+250*time.Millisecond {
			t.Errorf("migration %d: printed %v, the ledger recorded %v", v, p, took)
		}
	}
	if n != 4 {
		t.Errorf("the ledger has %d rows, want 4; printed:\n%s", n, stderr)
	}
}
