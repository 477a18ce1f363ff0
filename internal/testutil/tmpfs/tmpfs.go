// Package tmpfs points a test binary's temporary files at memory.
//
// On this project's machines /tmp is ext4 without a journal, where
// creating a file scans the inode table past every inode deleted in the
// last few seconds (the kernel's recently_deleted): a test binary that
// makes and removes files by the thousand, as a test server does for each
// CREATE DATABASE (~300 files), pays that scan per new file (perf put 45%
// of cmd/dbguard's CPU samples there), and pays more the more the other
// packages beside it delete. cmd/dbguard moved its files to /dev/shm in
// round 9 of issue 26 for that reason (docs/performance.md); InMemory does
// it for every package that starts a test server (pgtest.Main) and for
// cmd/dbguard.
package tmpfs

import (
	"os"

	"github.com/dbguard/dbguard/internal/sandbox"
)

// InMemory points TMPDIR, for this process and every process it starts,
// at /dev/shm when TMPDIR is unset and /dev/shm is the in-memory folder
// the product's own sandboxes use (sandbox.MemDir: a tmpfs with room,
// shared as /tmp is), and says whether it did. What is tested is
// unchanged: PostgreSQL, git and dbguard do the same on either file
// system.
//
// /dev/shm itself, not a folder in it: tests print and bind paths under
// TMPDIR whose length is checked (a server's socket path must fit in 107
// bytes), and "/dev/shm" is only four bytes longer than "/tmp". What each
// test makes there it removes, as it does in /tmp.
func InMemory() bool {
	if os.Getenv("TMPDIR") != "" {
		return false // chosen by whoever runs the tests
	}
	m := sandbox.MemDir()
	return m != "" && os.Setenv("TMPDIR", m) == nil
}
