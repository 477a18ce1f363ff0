package migrate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// An applied file edited after Open read it ahead, while the run waited
// longer than aheadFresh (here: any wait), is read again and refused.
func TestAheadStaleIsReadAgain(t *testing.T) {
	ctx := context.Background()
	dbURL, dir, _ := migrated(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);", "2_b.up.sql": "CREATE TABLE b (id int);"})
	defer func(d time.Duration) { aheadFresh = d }(aheadFresh)
	aheadFresh = 0
	r := open(t, dbURL, dir, nil)
	r.ahead.wg.Wait() // read ahead, as they were when applied
	write(t, dir, "1_a.up.sql", "CREATE TABLE a (id bigint);")
	var edited *EditedError
	if err := r.Up(ctx, 0); !errors.As(err, &edited) || edited.Edited[0].Version != 1 {
		t.Fatalf("up over a file edited after it was read ahead = %v", err)
	}
}

// A checksum read ahead that disagrees with the ledger is not a verdict:
// the file is read again under the lock. Here it was edited when Open read
// it and put back before the run (as when a colleague's run, holding the
// lock, applies the file as it is on the disk now): nothing is edited.
func TestAheadDisagreeingIsReadAgain(t *testing.T) {
	ctx := context.Background()
	dbURL, dir, _ := migrated(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);", "2_b.up.sql": "CREATE TABLE b (id int);"})
	defer func(d time.Duration) { aheadFresh = d }(aheadFresh)
	aheadFresh = time.Hour
	write(t, dir, "1_a.up.sql", "CREATE TABLE a (id bigint);")
	r := open(t, dbURL, dir, nil)
	r.ahead.wg.Wait()
	write(t, dir, "1_a.up.sql", "CREATE TABLE a (id int);")
	if err := r.Up(ctx, 0); err != nil {
		t.Fatalf("up over a file as the ledger has it = %s", errorText(err))
	}
}

// What is read ahead is what the ledger compares: a no-op run over files
// read ahead refuses nothing, and each checksum is the file's.
func TestAheadSumsAreTheFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := map[string]string{}
	for _, n := range []string{"1_a", "2_b", "3_c", "4_d", "5_e"} {
		fs[n+".up.sql"] = "CREATE TABLE " + n[2:] + " (id int);"
	}
	dbURL, dir, _ := migrated(t, fs)
	r := open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(errorText(err))
	}
	if !r.ahead.taken {
		t.Fatal("the run did not take the checksums read ahead")
	}
	for name := range fs {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.files[name].sum; got != checksum(data) {
			t.Errorf("%s: %q, want %q", name, got, checksum(data))
		}
	}
}

// Once the version is known, files above it (pending: checkFiles reads
// them) are not read ahead; after stop, nothing more is.
func TestAheadStopsAtTheVersion(t *testing.T) {
	t.Parallel()
	src := &Source{Dir: "m"}
	for v := uint(1); v <= 5; v++ {
		src.Migrations = append(src.Migrations, Migration{Version: v, Up: string(rune('0'+v)) + "_x.up.sql"})
	}
	gate := make(chan struct{})
	var mu sync.Mutex
	var read []string
	a := sumAhead(src, func(name string) ([]byte, error) {
		if name == src.Migrations[0].Up {
			<-gate
		}
		mu.Lock()
		read = append(read, name)
		mu.Unlock()
		return []byte(name), nil
	})
	a.upTo(2)
	close(gate)
	files := map[string]fileInfo{}
	set := map[int]*Entry{}
	for _, m := range src.Migrations {
		set[int(m.Version)] = &Entry{Checksum: checksum([]byte(m.Up))}
	}
	a.take(files, set)
	if len(read) != 2 || len(files) != 2 {
		t.Fatalf("read %q ahead, kept %d; want the two files at or below version 2", read, len(files))
	}
	if files["2_x.up.sql"].sum != checksum([]byte("2_x.up.sql")) {
		t.Errorf("kept %v", files)
	}
	a.stop()
}

// A file over aheadMaxBytes is not read ahead: a pending one of 100 MiB
// (sparse) was read and summed by every command that opened a runner,
// migrate version too, before the version said it was pending. The small
// file beside it still is; the large one's checksum is left empty, for the
// read under the lock.
func TestAheadLeavesALargeFile(t *testing.T) {
	t.Parallel()
	dbURL, dir, _ := migrated(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);"})
	big := filepath.Join(dir, "2_big.up.sql")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 100<<20); err != nil {
		t.Fatal(err)
	}
	r := open(t, dbURL, dir, nil)
	r.ahead.wg.Wait()
	sums := map[string]string{}
	for i, name := range r.ahead.names {
		sums[name] = r.ahead.sums[i]
	}
	if sums["1_a.up.sql"] != checksum([]byte("CREATE TABLE a (id int);")) {
		t.Errorf("1_a.up.sql read ahead as %q, want its checksum", sums["1_a.up.sql"])
	}
	if sums["2_big.up.sql"] != "" {
		t.Errorf("the 100 MiB file was read ahead (checksum %s)", sums["2_big.up.sql"])
	}
	if _, err := r.readAhead("2_big.up.sql"); !errors.Is(err, errLarge) {
		t.Errorf("readAhead of the 100 MiB file = %v, want errLarge", err)
	}
	// Through the root, as a link in the folder and every system without
	// readAt read it: not read whole either.
	if err := os.Symlink("2_big.up.sql", filepath.Join(dir, "3_big.up.sql")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.readAhead("3_big.up.sql"); !errors.Is(err, errLarge) {
		t.Errorf("readAhead of a link to the 100 MiB file = %v, want errLarge", err)
	}
}
