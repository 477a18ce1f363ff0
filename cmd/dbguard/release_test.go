package main

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// goreleaserConfig is the part of .goreleaser.yaml the release promises
// rest on.
type goreleaserConfig struct {
	Builds []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ldflags []string `yaml:"ldflags"`
		Tags    []string `yaml:"tags"`
	} `yaml:"builds"`
	Archives []struct {
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		Algorithm string `yaml:"algorithm"`
	} `yaml:"checksum"`
	Dockers []struct {
		IDs        []string `yaml:"ids"`
		Dockerfile string   `yaml:"dockerfile"`
		Platforms  []string `yaml:"platforms"`
	} `yaml:"dockers_v2"`
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Builds) != 1 || len(c.Dockers) != 1 {
		t.Fatalf(".goreleaser.yaml: %d builds and %d dockers_v2, want one of each", len(c.Builds), len(c.Dockers))
	}
	return c
}

// The release builds what the README promises: static binaries of this
// command for linux, darwin and windows on amd64 and arm64, with the
// version and commit this binary's --version reads, and SHA-256 sums.
// (goreleaser_test.go, -tags goreleaser, runs the real goreleaser.)
func TestReleaseConfig(t *testing.T) {
	c := readGoreleaser(t)
	b := c.Builds[0]
	if b.Main != "./cmd/dbguard" || b.Binary != "dbguard" {
		t.Errorf("build main %q binary %q, want ./cmd/dbguard and dbguard", b.Main, b.Binary)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build env %q: no CGO_ENABLED=0, the binaries would not be static", b.Env)
	}
	for _, want := range [][2][]string{{b.Goos, {"linux", "darwin", "windows"}}, {b.Goarch, {"amd64", "arm64"}}} {
		got := slices.Clone(want[0])
		slices.Sort(got)
		w := slices.Clone(want[1])
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("build targets %q, want %q", want[0], want[1])
		}
	}
	ld := strings.Join(b.Ldflags, " ")
	for _, v := range []string{"main.version=v", "main.commit="} {
		if !strings.Contains(ld, "-X "+v) {
			t.Errorf("ldflags %q do not set %s (version.go reads it)", ld, v)
		}
	}
	// Without it, every start builds blackfriday's tables for urfave/cli's
	// man page writer, which dbguard never calls (docs/performance.md).
	if !slices.Contains(b.Tags, "urfave_cli_no_docs") {
		t.Errorf("build tags %q: no urfave_cli_no_docs, every run would initialise blackfriday", b.Tags)
	}
	if c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum algorithm %q, want sha256", c.Checksum.Algorithm)
	}
	// The MIT license asks that its notice travel with every copy.
	if _, err := os.Stat(filepath.Join("..", "..", "LICENSE")); err != nil {
		t.Errorf("no LICENSE at the repository root: %v", err)
	}
	if len(c.Archives) == 0 {
		t.Error(".goreleaser.yaml: no archives")
	}
	for i, a := range c.Archives {
		if !slices.Contains(a.Files, "LICENSE") {
			t.Errorf("archives[%d].files %q: no LICENSE, the archives would ship without it", i, a.Files)
		}
	}
}

// The Dockerfile is built only by goreleaser (there is no container
// engine in CI), so what it names must match what goreleaser puts in its
// build context: the linux binaries, at $TARGETPLATFORM/BINARY.
func TestDockerfileMatchesRelease(t *testing.T) {
	c := readGoreleaser(t)
	b, d := c.Builds[0], c.Dockers[0]
	if d.Dockerfile != "Dockerfile" || !slices.Contains(d.IDs, b.ID) {
		t.Errorf("dockers_v2: dockerfile %q ids %q, want Dockerfile and the build %q", d.Dockerfile, d.IDs, b.ID)
	}
	for _, p := range d.Platforms {
		os, arch, _ := strings.Cut(p, "/")
		if os != "linux" || !slices.Contains(b.Goos, os) || !slices.Contains(b.Goarch, arch) {
			t.Errorf("image platform %s is not a linux binary the build makes", p)
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "..", d.Dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	copyRE := regexp.MustCompile(`(?m)^COPY \$\{?TARGETPLATFORM\}?/(\S+) (\S+)$`)
	m := copyRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("Dockerfile: no COPY $TARGETPLATFORM/%s (where goreleaser puts the binary)", b.Binary)
	}
	if m[1] != b.Binary {
		t.Errorf("Dockerfile copies %q; goreleaser's binary is %q", m[1], b.Binary)
	}
	if !strings.Contains(text, "\nARG TARGETPLATFORM\n") {
		t.Error("Dockerfile: COPY uses $TARGETPLATFORM without ARG TARGETPLATFORM")
	}
	entry := regexp.MustCompile(`(?m)^ENTRYPOINT \["([^"]+)"\]$`).FindStringSubmatch(text)
	if entry == nil || entry[1] != m[2] || path.Base(entry[1]) != "dbguard" {
		t.Errorf("Dockerfile ENTRYPOINT %q, want the copied binary %q, named dbguard", entry, m[2])
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)$`).FindStringSubmatch(text)
	if user == nil || user[1] == "root" || user[1] == "0" || strings.HasPrefix(user[1], "0:") {
		t.Errorf("Dockerfile USER %q: the image must not run as root", user)
	} else if !regexp.MustCompile(`adduser .*\b` + regexp.QuoteMeta(user[1]) + `\b`).MatchString(text) {
		t.Errorf("Dockerfile USER %s is not a user it creates", user[1])
	}
	// hook pre-commit and the gate's credential scan run git.
	if !regexp.MustCompile(`apk add .*\bgit\b`).MatchString(text) {
		t.Error("Dockerfile: no git, which dbguard hook pre-commit and dbguard ci run")
	}
}

// Every fuzz target in the tree is in `make fuzz`, which is run before a
// stop: a target missing there is never fuzzed beyond its seed corpus.
func TestMakeFuzzRunsEveryTarget(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`-fuzz '\^(Fuzz\w+)\$\$' .* (\./internal/\S+|\./cmd/\S+)`).FindAllStringSubmatch(string(mk), -1) {
		listed[m[1]+" "+m[2]] = true
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	var found int
	err = filepath.WalkDir(filepath.Join("..", ".."), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join("..", ".."), filepath.Dir(p))
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(data), -1) {
			found++
			if !listed[m[1]+" ./"+filepath.ToSlash(rel)] {
				t.Errorf("%s in %s is not in the Makefile's fuzz target: add  $(GO) test -run '^$$' -fuzz '^%s$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./%s", m[1], p, m[1], filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < len(listed) || found == 0 {
		t.Errorf("found %d fuzz targets in the tree, the Makefile lists %d: a listed target no longer exists?", found, len(listed))
	}
}
