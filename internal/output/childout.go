package output

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// ChildText is a writer for the talk of a program dbguard runs (a
// migration tool's output, exec's command's stderr): what it writes
// reaches w with every control character but the line break and the tab
// escaped, as Escape writes them, and with the workflow commands GitHub's
// runner would read ("::name" at a line's start, "##[") escaped. The
// tool prints names the repository chose (dbmate's "Applying:
// 20240103000000_\x1b[31mred.sql", goose's "OK 1_x\n::error::...sql") and
// the server's messages: they could move the cursor, retitle or clear the
// terminal, hide text, or add an annotation, a mask or a stop-commands to
// a CI log. Lines are kept whole across writes: a rune, or the start of a
// command, cut between two writes is held until the next one, or Close.
type ChildText struct {
	mu      sync.Mutex
	w       io.Writer
	held    []byte
	midLine bool // the last byte written was not a line break
}

// NewChildText returns a ChildText writing to w.
func NewChildText(w io.Writer) *ChildText { return &ChildText{w: w} }

// Write escapes p (with what was held) and writes it to w, holding an
// incomplete rune or a possible command's start at its end.
func (c *ChildText) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf := append(c.held, p...)
	c.held = nil
	cut := len(buf)
	// An incomplete rune at the end: its other bytes come next.
	for k := 1; k <= utf8.UTFMax && k <= len(buf); k++ {
		if utf8.RuneStart(buf[len(buf)-k]) {
			if !utf8.FullRune(buf[len(buf)-k:]) {
				cut = len(buf) - k
			}
			break
		}
	}
	// A carriage return at the end: its line break may come next (a
	// Windows program's CRLF is a line break, kept, not an escaped \r).
	if cut > 0 && buf[cut-1] == '\r' {
		cut--
	}
	// The start of a command cut by the write: "#" or "##" anywhere,
	// blanks and ":" or "::" at a line's start.
	lineStart := bytes.LastIndexByte(buf[:cut], '\n') + 1
	tail := buf[lineStart:cut]
	trimmed := strings.TrimLeft(string(tail), " \t\u00a0")
	atStart := lineStart > 0 || !c.midLine
	switch {
	case atStart && (trimmed == "" || trimmed == ":" || trimmed == "::"):
		cut = lineStart
	case bytes.HasSuffix(tail, []byte("##")):
		cut -= 2
	case bytes.HasSuffix(tail, []byte("#")):
		cut--
	}
	c.held = append([]byte(nil), buf[cut:]...)
	if err := c.write(buf[:cut]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// write escapes s, the continuation of the line written last when
// midLine, and writes it.
func (c *ChildText) write(s []byte) error {
	if len(s) == 0 {
		return nil
	}
	text := string(s)
	if c.midLine {
		text = "x" + text // not a line's start: no "::" command here
	}
	lines := strings.Split(text, "\r\n")
	for l, line := range lines {
		pieces := strings.Split(line, "\t")
		for i, piece := range pieces {
			// A tab is a blank: the text after one is taken as a line's
			// start, which escapes more, never less.
			pieces[i] = escape(piece, true, true)
		}
		lines[l] = strings.Join(pieces, "\t")
	}
	// CRLF is a line break as LF is; a lone CR (a progress bar's return
	// to the line's start, which can hide what came before) is escaped.
	out := strings.Join(lines, "\r\n")
	if c.midLine {
		out = out[1:]
	}
	c.midLine = s[len(s)-1] != '\n'
	_, err := io.WriteString(c.w, out)
	return err
}

// MidLine says whether the last byte written (Close included) was not a
// line break: a line of dbguard's own that follows on the same writer
// starts a new line first.
func (c *ChildText) MidLine() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.midLine
}

// Close writes what is held, escaped. A later Close writes nothing.
func (c *ChildText) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	held := c.held
	c.held = nil
	return c.write(held)
}
