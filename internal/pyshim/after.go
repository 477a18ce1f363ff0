package pyshim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ThenVar asks the guard to read after the tool: what AfterRead says, as
// JSON. The guard pops it, so no Python the tool starts sees it.
const ThenVar = "DBGUARD_GUARD_THEN_READ"

// AfterRead is a reader script the guard runs once a Python tool has
// exited 0 with no connection refused: in a process forked from the
// tool's before any of the project's code ran (the zygote), under a guard
// that refuses every connection, with its own report.
type AfterRead struct {
	Script  []byte   // the reader, run as __main__
	Args    []string // its argv after the script
	Dir     string   // its working directory
	Python  string   // the interpreter it must run with; else no reading
	Timeout time.Duration
	Target  Target // what the reading may reach (nothing: refuse all)
}

// After is one AfterRead, prepared for one tool process.
type After struct {
	rd     AfterRead
	dir    string
	script string
	used   bool
	// read ends (dbguard's) and write ends (the child's fds 3, 4, 5)
	r, w [3]*os.File

	wg      sync.WaitGroup
	mu      sync.Mutex
	ctl     []string
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	expired bool
}

// NewAfter writes the reader into a fresh private temporary folder and
// makes its pipes.
func NewAfter(rd AfterRead) (*After, error) {
	dir, err := os.MkdirTemp("", "dbguard-pyread-")
	if err != nil {
		return nil, fmt.Errorf("preparing the models reader: %w", err)
	}
	a := &After{rd: rd, dir: dir, script: filepath.Join(dir, "dbguard_read_models.py")}
	if err := os.WriteFile(a.script, rd.Script, 0o600); err != nil {
		a.Close()
		return nil, fmt.Errorf("preparing the models reader: %w", err)
	}
	for i := range a.r {
		if a.r[i], a.w[i], err = os.Pipe(); err != nil {
			a.Close()
			return nil, fmt.Errorf("preparing the models reader: %w", err)
		}
	}
	return a, nil
}

// Args is the reader's argv after the script.
func (a *After) Args() []string { return a.rd.Args }

// Close removes the folder and closes the pipes.
func (a *After) Close() error {
	if a == nil {
		return nil
	}
	for _, f := range append(a.r[:], a.w[:]...) {
		if f != nil {
			f.Close()
		}
	}
	return os.RemoveAll(a.dir)
}

// Prepare hands cmd the pipes and returns the variable to set. Once only:
// one tool process reads.
func (a *After) Prepare(cmd *exec.Cmd) (map[string]string, error) {
	if a.used {
		return nil, errors.New("the models reader runs after one tool process only")
	}
	a.used = true
	fds := make([]int, 3)
	for i, f := range a.w {
		fds[i] = 3 + len(cmd.ExtraFiles)
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
	}
	spec, err := json.Marshal(map[string]any{
		"script": a.script, "args": a.rd.Args, "dir": a.rd.Dir, "python": a.rd.Python,
		"report": filepath.Join(a.dir, "report.jsonl"), "target": a.rd.Target, "fds": fds,
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{ThenVar: string(spec)}, nil
}

// Started watches the child p: its control lines, the reader's stdout
// and stderr, and the time limit from the moment the reading starts (p
// is killed then: the tool has exited, only the reading is cut), or
// ctx's end while reading.
func (a *After) Started(ctx context.Context, p *os.Process) {
	for i, f := range a.w {
		f.Close() // the child has its copies: EOF when it is gone
		a.w[i] = nil
	}
	a.wg.Add(3)
	go func() {
		defer a.wg.Done()
		var stop chan struct{}
		defer func() {
			if stop != nil {
				close(stop)
			}
		}()
		sc := bufio.NewScanner(a.r[0])
		for sc.Scan() {
			line := sc.Text()
			a.mu.Lock()
			a.ctl = append(a.ctl, line)
			a.mu.Unlock()
			if line == "reading" && stop == nil {
				stop = make(chan struct{})
				go a.limit(ctx, p, stop)
			}
		}
	}()
	for i, buf := range []*bytes.Buffer{&a.stdout, &a.stderr} {
		go func() {
			defer a.wg.Done()
			var b bytes.Buffer
			io.Copy(&b, a.r[i+1])
			a.mu.Lock()
			buf.Write(b.Bytes())
			a.mu.Unlock()
		}()
	}
}

func (a *After) limit(ctx context.Context, p *os.Process, stop chan struct{}) {
	t := time.NewTimer(a.rd.Timeout)
	defer t.Stop()
	select {
	case <-stop:
		return
	case <-ctx.Done():
	case <-t.C:
		a.mu.Lock()
		a.expired = true
		a.mu.Unlock()
	}
	p.Kill()
}

// AfterResult is what the reading after the tool did.
type AfterResult struct {
	// Zygote: the guard forked a reader (the in-process path was live).
	Zygote bool
	// ToolCode is the tool's exit code as the zygote saw it (128+N for
	// signal N); HasToolCode when it said.
	ToolCode    int
	HasToolCode bool
	// Read: the reading started; Done: it ended (Status is its exit
	// status); Skipped: why it did not start.
	Read, Done bool
	Status     int
	Skipped    string
	Stdout     []byte
	Stderr     []byte
	TimedOut   bool
	// Refused is the reading's record of connections it refused.
	Refused Result
}

// Finish collects the result once the child has been waited for. A
// process the reader left behind holding the pipes is given a second, as
// exec's WaitDelay gives the separate reader.
func (a *After) Finish() AfterResult {
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		for _, f := range a.r {
			f.Close()
		}
		<-done
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var r AfterResult
	for _, line := range a.ctl {
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "zygote":
			r.Zygote = true
		case "tool":
			if n, err := strconv.Atoi(rest); err == nil {
				r.ToolCode, r.HasToolCode = n, true
				if n < 0 {
					r.ToolCode = 128 - n
				}
			}
		case "skip":
			r.Skipped = rest
		case "reading":
			r.Read = true
		case "read":
			if n, err := strconv.Atoi(rest); err == nil {
				r.Done, r.Status = true, n
			}
		}
	}
	r.Stdout, r.Stderr, r.TimedOut = bytes.Clone(a.stdout.Bytes()), bytes.Clone(a.stderr.Bytes()), a.expired
	r.Refused, _ = readReport(filepath.Join(a.dir, "report.jsonl"))
	return r
}

// RefusedError is the reading's first refused connection, as Err does
// for a shim; nil when none.
func (r AfterResult) RefusedError(tool string, t Target) *RefusedError {
	if len(r.Refused.Refused) == 0 {
		return nil
	}
	return &RefusedError{Tool: tool, Refusal: r.Refused.Refused[0], Guarded: t.Show, More: len(r.Refused.Refused) - 1}
}
