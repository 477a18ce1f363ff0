//go:build !linux && !windows

package sandbox

import (
	"os/exec"
	"syscall"
)

// Detach puts the server in its own process group, so a Ctrl-C meant for
// dbguard does not reach it before dbguard can stop it in order. Without
// Linux's parent death signal, the server of a dbguard killed with -9 runs
// on until the next run's Sweep stops it.
func Detach(cmd *exec.Cmd) { DetachWith(cmd, syscall.SIGQUIT) }

// DetachWith is Detach; sig, the signal the kernel would send on Linux,
// is not sent here.
func DetachWith(cmd *exec.Cmd, _ syscall.Signal) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// memBase: no in-memory folder is used outside Linux.
const memBase = ""

// MemDir is "": no in-memory folder outside Linux.
func MemDir() string { return "" }

// binaryID is "" here: initdb --version runs each time.
func binaryID(string) string { return "" }
