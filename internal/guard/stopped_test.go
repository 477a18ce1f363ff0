package guard

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// A grandchild that stops itself and stays stopped ends the run: the
// whole tree is killed and the error names the stopped process.
func TestRunWithKillsATreeHeldStopped(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the watch reads /proc")
	}
	cmd := exec.Command("sh", "-c", "sh -c 'kill -STOP $$; exit 0' & wait; sleep 60")
	start := time.Now()
	_, err := RunWith(cmd, "sh", RunOptions{Unstop: 400 * time.Millisecond})
	var se *StoppedError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a StoppedError", err)
	}
	if se.PID == cmd.Process.Pid {
		t.Errorf("the stopped process is the child %d, want its child", se.PID)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s: the tree was not killed", d)
	}
	// Killed: gone, or a zombie until whoever inherited it reaps it
	// (SIGKILL takes a moment to end it).
	s := procState(se.PID)
	for end := time.Now().Add(5 * time.Second); s != 0 && s != 'Z' && time.Now().Before(end); s = procState(se.PID) {
		time.Sleep(10 * time.Millisecond)
	}
	if s != 0 && s != 'Z' {
		t.Errorf("the stopped process %d is still there, state %c", se.PID, s)
	}
}

// A stop that something resumes (a terminal's Ctrl-Z then fg) is not a
// failure: the child runs to its end with its own status.
// Serial: the test resumes its child from a goroutine within 800 ms,
// which the other tests' processes beside it made late at load 16.
func TestRunWithLetsAResumedStopBe(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the watch reads /proc")
	}
	cmd := exec.Command("sh", "-c", "sleep 1; exit 3")
	started := func(p *os.Process) {
		go func() {
			for range 5 {
				p.Signal(syscall.SIGSTOP)
				time.Sleep(150 * time.Millisecond)
				p.Signal(syscall.SIGCONT)
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	code, err := RunWith(cmd, "sh", RunOptions{Started: started, Unstop: 800 * time.Millisecond})
	if err != nil || code != 3 {
		t.Fatalf("code %d, err %v; want 3, nil", code, err)
	}
}
