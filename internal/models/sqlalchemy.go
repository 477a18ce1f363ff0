package models

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pyshim"
)

//go:embed read_sqlalchemy.py
var sqlaReader []byte

// readerCommon is what the two readers share (the socket guard, a class's
// file:line); runReader puts it ahead of the reader's own script.
//
//go:embed read_common.py
var readerCommon []byte

// ReadError is a models source that could not be read: configuration,
// exit 2, with where and what to do.
type ReadError struct {
	Source string // what was read: env.py's target_metadata, module:attribute
	Msg    string
	Hint_  string
}

// ExitCode is 2: the models source is misconfigured or broken.
func (e *ReadError) ExitCode() int { return exitcode.Usage }

func (e *ReadError) Error() string { return "reading the models (" + e.Source + "): " + e.Msg }

// Hint names the next step.
func (e *ReadError) Hint() string { return e.Hint_ }

// python is the interpreter that imports the models: the project's
// virtualenv (.venv or venv, in dir or the root), else the one that runs
// the tool on PATH (alembic, django-admin), else python3.
func python(cfg *config.Config, dir, tool string) (string, error) {
	for _, d := range []string{dir, cfg.Root} {
		for _, v := range []string{".venv", "venv"} {
			p := filepath.Join(d, v, "bin", "python")
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
	}
	if a, err := exec.LookPath(tool); err == nil {
		if f, err := os.Open(a); err == nil {
			line, _ := bufio.NewReader(f).ReadString('\n')
			f.Close()
			if p, ok := strings.CutPrefix(strings.TrimSpace(line), "#!"); ok {
				fields := strings.Fields(p)
				if len(fields) == 1 && strings.Contains(filepath.Base(fields[0]), "python") {
					if _, err := os.Stat(fields[0]); err == nil {
						return fields[0], nil
					}
				}
			}
		}
	}
	return exec.LookPath("python3")
}

// refuseAll is a guard target no connection matches.
var refuseAll = pyshim.Target{DBName: "\x00", Show: "no database (dbguard is only reading the models)"}

type sqlaOut struct {
	Error  string  `json:"error"`
	Where  string  `json:"where"`
	Tables []Table `json:"tables"`
	None   string  `json:"none"` // why there is nothing to read
}

func (t *Table) UnmarshalJSON(b []byte) error {
	var v struct {
		Schema, Name, File string
		Line               int
		Columns            []struct {
			Name, Type, File string
			Nullable         bool
			Line             int
		}
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = Table{Schema: v.Schema, Name: v.Name, File: v.File, Line: v.Line}
	for _, c := range v.Columns {
		t.Columns = append(t.Columns, Column{Name: c.Name, Type: c.Type, Nullable: c.Nullable, File: c.File, Line: c.Line})
	}
	return nil
}

// readSQLAlchemy imports the models with the project's Python under the
// connection guard (every connection refused) and a time limit: in the
// process Alembic's run forked for it, when that read (after), else in a
// process of its own.
func readSQLAlchemy(ctx context.Context, cfg *config.Config, src *sqlaSource, u *dburl.URL, after *pyshim.After) (*Set, error) {
	py, err := python(cfg, src.dir, "alembic")
	if err != nil {
		return nil, &ReadError{Source: src.show(), Msg: "no Python to import them with: " + err.Error(), Hint_: "install python3, or create the project's virtualenv (.venv), then run the command again"}
	}
	rd := sqlaReading(cfg, src, py)
	var out *sqlaOut
	if r, ok := afterResult(after, rd); ok {
		out, err = rd.interpret(r.Stdout, r.Stderr, readStatus(r), r.TimedOut, r.RefusedError("reading the models", refuseAll))
	} else {
		out, err = runReader(ctx, cfg, rd, u)
	}
	if err != nil || out.None != "" {
		return nil, err
	}
	return &Set{Source: "sqlalchemy", From: src.show(), Tables: out.Tables}, nil
}

func sqlaReading(cfg *config.Config, src *sqlaSource, py string) reader {
	return reader{
		show: src.show(), py: py, script: sqlaReader, args: []string{src.mode, src.what, src.dir}, dir: src.dir, timeout: cfg.Models.Timeout.D(),
		fix:   "run the command again with --verbose, or name the models in dbguard.yaml (models.sqlalchemy: app.models:SQLModel), or switch them off (models.sqlalchemy: off)",
		fixPy: "make the models importable from " + output.RelPath(src.dir) + " (its virtualenv: .venv), name them in dbguard.yaml (models.sqlalchemy: app.models:SQLModel), or switch them off (models.sqlalchemy: off)",
	}
}

// AlembicAfter prepares reading the SQLAlchemy models (env.py's
// target_metadata, or models.sqlalchemy) in a process forked from
// Alembic's own (see pyshim.AfterRead); nil when there are none to read.
func AlembicAfter(cfg *config.Config) (*pyshim.After, error) {
	// Windows has no fork, and a child there gets no descriptors but
	// the standard three.
	if runtime.GOOS == "windows" || cfg.Models.SQLAlchemy == config.ModelsOff {
		return nil, nil
	}
	src := findSQLAlchemy(cfg)
	if src == nil {
		return nil, nil
	}
	py, err := python(cfg, src.dir, "alembic")
	if err != nil {
		return nil, nil // the reading says so, on its own
	}
	if abs, err := filepath.Abs(py); err == nil {
		py = abs
	}
	rd := sqlaReading(cfg, src, py)
	return pyshim.NewAfter(pyshim.AfterRead{
		Script: slices.Concat(readerCommon, []byte("\n\n"), rd.script), Args: rd.args, Dir: rd.dir,
		Python: py, Timeout: rd.timeout, Target: refuseAll,
	})
}

// afterResult is what Alembic's process read, when it read what rd
// reads.
func afterResult(after *pyshim.After, rd reader) (pyshim.AfterResult, bool) {
	if after == nil || !slices.Equal(after.Args(), rd.args) {
		return pyshim.AfterResult{}, false
	}
	r := after.Finish()
	return r, r.Read
}

// readStatus is the reading's exit as exec reports a child's: nil for 0.
func readStatus(r pyshim.AfterResult) error {
	switch {
	case !r.Done:
		return errors.New("signal: killed")
	case r.Status != 0:
		return fmt.Errorf("exit status %d", r.Status)
	}
	return nil
}

// reader is one run of a Python reader script.
type reader struct {
	show    string // the source, for messages
	py      string // the interpreter
	script  []byte
	args    []string
	dir     string // working directory
	timeout time.Duration
	fix     string // the hint when the script does not answer
	fixPy   string // the hint when the models do not import
	// fixConnect is the hint when importing them connects; default:
	// SQLAlchemy's.
	fixConnect string
}

// runReader runs a reader script with the project's Python under the
// connection guard (every connection refused) and a time limit, and
// decodes the one JSON line it prints.
func runReader(ctx context.Context, cfg *config.Config, rd reader, u *dburl.URL) (*sqlaOut, error) {
	shim, err := pyshim.New(refuseAll)
	if err != nil {
		return nil, err
	}
	defer shim.Close()
	script := filepath.Join(shim.Dir(), "dbguard_read_models.py")
	if err := os.WriteFile(script, slices.Concat(readerCommon, []byte("\n\n"), rd.script), 0o600); err != nil {
		return nil, err
	}
	timeout := cfg.Models.Timeout.D()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rd.py, append([]string{script}, rd.args...)...)
	cmd.Dir = rd.dir
	cmd.WaitDelay = time.Second
	env := os.Environ()
	if u != nil {
		set := map[string]string{}
		for _, v := range cfg.URLVars() {
			set[v] = u.String()
		}
		env = guard.ChildEnv(env, set, u)
	}
	env = guard.SetEnv(env, shim.Env(env))
	// No __pycache__ written into the project.
	cmd.Env = guard.SetEnv(env, map[string]string{"PYTHONDONTWRITEBYTECODE": "1"})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var refused *pyshim.RefusedError
	if rerr := shim.Err("reading the models"); rerr != nil {
		errors.As(rerr, &refused)
	}
	rd.timeout = timeout
	return rd.interpret(stdout.Bytes(), stderr.Bytes(), err, ctx.Err() == context.DeadlineExceeded, refused)
}

// interpret is a reading's outcome, wherever it ran: its stdout and
// stderr, how it exited, whether the time limit cut it, and the first
// connection its guard refused.
func (rd reader) interpret(stdout, stderr []byte, err error, timedOut bool, re *pyshim.RefusedError) (*sqlaOut, error) {
	fail := func(msg, hint string) error { return &ReadError{Source: rd.show, Msg: msg, Hint_: hint} }
	if timedOut {
		return nil, fail(fmt.Sprintf("importing them took longer than %s", rd.timeout), "make importing the models quick and free of side effects, or raise models.timeout in dbguard.yaml")
	}
	if re != nil {
		hint := rd.fixConnect
		if hint == "" {
			hint = "connect lazily (create_engine does not connect; engine.connect() at import time does), then run the command again"
		}
		return nil, fail(fmt.Sprintf("%s: importing them opened a %s connection; dbguard refused it (reading the models must not connect)", oneLine(output.RelPath(re.Refusal.Caller)), re.Refusal.Driver), hint)
	}
	var out sqlaOut
	if jerr := json.Unmarshal(lastLine(stdout), &out); jerr != nil {
		msg := lastLine(stderr)
		if err == nil {
			err = jerr
		}
		return nil, fail(fmt.Sprintf("%s exited: %v: %s", rd.py, err, oneLine(string(msg))), rd.fix)
	}
	if out.Error != "" {
		return nil, fail(oneLine(relPaths(out.Error)), rd.fixPy)
	}
	return &out, nil
}

func lastLine(b []byte) []byte {
	b = bytes.TrimRight(b, "\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// relPaths shortens the absolute paths Python reports.
func relPaths(s string) string {
	if wd, err := os.Getwd(); err == nil {
		s = strings.ReplaceAll(s, wd+string(filepath.Separator), "")
	}
	return s
}

func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
