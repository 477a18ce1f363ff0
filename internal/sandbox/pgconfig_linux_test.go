package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakePgConfig puts a pg_config on a PATH of its own (the only folder on
// it) that answers with bindir and counts its runs, and returns the count.
func fakePgConfig(t *testing.T, bindir string) (set func(answer string), runs func() int) {
	t.Helper()
	pathDir := t.TempDir()
	log := filepath.Join(t.TempDir(), "runs")
	set = func(answer string) {
		tmp := filepath.Join(pathDir, ".pg_config")
		script := "#!/bin/sh\necho run >> '" + log + "'\necho '" + answer + "'\n"
		if err := os.WriteFile(tmp, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(pathDir, "pg_config")); err != nil {
			t.Fatal(err)
		}
	}
	set(bindir)
	t.Setenv("PATH", pathDir)
	return set, func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "run\n")
	}
}

// fakeLayout is a Debian-like installation, root/lib/15/bin, with the
// server programs and a pg_config of its own; it returns root and bin.
func fakeLayout(t *testing.T, version string) (string, string) {
	t.Helper()
	root := t.TempDir()
	bin := filepath.Join(root, "lib", strings.SplitN(version, ".", 2)[0], "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"initdb":    "#!/bin/sh\necho 'initdb (PostgreSQL) " + version + "'\n",
		"postgres":  "",
		"pg_config": "#!/bin/sh\necho '" + bin + "'\n",
	} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root, bin
}

