package guard

import (
	"bytes"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A migration's code that starts a process outside the tool's tree
// (setsid, a double fork: the watch never sees it) holding the tool's
// output pipe, stopped or asleep, held the run after the tool had exited:
// exec waited for the pipe's end, without end for one that stays
// stopped. The tool's own end now gives the pipes the watch's time, then
// closes them, and the tool's status stands.
func TestAttackRunWithDetachedHolderOfThePipe(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("setsid")
	}
	// The holder stops itself once the tool ($1) is gone (reaped: kill -0
	// still reaches a zombie), so it is outside the tree the watch reads
	// when it stops, as a double fork's grandchild is. It used to stop at
	// once, while still the tool's child until the tool's "sleep 0.2;
	// exit 4" ended: at load 30 that took over the watch's 400 ms, and
	// the watch rightly killed it as a stopped process of the tool's
	// (StoppedError, 1 run in 3 of the package beside six others).
	cmd := exec.Command("sh", "-c", `setsid sh -c 'echo $$; while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; kill -STOP $$; echo resumed' holder $$ & exit 4`)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	type res struct {
		code int
		err  error
	}
	done := make(chan res, 1)
	start := time.Now()
	go func() {
		code, err := RunWith(cmd, "sh", RunOptions{Unstop: 400 * time.Millisecond})
		done <- res{code, err}
	}()
	select {
	case r := <-done:
		if r.err != nil || r.code != 4 {
			t.Errorf("code %d, err %v; want 4, nil", r.code, r.err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("RunWith still waiting 20s after the tool's end, for a stopped process outside its tree")
	}
	// The stopped process is the test's to end.
	time.Sleep(300 * time.Millisecond)
	if pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(out.String(), "\n", 2)[0])); err == nil && pid > 1 {
		syscall.Kill(pid, syscall.SIGKILL)
		syscall.Kill(pid, syscall.SIGCONT)
	}
}
