package pgtest

import "testing"

// BenchmarkStartStop: a throwaway cluster copied, started and stopped, as
// every test binary that uses the server and every Own pays. Measure its
// CPU with perf stat -e task-clock, which counts the server too (pg_ctl
// made it a daemon before round 11; the test binary's rusage left it out).
func BenchmarkStartStop(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := Start()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSweepLeftovers: the sweep each test binary runs once (Main),
// with nothing to sweep: globs of TMPDIR, /tmp and /dev/shm.
func BenchmarkSweepLeftovers(b *testing.B) {
	for i := 0; i < b.N; i++ {
		SweepLeftovers()
	}
}
