package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// initdb --version runs once per installation: its answer is cached under
// the binaries' identity, and a replaced initdb is asked again.
func TestProbeCachesVersion(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	log := filepath.Join(t.TempDir(), "runs")
	initdb := func(version string) {
		tmp := filepath.Join(dir, ".initdb")
		script := "#!/bin/sh\necho run >> '" + log + "'\necho 'initdb (PostgreSQL) " + version + "'\n"
		if err := os.WriteFile(tmp, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "initdb")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "postgres"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	runs := func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "run\n")
	}
	initdb("15.99")
	for i := 0; i < 3; i++ {
		b, ok := probe(dir)
		if !ok || b.Full != "15.99" || b.Major != 15 {
			t.Fatalf("probe %d: %+v %v; want 15.99", i, b, ok)
		}
	}
	if n := runs(); n != 1 {
		t.Errorf("initdb --version ran %d times for three probes; want 1", n)
	}
	initdb("16.1")
	if b, ok := probe(dir); !ok || b.Full != "16.1" || b.Major != 16 {
		t.Fatalf("after initdb was replaced: %+v %v; want 16.1", b, ok)
	}
	if n := runs(); n != 2 {
		t.Errorf("initdb --version ran %d times; want 2 (once more for the new binary)", n)
	}
	// An entry that does not read as a version is asked again, not
	// taken for a missing installation.
	entries, _ := filepath.Glob(filepath.Join(versionsDir(), "*"))
	for _, e := range entries {
		if err := os.WriteFile(e, []byte("garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if b, ok := probe(dir); !ok || b.Full != "16.1" {
		t.Fatalf("with a damaged entry: %+v %v; want 16.1", b, ok)
	}
	if n := runs(); n != 3 {
		t.Errorf("initdb --version ran %d times; want 3 (once more for the damaged entry)", n)
	}
}
