package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConcurrencyFindsGoMethods: a goroutine started by a Go method
// (sync.WaitGroup.Go, errgroup.Group.Go), as envcheck's and migrate's
// workers are since Go 1.25, is a goroutine as a go statement is; the
// rule missed it, so a listed package that gained one would have run
// unraced.
func TestConcurrencyFindsGoMethods(t *testing.T) {
	name := filepath.Join(t.TempDir(), "w.go")
	src := "package w\n\nimport \"sync\"\n\nfunc f() {\n\tvar wg sync.WaitGroup\n\twg.Go(func() {})\n\twg.Wait()\n}\n"
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if found := concurrency(t, name, false); len(found) != 1 || !strings.Contains(found[0], "w.go:7") {
		t.Errorf("wg.Go found as %q, want one goroutine at w.go:7", found)
	}
}
