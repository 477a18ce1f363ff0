package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// memBase is where a sandbox may live in memory.
const memBase = "/dev/shm"

// memRoom is the free space memBase needs: a container's 64 MiB /dev/shm
// is too small for a server whose WAL alone may reach max_wal_size.
const memRoom = 2 << 30

// MemDir is memBase when it is a tmpfs with memRoom free, shared as /tmp
// is (sticky, writable by all); else "".
func MemDir() string {
	const tmpfsMagic = 0x01021994
	var st syscall.Statfs_t
	if err := syscall.Statfs(memBase, &st); err != nil || st.Type != tmpfsMagic || uint64(st.Bavail)*uint64(st.Bsize) < memRoom {
		return ""
	}
	fi, err := os.Stat(memBase)
	if err != nil || !fi.IsDir() || fi.Mode()&os.ModeSticky == 0 || fi.Mode().Perm()&0o002 == 0 {
		return ""
	}
	return memBase
}

// Detach puts the server in its own process group, so a Ctrl-C meant for
// dbguard does not reach it before dbguard can stop it in order, and asks
// the kernel to stop it (SIGQUIT: immediate shutdown) if dbguard dies
// without doing so (kill -9).
func Detach(cmd *exec.Cmd) { DetachWith(cmd, syscall.SIGQUIT) }

// DetachWith is Detach for a program that sig, not SIGQUIT, stops at once
// (PgBouncer: SIGTERM).
func DetachWith(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = sig
}

// binaryID is a file's identity: device, inode, size and change time (set
// by the kernel on any write, rename or chmod, never by a caller); "" when
// it cannot be read.
func binaryID(path string) string {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return ""
	}
	return fmt.Sprintf("%d:%d:%d:%d.%d", st.Dev, st.Ino, st.Size, st.Ctim.Sec, st.Ctim.Nsec)
}
