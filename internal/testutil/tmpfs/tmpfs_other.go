//go:build !linux

package tmpfs

// InMemory leaves TMPDIR as it is where /dev/shm is not Linux's tmpfs.
func InMemory() bool { return false }
