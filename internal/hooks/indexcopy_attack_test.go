package hooks

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// A hostile repository's migrations can hold a .sql blob of gigabytes of
// zeros that is a few KiB in the object store. The hook's copy of the
// index's configuration read every blob into memory (twice: git's output,
// then each blob) and only then compared the total with its limit, so a
// commit beside an unstaged dbguard.yaml edit took the machine's memory.
// The sizes are read first; past the limit nothing is read.
func TestAttackIndexCopyReadsSizesFirst(t *testing.T) {
	dir, git := gitRepo(t)
	hash := exec.Command("git", "hash-object", "-w", "--stdin")
	hash.Dir = dir
	hash.Stdin = bytes.NewReader(make([]byte, maxCopied+1))
	out, err := hash.Output()
	if err != nil {
		t.Fatal(err)
	}
	git("update-index", "--add", "--cacheinfo", "100644,"+strings.TrimSpace(string(out))+",db/migrations/001_big.sql")

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err = Git{Dir: dir}.copyIndex(context.Background(), t.TempDir(), copied)
	runtime.ReadMemStats(&after)
	var tm *TooMuchError
	if !errors.As(err, &tm) {
		t.Fatalf("copyIndex: %v, want a TooMuchError", err)
	}
	if tm.Largest != "db/migrations/001_big.sql" || !strings.Contains(err.Error(), "db/migrations/001_big.sql") {
		t.Errorf("the error names %q: %v", tm.Largest, err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("copyIndex allocated %d MiB for a blob it refuses", n>>20)
	}
}

// Two of the index's names that one file system takes for one (M.sql and
// m.sql/x.sql on macOS or Windows: case, or a Unicode form) made the
// copy of the index's configuration fail on mkdirat with the system's
// bare error, no name of the index's and no way on. The error names the
// entry and the clash, and its hint lists the clashing names (run here as
// printed).
func TestIndexCopyNameClashSaysWhich(t *testing.T) {
	dir, git := gitRepo(t)
	hash := exec.Command("git", "hash-object", "-w", "--stdin")
	hash.Dir = dir
	hash.Stdin = strings.NewReader("SELECT 1;\n")
	out, err := hash.Output()
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(string(out))
	git("update-index", "--add", "--cacheinfo", "100644,"+id+",M.sql")
	git("update-index", "--add", "--cacheinfo", "100644,"+id+",m.sql/x.sql")
	// This file system tells the names apart: the copy is given the
	// file a case-insensitive one would have made of M.sql.
	to := t.TempDir()
	if err := os.WriteFile(filepath.Join(to, "m.sql"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err = Git{Dir: dir}.copyIndex(context.Background(), to, copied)
	var ce *ClashError
	if !errors.As(err, &ce) {
		t.Fatalf("copyIndex: %v, want a ClashError", err)
	}
	if ce.Path != "m.sql/x.sql" || ce.Clash != "m.sql" || !strings.Contains(err.Error(), "m.sql/x.sql") {
		t.Errorf("the error names %q and %q: %v", ce.Path, ce.Clash, err)
	}
	if exitcode.Of(err) != exitcode.Usage {
		t.Errorf("exit code %d, want %d", exitcode.Of(err), exitcode.Usage)
	}
	cmd, _, _ := strings.Cut(ce.Hint(), " lists")
	sh := exec.Command("sh", "-c", cmd)
	sh.Dir = dir
	listed, err := sh.Output()
	if err != nil {
		t.Fatalf("the hint's command %q: %v", cmd, err)
	}
	if got := strings.Fields(string(listed)); len(got) != 2 || got[0] != "M.sql" || got[1] != "m.sql/x.sql" {
		t.Errorf("the hint's command %q lists %q, want M.sql and m.sql/x.sql", cmd, got)
	}
}
