package migrate

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// benchDir is bench.sh's migrate folder: 300 files of two statements.
func benchDir(b *testing.B) (string, []string) {
	dir := b.TempDir()
	var names []string
	for i := 1; i <= 300; i++ {
		n := fmt.Sprintf("%06d_t%d.up.sql", i, i)
		err := os.WriteFile(filepath.Join(dir, n), []byte(fmt.Sprintf("CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL, ref bigint, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX t_%d_name ON t_%d (name);\n", i, i, i)), 0o644)
		if err != nil {
			b.Fatal(err)
		}
		names = append(names, n)
	}
	return dir, names
}

// The applied files' checksums on the no-op path, three ways: readFile
// one by one (before), Runner.read one by one, and sumAll (as prepare and
// Status do):
//
//	TMPDIR=/dev/shm go test -run XXX -bench Sums -benchtime 200x ./internal/migrate
func BenchmarkSumsReadFile(b *testing.B) {
	dir, names := benchDir(b)
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	defer cpuPerOp(b)()
	for b.Loop() {
		for _, n := range names {
			d, err := readFile(root, n)
			if err != nil {
				b.Fatal(err)
			}
			checksum(d)
		}
	}
}

func BenchmarkSumsRunnerRead(b *testing.B) {
	r, names := benchRunner(b)
	defer cpuPerOp(b)()
	for b.Loop() {
		for _, n := range names {
			d, err := r.read(n)
			if err != nil {
				b.Fatal(err)
			}
			checksum(d)
		}
	}
}

func BenchmarkSumsAll(b *testing.B) {
	r, names := benchRunner(b)
	set := map[int]*Entry{}
	for _, m := range r.src.Migrations {
		set[int(m.Version)] = &Entry{Checksum: "applied"}
	}
	defer cpuPerOp(b)()
	for b.Loop() {
		r.files = map[string]fileInfo{}
		r.sumAll(set)
		for _, n := range names {
			if _, err := r.sum(n); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchRunner(b *testing.B) (*Runner, []string) {
	dir, names := benchDir(b)
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	src, err := Scan(dir)
	if err != nil {
		b.Fatal(err)
	}
	r := &Runner{root: root, src: src}
	if canReadAt {
		r.dir, _ = root.Open(".")
		r.dirfd = int(r.dir.Fd())
	}
	b.Cleanup(func() {
		if r.dir != nil {
			r.dir.Close()
		}
		root.Close()
	})
	return r, names
}

// cpuPerOp reports the process's CPU time (user+sys) per op beside the
// wall time, which a loaded machine inflates.
func cpuPerOp(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}
