//go:build unix && !linux

package envcheck

import "syscall"

// openRootDir: the standard library has no openat here, so each file is
// opened by its whole name.
func openRootDir(string) rootDir { return noRootDir }

func openat(int, string, int) (int, error) { return -1, syscall.ENOSYS }