// pg_config runs once while nothing that decides its answer changes: the
// pg_config on PATH, the folder it named, the folders above that one and
// the pg_config in it. Each change is asked again, Find still finds the
// installation from the cached answer, and the cache holds one entry per
// pg_config, not one per working folder.
func TestPgConfigAnswerCached(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv(EnvBinDir, "")
	root, bin := fakeLayout(t, "15.99")
	set, runs := fakePgConfig(t, bin)
	want := 1
	ask := func(step string) {
		t.Helper()
		if d, ok := pgConfigBindir(nil); !ok || d != bin {
			t.Fatalf("%s: pgConfigBindir = %q, %v; want %q", step, d, ok, bin)
		}
		if n := runs(); n != want {
			t.Fatalf("%s: pg_config ran %d times; want %d", step, n, want)
		}
	}
	ask("first")
	ask("second, from the cache")
	if found := Find(); !slices.ContainsFunc(found, func(b Binaries) bool { return b.Dir == bin && b.Full == "15.99" }) {
		t.Errorf("Find from the cached answer: %+v; want %s", found, bin)
	}
	ask("after Find, from the cache")

	set(bin) // the same script, a new file: a new identity
	want++
	ask("pg_config on PATH replaced")
	ask("then cached again")

	// Another version installed beside it: Debian's pg_config would now
	// name that one.
	if err := os.MkdirAll(filepath.Join(root, "lib", "16", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	want++
	ask("a folder added beside the version")

	if err := os.WriteFile(filepath.Join(bin, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	want++
	ask("a file added to the folder it named")

	tmp := filepath.Join(bin, ".pg_config")
	if err := os.WriteFile(tmp, []byte("#!/bin/sh\necho '"+bin+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(bin, "pg_config")); err != nil {
		t.Fatal(err)
	}
	want++
	ask("the installation's pg_config upgraded")

	// One entry per pg_config, whatever the working folder or the rest
	// of PATH: not one file more for every folder a plan runs in.
	count := func() int {
		entries, _ := filepath.Glob(filepath.Join(versionsDir(), "pg_config-*"))
		return len(entries)
	}
	n := count()
	t.Chdir(t.TempDir())
	ask("another working folder, from the cache")
	t.Setenv("PATH", os.Getenv("PATH")+":"+t.TempDir())
	ask("another PATH with the same pg_config first, from the cache")
	if count() != n {
		t.Errorf("%d pg_config entries in the cache after another folder and PATH, want %d", count(), n)
	}

	// The same pg_config through a link ahead on PATH is the same entry
	// (/bin and /usr/bin); another pg_config there is another.
	link := t.TempDir()
	if err := os.Symlink(filepath.Join(filepath.SplitList(os.Getenv("PATH"))[0], "pg_config"), filepath.Join(link, "pg_config")); err != nil {
		t.Fatal(err)
	}
	path := os.Getenv("PATH")
	t.Setenv("PATH", link+":"+path)
	ask("the same pg_config through a link, from the cache")
	if count() != n {
		t.Errorf("%d pg_config entries after the same one through a link, want %d", count(), n)
	}
	t.Setenv("PATH", path)
	other := t.TempDir()
	if err := os.Symlink(filepath.Join(bin, "pg_config"), filepath.Join(other, "pg_config")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", other+":"+os.Getenv("PATH"))
	before := runs()
	if d, ok := pgConfigBindir(nil); !ok || d != bin {
		t.Fatalf("another pg_config on PATH: pgConfigBindir = %q, %v; want %q", d, ok, bin)
	}
	if runs() != before {
		t.Fatalf("the PATH pg_config ran for another one")
	}
	if count() != n+1 {
		t.Errorf("%d pg_config entries after another pg_config was asked, want %d", count(), n+1)
	}
}

// The cache is a file anything running as the user can write (an earlier
// preview's migration tool): an entry that is not an absolute, clean
// folder whose stamp holds is not taken, and one naming another folder
// with that folder's own stamp is only a folder Find probes (which it
// would find from PATH or its patterns anyway), never a command.
func TestAttackPgConfigCacheEntry(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	_, bin := fakeLayout(t, "15.99")
	_, runs := fakePgConfig(t, bin)
	if d, ok := pgConfigBindir(nil); !ok || d != bin {
		t.Fatalf("pgConfigBindir = %q, %v; want %q", d, ok, bin)
	}
	path, _ := filepath.Abs(filepath.Join(filepath.SplitList(os.Getenv("PATH"))[0], "pg_config"))
	entry := filepath.Join(versionsDir(), pgConfigKey(path))
	if _, err := os.Stat(entry); err != nil {
		t.Fatalf("no cache entry at %s: %v", entry, err)
	}
	stamp := bindirStamp(bin)
	n := runs()
	for _, forged := range []string{
		"relative/bin\n" + stamp + "\n",
		bin + "/../../15/bin\n" + stamp + "\n",
		bin + "\n" + "0:0:0:0.0 " + stamp + "\n",
		bin + "\n\n",
		bin + "\n",
		"garbage",
		"",
	} {
		if err := os.WriteFile(entry, []byte(forged), 0o600); err != nil {
			t.Fatal(err)
		}
		if d, ok := pgConfigBindir(nil); !ok || d != bin {
			t.Errorf("forged entry %q: pgConfigBindir = %q, %v; want pg_config's own %q", forged, d, ok, bin)
		}
		n++
		if got := runs(); got != n {
			t.Errorf("forged entry %q: pg_config ran %d times in all; want %d (asked again)", forged, got, n)
			n = got
		}
	}
	// A cache folder others may write is not read.
	if err := os.Chmod(versionsDir(), 0o777); err != nil {
		t.Fatal(err)
	}
	pgConfigBindir(nil)
	if got := runs(); got != n+1 {
		t.Errorf("with the cache folder open to all: pg_config ran %d times in all; want %d", got, n+1)
	}
}

// TestAttackPathProgramsInTheRepository: npm run puts node_modules/.bin
// (the workspace's and every package's up to its root) first on PATH, and
// a repository can commit one; a plan of a pull request found pg_config
// and initdb there and ran them. FindOutside runs neither when it lies in
// the project, the git work tree around it, or the working folder; Find,
// which names no project, still does (the test's control).
func TestAttackPathProgramsInTheRepository(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv(EnvBinDir, "")
	repo := t.TempDir()
	service := filepath.Join(repo, "services", "api")
	bin := filepath.Join(repo, "node_modules", ".bin")
	for _, d := range []string{filepath.Join(repo, ".git"), service, bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	marker := filepath.Join(t.TempDir(), "ran")
	for name, body := range map[string]string{
		"pg_config": "#!/bin/sh\necho pg_config >> '" + marker + "'\necho '" + bin + "'\n",
		"initdb":    "#!/bin/sh\necho initdb >> '" + marker + "'\necho 'initdb (PostgreSQL) 99.1'\n",
		"postgres":  "",
	} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, projects := range [][]string{{service}, {repo}, {filepath.Join(service, "migrations")}} {
		for _, b := range FindOutside(projects...) {
			if strings.HasPrefix(b.Dir, repo) {
				t.Errorf("FindOutside(%v) found the repository's %s", projects, b.Dir)
			}
		}
		if ran, _ := os.ReadFile(marker); len(ran) > 0 {
			t.Fatalf("FindOutside(%v) ran the repository's programs: %q", projects, ran)
		}
	}
	// What was left out is said when nothing else was found.
	skipped := SkippedOnPath(service)
	if !slices.Equal(skipped, []string{filepath.Join(bin, "pg_config"), filepath.Join(bin, "initdb")}) {
		t.Errorf("SkippedOnPath = %q, want the repository's pg_config and initdb", skipped)
	}
	missing := &MissingError{Skipped: skipped}
	if msg := missing.Error(); !strings.Contains(msg, "inside the repository") || !strings.Contains(msg, filepath.Join(bin, "initdb")) {
		t.Errorf("the error does not say which programs were not run: %s", msg)
	}
	if h := missing.Hint(); !strings.Contains(h, EnvBinDir) {
		t.Errorf("the hint does not name %s: %s", EnvBinDir, h)
	}
	if ran, _ := os.ReadFile(marker); len(ran) > 0 {
		t.Fatalf("SkippedOnPath ran the repository's programs: %q", ran)
	}
	// The working folder inside the repository, no project named that
	// holds the programs: still left out.
	t.Chdir(repo)
	FindOutside(t.TempDir())
	if ran, _ := os.ReadFile(marker); len(ran) > 0 {
		t.Fatalf("FindOutside ran the working folder's programs: %q", ran)
	}
	found := Find()
	if ran, _ := os.ReadFile(marker); !strings.Contains(string(ran), "pg_config") || !strings.Contains(string(ran), "initdb") {
		t.Fatalf("the control: Find ran %q, want both programs (the test's set-up is wrong)", ran)
	}
	if !slices.ContainsFunc(found, func(b Binaries) bool { return b.Dir == bin }) {
		t.Errorf("the control: Find did not find %s: %+v", bin, found)
	}
}
