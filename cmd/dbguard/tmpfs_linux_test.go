package main

import (
	"os"
	"syscall"
)

// tmpInMemory points TMPDIR, for this process and every process it
// starts, at /dev/shm when TMPDIR is unset and /dev/shm is a tmpfs, and
// says whether it did. Everything these tests make is temporary and made
// and removed by the thousand: the test server's cluster and its ~110
// databases (each CREATE DATABASE copies ~300 files), the sandboxes and
// their resets, the scripts' and the tests' folders. On this project's
// machines /tmp is ext4 without a journal, where creating a file scans
// the inode table past every inode deleted in the last few seconds
// (recently_deleted): perf put 45% of the package's CPU samples in that
// scan, nearly all in the test server's one backend that creates the
// databases. What is tested is unchanged: PostgreSQL and dbguard do the
// same on either file system.
//
// /dev/shm itself, not a folder in it: the tests print and bind paths
// under TMPDIR whose length is checked (TestTextFitsHundredColumns wants
// 100 columns; a sandbox's socket path must fit in 107 bytes), and
// "/dev/shm" is only four bytes longer than "/tmp". What each test makes
// there it removes, as it does in /tmp.
func tmpInMemory() bool {
	if os.Getenv("TMPDIR") != "" {
		return false // chosen by whoever runs the tests
	}
	var fs syscall.Statfs_t
	if syscall.Statfs("/dev/shm", &fs) != nil || fs.Type != tmpfsMagic || syscall.Access("/dev/shm", 0o7) != nil {
		return false
	}
	if uint64(fs.Bavail)*uint64(fs.Bsize) < shmNeeded {
		return false // a container's 64 MB /dev/shm holds not even the test server
	}
	return os.Setenv("TMPDIR", "/dev/shm") == nil
}

// shmNeeded is the room /dev/shm must have free: the package's files at
// their peak (the test server's cluster and databases, four shared
// sandboxes and the previews' own, two static builds of dbguard) are a few
// hundred megabytes (~260 MB measured).
const shmNeeded = 2 << 30

// tmpfsMagic is TMPFS_MAGIC, statfs's f_type for a tmpfs.
const tmpfsMagic = 0x01021994
