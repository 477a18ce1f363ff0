package verify

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/migrate"
)

// TestBudget: a preview's migration files are held to plan.max_file_size
// each and plan.max_total_size together, a sparse file is refused without
// being read, and the error says which file, its size, the cap and the
// setting to raise, exit 2.
func TestBudget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, size int64) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	write("000001_a.up.sql", 3000)
	write("000002_b.up.sql", 3000)
	write("000003_sparse.up.sql", 1<<40) // a terabyte, all of it a hole
	src, err := migrate.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\nplan:\n  max_file_size: 4000B\n  max_total_size: 5000B\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := NewBudget(cfg, "dbguard migrate plan")
	if data, err := b.Read(src, "000001_a.up.sql"); err != nil || len(data) != 3000 {
		t.Fatalf("first file: %d bytes, %v", len(data), err)
	}
	var se *SizeError
	_, err = b.Read(src, "000002_b.up.sql")
	if !errors.As(err, &se) || se.Key != "max_total_size" || se.Size != 6000 || exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("second file: %v", err)
	}
	if !strings.Contains(err.Error(), "come to 6,000 bytes with it, over plan.max_total_size (5000B)") || !strings.Contains(se.Hint(), "max_total_size: 1MiB  under plan: in dbguard.yaml:4") || !strings.HasSuffix(se.Hint(), "then run: dbguard migrate plan") {
		t.Errorf("second file: %v (%s)", err, se.Hint())
	}
	_, err = NewBudget(cfg, "dbguard ci").Read(src, "000003_sparse.up.sql")
	if !errors.As(err, &se) || se.Key != "max_file_size" || se.Size != 1<<40 {
		t.Fatalf("sparse file: %v", err)
	}
	if !strings.Contains(err.Error(), "1,099,511,627,776 bytes, over plan.max_file_size (4000B)") || !strings.Contains(se.Hint(), "max_file_size: 1024GiB") {
		t.Errorf("sparse file: %v (%s)", err, se.Hint())
	}
}

// With schema.shadow_url, every up file was read whole before anything
// ran, to refuse one that acts beyond the database, without the preview's
// caps: verify --shadow reads no pending file otherwise, so a pull
// request's sparse terabyte of a pending file was read into memory
// (s13-review6c). It is refused unread now, exit 2, naming the file.
func TestAttackRefuseBeyondCapped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "000001_a.up.sql"), []byte("CREATE TABLE a (id int);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "000002_sparse.up.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 40); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = refuseBeyond(dir, "schema.shadow_url", NewBudget(cfg, "dbguard verify --shadow"))
	var se *SizeError
	if !errors.As(err, &se) || se.Key != "max_file_size" || !strings.HasSuffix(se.File, "000002_sparse.up.sql") || exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("refuseBeyond: %v, want a max_file_size SizeError at 000002_sparse.up.sql", err)
	}
}
