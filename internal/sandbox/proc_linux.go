package sandbox

import (
	"os/exec"
	"syscall"
)

// detach puts the server in its own process group, so a Ctrl-C meant for
// dbguard does not reach it before dbguard can stop it in order, and asks
// the kernel to stop it (SIGQUIT: immediate shutdown) if dbguard dies
// without doing so (kill -9).
func detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
}
