package migrate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// A late migration (run out of order) was read to run, then read again
// for the checksum and shape the ledger records: a file that changes
// between the two reads (here a FIFO, which also gives a different text to
// every reader) ran one text while the ledger recorded another's checksum,
// and was not refused as a file that is not regular, as every other file
// that runs is. The late file must be checked as the others are, and the
// ledger must record the bytes that ran.
func TestAttackLateFileReadTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"3_c.up.sql": "CREATE TABLE c (id int);",
	})
	r := open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	late := filepath.Join(dir, "2_b.up.sql")
	if err := os.WriteFile(late, []byte("CREATE TABLE b (id int);"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = open(t, dbURL, dir, func(o *Options) { o.AllowOutOfOrder = true })
	// Swapped after dbguard listed the folder.
	if err := os.Remove(late); err != nil {
		t.Fatal(err)
	}
	fifotest.Make(t, late)
	var mu sync.Mutex
	done := make(chan struct{})
	served := 0
	go func() {
		defer close(done)
		for i := 1; ; i++ {
			f, err := os.OpenFile(late, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			mu.Lock()
			stop := served < 0
			served = i
			mu.Unlock()
			if stop {
				f.Close()
				return
			}
			fmt.Fprintf(f, "CREATE TABLE b%d (id int);", i)
			f.Close()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		served = -1
		mu.Unlock()
		// Release a writer waiting for a reader.
		if f, err := os.OpenFile(late, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		os.Remove(late)
		<-done
	})
	err := r.Up(ctx, 0)
	ran := ""
	for i := 1; i <= 20; i++ {
		if len(columns(t, dbURL, fmt.Sprintf("b%d", i))) == 1 {
			ran = fmt.Sprintf("CREATE TABLE b%d (id int);", i)
		}
	}
	if err == nil && ran == "" {
		t.Fatal("up succeeded and no late table was created")
	}
	if ran == "" {
		// Refused, nothing ran: say which file.
		if txt := errorText(err); !strings.Contains(txt, "2_b.up.sql") {
			t.Errorf("up = %s, want the late file named", txt)
		}
		return
	}
	for _, e := range history(t, r) {
		if e.Version == 2 && e.Checksum != checksum([]byte(ran)) {
			t.Errorf("the ledger records checksum %s for version 2; the text that ran (%q) is %s", e.Checksum, ran, checksum([]byte(ran)))
		}
	}
	t.Errorf("a FIFO ran as a migration (%q); up = %v", ran, err)
}
