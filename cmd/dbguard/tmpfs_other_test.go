//go:build !linux

package main

// tmpInMemory leaves TMPDIR as it is where /dev/shm is not Linux's tmpfs.
func tmpInMemory() bool { return false }
