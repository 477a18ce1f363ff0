//go:build goreleaser

package main

// Run with: make release-snapshot (it installs goreleaser first). Behind a
// build tag because goreleaser takes about 5 minutes to install with go
// install on a 2-core machine, and the six cross builds about 5 more.

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goreleaserBin finds goreleaser on PATH or where go install puts it.
func goreleaserBin(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("goreleaser"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "goreleaser")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("goreleaser is not installed: run make release-snapshot, which installs it")
	return ""
}

// TestGoreleaserSnapshot runs goreleaser release --snapshot --clean on a
// copy of the working tree committed and tagged v0.3.0, and checks what a
// release would publish: six archives, each holding the binary, README and
// LICENSE, their SHA-256 sums, static linux binaries, and a --version
// naming the version and the commit. The image
// is skipped (--skip=docker): no container engine here. make build on the
// same tag reports the tag itself.
func TestGoreleaserSnapshot(t *testing.T) {
	gr := goreleaserBin(t)
	src := copyWorkingTree(t)
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "release test")
	git("tag", "v0.3.0")
	// goreleaser reads the remote's URL (nothing is fetched).
	git("remote", "add", "origin", "https://github.com/dbguard/dbguard.git")
	head := git("rev-parse", "HEAD")

	cmd := exec.Command(gr, "release", "--snapshot", "--clean", "--skip=docker")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser: %v\n%s", err, out)
	}
	dist := filepath.Join(src, "dist")

	// checksums.txt: one SHA-256 per archive, each right.
	sums, err := os.Open(filepath.Join(dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Close()
	archives := map[string]bool{}
	sc := bufio.NewScanner(sums)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("checksums.txt: %q is no SHA-256 line", sc.Text())
		}
		if got := fileSHA256(t, filepath.Join(dist, name)); got != sum {
			t.Errorf("%s: sha256 %s, checksums.txt says %s", name, got, sum)
		}
		archives[name] = true
	}
	for _, target := range []string{"linux_amd64.tar.gz", "linux_arm64.tar.gz", "darwin_amd64.tar.gz", "darwin_arm64.tar.gz", "windows_amd64.zip", "windows_arm64.zip"} {
		if name := "dbguard_0.3.1-snapshot_" + target; !archives[name] {
			t.Errorf("no %s in checksums.txt: %v", name, archives)
		}
	}

	// Each archive carries the binary, the README and the LICENSE (MIT asks
	// that its notice travel with every copy), byte for byte as checked in.
	license, err := os.ReadFile(filepath.Join(src, "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range archives {
		files := archiveFiles(t, filepath.Join(dist, name))
		bin := "dbguard"
		if strings.HasSuffix(name, ".zip") {
			bin = "dbguard.exe"
		}
		for _, want := range []string{bin, "README.md", "LICENSE"} {
			if _, ok := files[want]; !ok {
				t.Errorf("%s: no %s in the archive (it holds %v)", name, want, keys(files))
			}
		}
		if got, ok := files["LICENSE"]; ok && got != string(license) {
			t.Errorf("%s: LICENSE differs from the repository's", name)
		}
	}

	// Static: no program interpreter (dynamic loader) in the linux binaries.
	for _, dir := range []string{"dbguard_linux_amd64_v1", "dbguard_linux_arm64_v8.0"} {
		f, err := elf.Open(filepath.Join(dist, dir, "dbguard"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s/dbguard is dynamically linked", dir)
			}
		}
		f.Close()
	}
	out, err := exec.Command(filepath.Join(dist, "dbguard_linux_amd64_v1", "dbguard"), "--version").Output()
	if want := "dbguard version v0.3.1-snapshot (commit " + head[:7]; err != nil || !strings.HasPrefix(string(out), want) {
		t.Errorf("released --version: %q (%v), want %q...", out, err, want)
	}

	// make build on the tag: git describe gives the tag itself.
	mk := exec.Command("make", "build")
	mk.Dir = src
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err = exec.Command(filepath.Join(src, "bin", "dbguard"), "--version").Output()
	if want := regexp.MustCompile(`^dbguard version v0\.3\.0 \(commit ` + head[:12] + `\)\n$`); err != nil || !want.Match(out) {
		t.Errorf("make build --version: %q (%v), want %s", out, err, want)
	}
}

// copyWorkingTree copies the repository's files (tracked, and new ones not
// ignored) to a temporary folder, so the test releases what is checked out.
func copyWorkingTree(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	list, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dst := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		from := filepath.Join(root, name)
		info, err := os.Lstat(from)
		if err != nil {
			continue // deleted in the working tree
		}
		to := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if info.Mode()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(from)
			if err := os.Symlink(target, to); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// archiveFiles reads a .tar.gz or .zip release archive: each regular
// file's name and, for the small text files, its contents.
func archiveFiles(t *testing.T, name string) map[string]string {
	t.Helper()
	files := map[string]string{}
	keep := func(n string, r io.Reader) {
		data := ""
		if n == "LICENSE" {
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("%s: %s: %v", name, n, err)
			}
			data = string(b)
		}
		files[n] = data
	}
	if strings.HasSuffix(name, ".zip") {
		z, err := zip.OpenReader(name)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		for _, f := range z.File {
			if f.FileInfo().IsDir() {
				continue
			}
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			keep(f.Name, r)
			r.Close()
		}
		return files
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h.Typeflag == tar.TypeReg {
			keep(h.Name, tr)
		}
	}
	return files
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func fileSHA256(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
