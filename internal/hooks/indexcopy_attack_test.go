package hooks

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"runtime"
	"strings"
	"testing"
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
