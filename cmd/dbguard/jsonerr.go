package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// A command run with --format json prints one JSON object on stdout,
// whatever happens: its report, or on a failure the report with an "error"
// member, or when it failed before any report (a bad flag, no
// DATABASE_URL, an unreachable database) an object holding only "error".
// docs/json.md documents the shape.

// jsonError is the "error" member.
type jsonError struct {
	Class    string `json:"class"` // check_failed, usage, unreachable, interrupted
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	ExitCode int    `json:"exit_code"`
}

var errorClasses = map[int]string{
	exitcode.CheckFailed: "check_failed",
	exitcode.Usage:       "usage",
	exitcode.Unreachable: "unreachable",
	exitcode.Interrupted: "interrupted",
}

// wantsJSON reports whether the command line asks for JSON on stdout:
// --format json before any "--", and no --output (dbguard ci then writes
// the report to the file and its log to stdout).
func wantsJSON(args []string) bool {
	json, file := false, false
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			continue
		}
		if !hasValue && i+1 < len(args) {
			value = args[i+1]
		}
		switch name {
		case "format":
			json = strings.EqualFold(value, "json")
		case "output", "o":
			file = true
		}
	}
	return json && !file
}

// jsonReport holds what a command run with --format json prints until
// it ends, and writes the document once: at the command's end (finish),
// or on a second Ctrl-C, which ends the process before that (interrupted).
type jsonReport struct {
	mu      sync.Mutex
	printed bytes.Buffer
	used    bool // the command line asked for JSON
	written bool
}

// use marks the report asked for: a second Ctrl-C writes one.
func (j *jsonReport) use() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.used = true
}

// Write holds p.
func (j *jsonReport) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.printed.Write(p)
}

// finish writes the document: what the command printed, with err added.
func (j *jsonReport) finish(w io.Writer, err error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.written {
		return nil
	}
	j.written = true
	return writeJSONResult(w, j.printed.Bytes(), err)
}

// errSecondInterrupt is the error of a document a second Ctrl-C wrote.
var errSecondInterrupt = fmt.Errorf("a second interrupt ended dbguard before the command finished; this report is partial: %w", context.Canceled)

// interrupted writes the document for a process a second Ctrl-C ends
// (if nothing has written it, and none was asked for, nothing): the
// report printed so far if it is a whole JSON object, else none, and an
// "error" of class interrupted, exit code 130. It waits at most wait for
// the command's own writing (one stuck on a full pipe must not keep the
// process from ending). Through w, a Redactor, it is masked as any
// output is. It says whether it wrote the document.
func (j *jsonReport) interrupted(w io.Writer, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for !j.mu.TryLock() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	defer j.mu.Unlock()
	if j.written || !j.used {
		return false
	}
	j.written = true
	printed := j.printed.Bytes()
	if !json.Valid(printed) {
		printed = nil // a report cut mid-way is no JSON: the error alone
	}
	writeJSONResult(w, printed, errSecondInterrupt)
	return true
}

// writeJSONResult writes what the command printed, adding the error.
func writeJSONResult(w io.Writer, printed []byte, err error) error {
	if err == nil {
		_, werr := w.Write(printed)
		return werr
	}
	code := exitcode.Of(err)
	je := jsonError{Class: errorClasses[code], Message: errorText(err), ExitCode: code}
	if je.Class == "" {
		je.Class = "check_failed"
	}
	je.Hint = hintOf(err)
	member, merr := json.MarshalIndent(je, "  ", "  ")
	if merr != nil {
		return merr
	}
	member = output.NoCommandsJSON(member)
	body := bytes.TrimSpace(printed)
	var obj map[string]json.RawMessage
	if len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &obj) == nil {
		if _, has := obj["error"]; !has {
			// The report, its last member followed by "error".
			body = bytes.TrimSpace(body[:len(body)-1])
			var b bytes.Buffer
			b.Write(body)
			if len(obj) > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n  \"error\": ")
			b.Write(member)
			b.WriteString("\n}\n")
			_, werr := w.Write(b.Bytes())
			return werr
		}
	}
	if len(body) > 0 {
		if _, werr := w.Write(printed); werr != nil {
			return werr
		}
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"error\": ")
	b.Write(member)
	b.WriteString("\n}\n")
	_, werr := w.Write(b.Bytes())
	return werr
}
