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

// Needed is the room /dev/shm must have free: a test binary's files at
// their peak (a test server's cluster and databases, sandboxes, the
// tests' folders) are a few hundred megabytes.
const Needed = 2 << 30
