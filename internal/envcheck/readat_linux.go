package envcheck

import "syscall"

// openRootDir opens root for readLimitedIn; noRootDir if it cannot (each
// file is then opened by its whole name, as readLimited does).
func openRootDir(root string) rootDir {
	for {
		fd, err := syscall.Open(root, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return noRootDir
		}
		return rootDir(fd)
	}
}

func openat(dirfd int, rel string, flags int) (int, error) {
	return syscall.Openat(dirfd, rel, flags, 0)
}
