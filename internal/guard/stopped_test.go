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
//
// The watch polls every 200 ms (Unstop/4) and kills after 4 polls in a
// row see a stop. Each stop here is shorter than one poll (150 ms: a poll
// falls in 3 stops of 4, so a watch that killed on the first sight fails
// the test) and each run between stops longer than two (450 ms), so no
// two polls in a row see a stop unless the watch's goroutine stalls past
// a whole run. It was stopped 150 ms of every 200 ms, the polls' own
// period: once a poll fell in a stop the next ones did too, and 4 in a
// row was a matter of the phase (5 failures in 80 runs at load 34).
func TestRunWithLetsAResumedStopBe(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the watch reads /proc")
	}
	cmd := exec.Command("sh", "-c", "sleep 2; exit 3")
	started := func(p *os.Process) {
		go func() {
			for range 4 {
				time.Sleep(450 * time.Millisecond)
				p.Signal(syscall.SIGSTOP)
				time.Sleep(150 * time.Millisecond)
				p.Signal(syscall.SIGCONT)
			}
		}()
	}
	code, err := RunWith(cmd, "sh", RunOptions{Started: started, Unstop: 800 * time.Millisecond})
	if err != nil || code != 3 {
		t.Fatalf("code %d, err %v; want 3, nil", code, err)
	}
}
