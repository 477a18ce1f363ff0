package guard

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// A terminal's Ctrl-Z stops dbguard and its tool together (SIGTSTP to the
// foreground process group), for longer than the watch's Unstop; fg
// resumes both (SIGCONT to the group). That is no stopped tool: the run
// ends with the tool's own status. dbguard runs here as this test binary
// in a process group of its own, so the stop reaches it as Ctrl-Z would.
func TestRunWithCtrlZThenFg(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the watch reads /proc")
	}
	if os.Getenv("DBGUARD_TSTP_HELPER") == "1" {
		code, err := RunWith(exec.Command("sh", "-c", "sleep 2; exit 3"), "sh", RunOptions{Unstop: 400 * time.Millisecond})
		fmt.Printf("code=%d err=%v\n", code, err)
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunWithCtrlZThenFg$")
	cmd.Env = append(os.Environ(), "DBGUARD_TSTP_HELPER=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the tool has started
	pg := -cmd.Process.Pid
	if err := syscall.Kill(pg, syscall.SIGTSTP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // five times Unstop
	if err := syscall.Kill(pg, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil && !errors.As(err, new(*exec.ExitError)) {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out.Name())
	if string(b) != "code=3 err=<nil>\n" {
		t.Errorf("after Ctrl-Z and fg: %q, want code=3 err=<nil>", b)
	}
}
