package main

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// runtimeDefaults is this process's environment without GOGC, GOMEMLIMIT
// and GODEBUG: a dbguard measured for its heap and collections runs with
// the runtime settings dbguard chooses, not the test runner's.
func runtimeDefaults() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GOMEMLIMIT=") && !strings.HasPrefix(kv, "GODEBUG=") {
			env = append(env, kv)
		}
	}
	return env
}

// dbguard env on 1,000 env files allocates about 21 MB: with the
// collector's default it ran six cycles; below gcFloor it runs none that
// the heap's growth starts (on Linux, hugePageHeap forces one on the
// process's first few hundred KB). A GOGC the user sets is the runtime's.
func TestShortCommandCollectsNoGarbage(t *testing.T) {
	t.Parallel() // its own folder and child processes; the environment is read only
	dir := t.TempDir()
	bin := filepath.Join(dir, "dbguard")
	buildDbguard(t, bin)
	root := filepath.Join(dir, "tree")
	envTree(t, root)
	cycles := func(extra ...string) int {
		env := runtimeDefaults()
		cmd := exec.Command(bin, "env")
		cmd.Dir, cmd.Env = root, append(append(env, "GODEBUG=gctrace=1"), extra...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("dbguard env: %v\n%s", err, stderr.Bytes())
		}
		all, forced := gcCycles(stderr.String())
		return all - forced
	}
	if n := cycles(); n != 0 {
		t.Errorf("dbguard env on 1,000 env files ran %d collections, want none below %d MiB", n, gcFloor>>20)
	}
	if n := cycles("GOGC=100"); n == 0 {
		t.Errorf("with GOGC=100 set, dbguard env ran no collection: the user's setting was overridden")
	}
}

// After the first cycle the collector's default is back: memory stays
// bounded by what a large input holds. (This test binary runs the same
// init.)
func TestCollectionResumesAfterTheFloor(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT is set: the init left the collector to them")
	}
	deadline := time.Now().Add(30 * time.Second)
	for debug.SetMemoryLimit(-1) != math.MaxInt64 {
		if time.Now().After(deadline) {
			t.Fatalf("memory limit still %d after collections: the floor was not lifted", debug.SetMemoryLimit(-1))
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("GC percent %d after the first cycle, want the default 100", p)
	}
}

// gcCycles counts the collections a GODEBUG=gctrace=1 run's stderr reports,
// and those of them forced (" (forced)" ends a forced one's line). The
// runtime writes a line in pieces, one write per printed string or number,
// and the program's own stderr can land between any two of them ("gc " and
// "1 @0.008s" were seen apart), so neither lines nor the line's start are
// read: each line has one " MB goal, ", written by one write.
func gcCycles(stderr string) (all, forced int) {
	return strings.Count(stderr, " MB goal, "), strings.Count(stderr, " (forced)")
}

// TestGCCyclesReadsInterleavedTrace holds gcCycles to a trace that a gate
// run really produced: dbguard's own stderr landed between the runtime's
// "gc " and the rest of the line.
func TestGCCyclesReadsInterleavedTrace(t *testing.T) {
	t.Parallel()
	trace := "gc dbguard: database 127.0.0.1:1/app [direct] from .env:1 DATABASE_URL:\n" +
		"    postgres://app@127.0.0.1:1/app?sslmode=disable\n" +
		"1 @0.008s 1%: 0.25+0.39+0.013 ms clock, 0.50+0/0.25/0.23+0.027 ms cpu, 33->33->0 MB, 56 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)\n" +
		"gc 2 @0.010s 1%: 0.1+0.2+0.01 ms clock, 0.2+0/0.1/0.1+0.02 ms cpu, 4->4->0 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
		"dbguard: error: cannot reach 127.0.0.1:1/app\n"
	if all, forced := gcCycles(trace); all != 2 || forced != 1 {
		t.Errorf("gcCycles = %d, %d forced; want 2, 1 forced", all, forced)
	}
}
