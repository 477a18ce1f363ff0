package guard

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// StoppedError is a child (or a process it started) that stayed stopped
// by a signal while dbguard ran: nothing would have resumed it, and the
// run would have waited without end. dbguard killed the child's processes.
type StoppedError struct {
	Name string // the child's command
	PID  int    // the process found stopped
	Held time.Duration
}

func (e *StoppedError) Error() string {
	return fmt.Sprintf("%s stopped: its process %d was held stopped by a signal (SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU) for %s while dbguard ran; dbguard killed it, and the run failed", e.Name, e.PID, e.Held)
}

// Hint names the next step.
func (e *StoppedError) Hint() string {
	return "something stopped it (a kill(..., SIGSTOP) in a migration's code, or a tool that read the terminal while run in the background); remove that, then check where the database stands: dbguard migrate status"
}

// stopWatch polls a child's process tree (Linux: /proc) and kills the
// tree once a process in it has been seen stopped in polls polls in a row,
// interval apart. The polls count only while dbguard runs: a terminal's
// Ctrl-Z stops dbguard with its child, and the shell's fg resumes both.
type stopWatch struct {
	interval time.Duration
	polls    int
}

// watch runs until done is closed; it returns, on found, the stopped
// process once it has killed the tree.
func (w stopWatch) watch(pid int, name string, done <-chan struct{}, found chan<- *StoppedError) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	seen := map[int]int{} // pid -> polls in a row it was stopped
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		tree := processTree(pid)
		next := map[int]int{}
		for _, p := range tree {
			if procState(p) != 'T' {
				continue
			}
			next[p] = seen[p] + 1
			if next[p] >= w.polls {
				// Said before the kill, so the child's end finds it.
				found <- &StoppedError{Name: name, PID: p, Held: time.Duration(w.polls) * w.interval}
				// The stopped process cannot end before it is killed, nor
				// the child before dbguard reaps it; another in the tree
				// could end in between (the pid read a moment ago).
				for _, q := range tree {
					// os.Process, not syscall.Kill: the package builds on
					// Windows too (where /proc lists nothing to kill).
					if p, err := os.FindProcess(q); err == nil {
						_ = p.Kill()
					}
				}
				return
			}
		}
		seen = next
	}
}

// processTree is pid and the processes it started, theirs too, as
// /proc lists them now (nothing where there is no /proc).
func processTree(pid int) []int {
	tree := []int{pid}
	for i := 0; i < len(tree) && len(tree) < 4096; i++ {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", tree[i]))
		for _, f := range tasks {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			for _, w := range bytes.Fields(b) {
				if n, err := strconv.Atoi(string(w)); err == nil {
					tree = append(tree, n)
				}
			}
		}
	}
	return tree
}

// procState is the state letter /proc/pid/stat gives (T: stopped by a
// signal; t, stopped by a tracer, is not counted); 0 when unread.
func procState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

// ExitCode: the run failed.
func (e *StoppedError) ExitCode() int { return exitcode.CheckFailed }
