// Package output writes what dbguard shows: data on stdout, talk on stderr.
//
// Talk lines start with "dbguard: " and a level (error, warning, hint), lower
// case, no trailing period. Both streams pass through a redacting writer, so
// a password that slipped past the structured redaction in dburl is still
// masked before it reaches a terminal, a CI log or a file: by pattern (a
// URL, password=), and as the literal text of every password dbguard has
// read, whatever prints it (an exec child, a server's RAISE message).
package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/dburl"
)

// Format is how a command reports its findings.
type Format string

const (
	Text Format = "text"
	JSON Format = "json"
)

// ParseFormat checks a --format value against what a command supports.
func ParseFormat(s string, supported ...Format) (Format, error) {
	names := make([]string, len(supported))
	for i, f := range supported {
		if string(f) == s {
			return f, nil
		}
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(names, ", "))
}

// Redactor is a writer that masks passwords line by line before passing
// text on. Call Flush at the end to write a last line with no newline.
type Redactor struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
}

// NewRedactor wraps w.
func NewRedactor(w io.Writer) *Redactor { return &Redactor{w: w} }

// Write buffers p and writes every complete line, redacted. Of a partial
// line it also writes what ends in white space, so a prompt ("Name: ")
// shows before its answer is typed: a URL has no white space, so no URL
// is cut in two. A partial line with a password= in it waits for its end,
// and so does the beginning of a known password (see [dburl.AddSecret]),
// which may hold white space: a password cut across two writes is still
// masked whole, and a prompt waits only if it ends with one's first bytes.
func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf.Write(p)
	n := bytes.LastIndexByte(r.buf.Bytes(), '\n') + 1
	rest := r.buf.Bytes()[n:]
	if i := bytes.LastIndexAny(rest, " \t"); i >= 0 && !passwordPending(rest) {
		n += i + 1
	}
	if n > 0 {
		n = dburl.SafeCut(r.buf.Bytes(), n)
	}
	if n > 0 {
		if _, err := io.WriteString(r.w, dburl.RedactText(string(r.buf.Next(n)))); err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}

// passwordPending reports whether a partial line may be in the middle of a
// password=value, which can hold white space when quoted.
func passwordPending(partial []byte) bool {
	lower := bytes.ToLower(partial)
	i := bytes.Index(lower, []byte("password"))
	return i >= 0 && bytes.IndexByte(lower[i:], '=') >= 0
}

// Flush writes what is left in the buffer.
func (r *Redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buf.Len() == 0 {
		return nil
	}
	_, err := io.WriteString(r.w, dburl.RedactText(r.buf.String()))
	r.buf.Reset()
	return err
}

// Talk writes dbguard's messages to a person, on stderr.
type Talk struct{ W io.Writer }

// Every control character but the line breaks of dbguard's own multi-line
// messages is escaped here, whatever the message quotes (a file name, a
// server's message): no CR or escape sequence reaches the terminal.
func (t Talk) line(level, format string, args ...any) {
	msg := EscapeLines(strings.TrimSuffix(fmt.Sprintf(format, args...), "."))
	fmt.Fprintf(t.W, "dbguard: %s%s\n", level, msg)
}

// Errorf reports a failure.
func (t Talk) Errorf(format string, args ...any) { t.line("error: ", format, args...) }

// Warnf reports something worth knowing that does not fail the command.
func (t Talk) Warnf(format string, args ...any) { t.line("warning: ", format, args...) }

// Hintf names the next command to run.
func (t Talk) Hintf(format string, args ...any) { t.line("hint: ", format, args...) }

// Infof says what dbguard is doing.
func (t Talk) Infof(format string, args ...any) { t.line("", format, args...) }

// RelPath shows a path relative to the working directory when it is below
// it, as a person would type it; otherwise as given.
func RelPath(p string) string {
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(p) {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

// WriteJSON writes v as indented JSON followed by a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Clip makes s one line of at most n bytes (plus a note of what was cut),
// escaped as Escape does: quoted text (a migration file, a server's
// message) cannot add lines to the output or control the terminal.
func Clip(s string, n int) string {
	s = Escape(strings.ReplaceAll(s, "\r\n", "\n"))
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d more bytes)", s[:cut], len(s)-cut)
}

// IsTerminal reports whether v is a file open on a terminal (for colour,
// and for asking before a destructive action).
func IsTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// RelTo is p relative to base when it is below it, else p as it is.
func RelTo(base, p string) string {
	if rel, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// At is a message about a line of a file, printed FILE:LINE: MSG: the
// base of the errors that point into a file.
type At struct {
	File string
	Line int
	Msg  string
}

func (a At) Error() string { return fmt.Sprintf("%s:%d: %s", a.File, a.Line, a.Msg) }

// Render writes v in format f: JSON as WriteJSON does, a format named in
// writers by its writer, anything else by text.
func Render(w io.Writer, f Format, v any, writers map[Format]func(io.Writer) error, text func(io.Writer) error) error {
	if f == JSON {
		return WriteJSON(w, v)
	}
	if write, ok := writers[f]; ok {
		return write(w)
	}
	return text(w)
}
