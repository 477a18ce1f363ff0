package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/dbguard/dbguard/internal/sandbox"
)

// inprocCommand is the name under which this test binary runs as an
// inproc child (testscript.Main picks the function by os.Args[0]).
const inprocCommand = "dbguard-inproc"

// inproc is a child process of this test binary, in a folder of its own,
// that runs dbguard commands in-process (run()) one after another, as the
// tests that chdir ran them in the test process itself. The working folder
// is the process's, so such a test had to be serial: 24 s of the
// package's wall with nothing beside it (docs/performance.md, round 9,
// third part). In a child the folder is the child's, and the test can run
// in parallel, at one process start per folder rather than per command.
//
// The requests and answers go over pipes of their own (fds 3 and 4), so
// what dbguard or a child of it writes to the process's stdout or stderr
// cannot be taken for an answer; that is kept apart, in Output.
type inproc struct {
	t      *testing.T
	cmd    *exec.Cmd
	req    *json.Encoder
	resp   *json.Decoder
	reqW   *os.File
	output *lockedBuffer
	done   bool
}

type inprocRequest struct {
	Args  []string `json:"args"` // after "dbguard"
	Stdin string   `json:"stdin"`
}

// inprocResult is one command's exit code and what it wrote.
type inprocResult struct {
	Code   int    `json:"code"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// startInproc starts an inproc child in dir with the test process's
// environment, less the variables named in unset, plus shared (if not "")
// as the shared sandbox servers its previews take. It is stopped in
// t.Cleanup, and t fails if it did not exit 0.
func startInproc(t *testing.T, dir, shared string, unset ...string) *inproc {
	t.Helper()
	return startInprocEnv(t, dir, shared, nil, unset...)
}

// startInprocEnv is startInproc with the variables in set given their
// values in the child (set "" is set empty, as t.Setenv(k, "") does): what
// a serial test did with t.Setenv, a parallel one does in its child.
func startInprocEnv(t *testing.T, dir, shared string, set map[string]string, unset ...string) *inproc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	reqR, reqW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &inproc{t: t, reqW: reqW, output: &lockedBuffer{}}
	p.cmd = &exec.Cmd{Path: exe, Args: []string{inprocCommand}, Dir: dir,
		Stdout: p.output, Stderr: p.output, ExtraFiles: []*os.File{reqR, respW}}
	// PWD as t.Chdir sets it, so os.Getwd says dir as it is spelled.
	drop := map[string]bool{envSharedSandboxes: true, "PWD": true}
	for _, k := range unset {
		drop[k] = true
	}
	for k := range set {
		drop[k] = true
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	for k, v := range set {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Env = append(p.cmd.Env, "PWD="+dir)
	if shared != "" {
		p.cmd.Env = append(p.cmd.Env, envSharedSandboxes+"="+shared)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reqR.Close()
	respW.Close()
	p.req, p.resp = json.NewEncoder(reqW), json.NewDecoder(respR)
	t.Cleanup(func() {
		p.close()
		respR.Close()
	})
	return p
}

// run runs "dbguard args..." in the child, with empty stdin.
func (p *inproc) run(args ...string) inprocResult {
	p.t.Helper()
	if err := p.req.Encode(inprocRequest{Args: args}); err != nil {
		p.t.Fatalf("dbguard %s: the inproc child is gone: %v\n%s", strings.Join(args, " "), err, p.output)
	}
	var r inprocResult
	if err := p.resp.Decode(&r); err != nil {
		p.close()
		p.t.Fatalf("dbguard %s: no answer from the inproc child: %v\n%s", strings.Join(args, " "), err, p.output)
	}
	return r
}

// Output is what the child and its children wrote to their own stdout and
// stderr, outside any command's answer.
func (p *inproc) Output() string { return p.output.String() }

func (p *inproc) close() {
	if p.done {
		return
	}
	p.done = true
	p.reqW.Close() // the child exits at the end of its requests
	if err := p.cmd.Wait(); err != nil {
		p.t.Errorf("inproc child: %v\n%s", err, p.output)
	}
}

// inprocMain is the child's side: each request on fd 3 is run in-process
// and answered on fd 4, until fd 3 is closed.
func inprocMain() {
	if dir := os.Getenv(envSharedSandboxes); dir != "" {
		sandbox.UseShared(dir)
	}
	in := json.NewDecoder(os.NewFile(3, "requests"))
	out := json.NewEncoder(os.NewFile(4, "answers"))
	for {
		var r inprocRequest
		if err := in.Decode(&r); err != nil {
			if errors.Is(err, io.EOF) {
				os.Exit(0)
			}
			os.Stderr.WriteString("dbguard-inproc: " + err.Error() + "\n")
			os.Exit(2)
		}
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"dbguard"}, r.Args...), strings.NewReader(r.Stdin), &stdout, &stderr)
		if err := out.Encode(inprocResult{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}); err != nil {
			os.Exit(2)
		}
	}
}

// lockedBuffer is a bytes.Buffer two copying goroutines (exec's, for a
// child's stdout and stderr) may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
