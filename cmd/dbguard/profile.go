//go:build dbguard_profile

package main

import (
	"os"
	"runtime/pprof"
)

// A binary built with -tags dbguard_profile writes a CPU profile of each
// run to the file DBGUARD_CPUPROFILE names (for bench/ and docs/performance.md):
//
//	go build -tags dbguard_profile -o /tmp/dbguard-prof ./cmd/dbguard
//	DBGUARD_CPUPROFILE=/tmp/up.prof /tmp/dbguard-prof migrate up
//	go tool pprof -top /tmp/dbguard-prof /tmp/up.prof
//
// The release binary has no such hook: it writes nowhere an environment
// variable names.
func init() {
	startProfile = func() func() {
		name := os.Getenv("DBGUARD_CPUPROFILE")
		if name == "" {
			return func() {}
		}
		f, err := os.Create(name)
		if err != nil {
			return func() {}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return func() {}
		}
		return func() { pprof.StopCPUProfile(); f.Close() }
	}
}
