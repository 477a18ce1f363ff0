package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
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

// fakeInstall writes an initdb printing version and an empty postgres in a
// fresh folder, and returns the folder and a count of initdb's runs.
func fakeInstall(t *testing.T, version string) (string, func() int) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(t.TempDir(), "runs")
	script := "#!/bin/sh\necho run >> '" + log + "'\necho 'initdb (PostgreSQL) " + version + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "initdb"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "postgres"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "run\n")
	}
}

// The version cache is a file in the user's cache folder, which anything
// running as the user (a migration tool's code in an earlier preview) or a
// shared XDG_CACHE_HOME can write: its entry is data, never a path or
// terminal text. The version names the template cluster's folder
// (templateDir) and is printed in the sandbox's announcement, so an entry
// with "/../" sent the template outside the cache and one with an escape
// sequence reached the terminal.
func TestAttackVersionCacheEntryIsNoPath(t *testing.T) {
	for _, forged := range []string{
		"initdb (PostgreSQL) 15.1/../../../../../../tmp/elsewhere\n",
		"initdb (PostgreSQL) 15.1\x1b]0;pwned\x07\n",
		"initdb (PostgreSQL) 15\\..\\..\\x\n",
	} {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		dir, runs := fakeInstall(t, "15.99")
		if _, ok := probe(dir); !ok {
			t.Fatal("probe of the fake installation failed")
		}
		key := versionKey(dir, filepath.Join(dir, "initdb"))
		if err := os.WriteFile(filepath.Join(versionsDir(), key), []byte(forged), 0o600); err != nil {
			t.Fatal(err)
		}
		b, ok := probe(dir)
		if !ok || b.Full != "15.99" || b.Major != 15 {
			t.Errorf("forged entry %q: probe gave %+v %v; want the installation's own 15.99", forged, b, ok)
		}
		if n := runs(); n != 2 {
			t.Errorf("forged entry %q: initdb --version ran %d times; want 2 (asked again)", forged, n)
		}
		if td := templateDir(b); td != "" && !strings.HasPrefix(td, filepath.Join(os.Getenv("XDG_CACHE_HOME"), "dbguard", "sandbox")+"/") {
			t.Errorf("forged entry %q: the template folder is %s, outside the cache", forged, td)
		}
	}
}

// An entry swapped for a FIFO (or anything but a regular file) is not
// waited on: the start of every preview would hang on it.
func TestAttackVersionCacheEntryFIFO(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir, _ := fakeInstall(t, "15.99")
	if _, ok := probe(dir); !ok {
		t.Fatal("probe of the fake installation failed")
	}
	entry := filepath.Join(versionsDir(), versionKey(dir, filepath.Join(dir, "initdb")))
	if err := os.Remove(entry); err != nil {
		t.Fatal(err)
	}
	fifotest.Make(t, entry)
	b, ok := fifotest.Within(5*time.Second, func() Binaries { b, _ := probe(dir); return b })
	if !ok {
		t.Fatal("probe waited on a FIFO in the version cache")
	}
	if b.Full != "15.99" {
		t.Errorf("with a FIFO entry: probe gave %+v; want 15.99", b)
	}
}

// A version cache folder others may write to (a shared XDG_CACHE_HOME, a
// folder made by someone else) is not read: its entry could name any
// plain version, and the sandbox would run one installation as another.
func TestAttackVersionCacheFolderOthersWrite(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir, runs := fakeInstall(t, "16.4")
	if _, ok := probe(dir); !ok {
		t.Fatal("probe of the fake installation failed")
	}
	entry := filepath.Join(versionsDir(), versionKey(dir, filepath.Join(dir, "initdb")))
	if err := os.WriteFile(entry, []byte("initdb (PostgreSQL) 14.9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(versionsDir(), 0o777); err != nil {
		t.Fatal(err)
	}
	if b, ok := probe(dir); !ok || b.Full != "16.4" || b.Major != 16 {
		t.Errorf("with the cache folder open to all: probe gave %+v %v; want the installation's own 16.4", b, ok)
	}
	if n := runs(); n != 2 {
		t.Errorf("initdb --version ran %d times; want 2 (asked again)", n)
	}
}
