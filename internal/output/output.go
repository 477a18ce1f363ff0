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
	"time"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/safefile"
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
	// ended is set by FlushHeld: the process is ending, and a later
	// write may be the rest of a value whose keyword was written masked.
	ended bool
	// afterPrompt is set when a partial line that ends like a prompt
	// for a password ("Password: ") was written: the rest of its line,
	// which no keyword now comes before, is masked whole.
	afterPrompt bool
	// quiet is what the next write must bring for the held text to be
	// read again (reread, quietToBlank, quietToLineEnd).
	quiet int
	// alwaysReread turns quiet off: for the test that holds the output
	// the same with it and without.
	alwaysReread bool
	// context is the end of what was written, when it is a line that
	// ends with a password keyword and its separator (and the blank
	// lines and blanks after it): the value may come on a later line,
	// which is masked as the patterns mask it after that keyword.
	context string
	// lineStart is what was written of the line still open (up to
	// maxLineStart bytes): the rest of the line is masked as the
	// patterns read the whole line (host=db before a password= makes
	// its value libpq's). It is appended to, not copied, on each write.
	lineStart []byte
	// lineMasked is lineStart masked, when lineMaskedOK: the last write
	// masked it whole (lineStart and its text), so the next one does
	// not mask it again.
	lineMasked   string
	lineMaskedOK bool
	// masked is what mask last masked whole, lineStart and its text,
	// for write to keep as lineMasked ("" and false when it did not).
	masked   string
	maskedOK bool
	// ini is whether the open line is in an INI file's section: a
	// [name] line was written, and only lines a section holds since
	// (dburl.INILine). There password = x host=db is the password
	// "x host=db" (configparser's, a service file's), which the patterns
	// read so under the header: the writer, which masks a line without
	// the lines before it, masks it after a header it puts before it.
	// iniHead is the open line's first bytes (up to maxINIHead) and
	// iniLast its last byte that is no blank, to judge it at its end:
	// the line's state, not its bytes.
	// iniMid is whether the open line has bytes written, iniTrack
	// whether its head is kept (in a section, or it starts with '[').
	ini      bool
	iniHead  []byte
	iniLast  byte
	iniMid   bool
	iniTrack bool
}

// maxINIHead is how much of an open line's start a Redactor keeps to
// tell what it is to an INI section.
const maxINIHead = 256

// iniHeader stands, before a line of an INI section, for the header the
// patterns would read it under.
const iniHeader = "[s]\n"

// trackINI moves the INI section's state over b, written after the open
// line's start: each line b ends is judged by its first bytes and its
// last that is no blank. Out of a section only a line that starts with
// '[' can change it (a header), so only such a line's head is kept, and
// a write with no '[' in it is passed over (dbguard env's report, a few
// hundred lines, costs a byte search a write).
func (r *Redactor) trackINI(b []byte) {
	if len(b) == 0 {
		return
	}
	if !r.ini && !(r.iniMid && r.iniTrack) && bytes.IndexByte(b, '[') < 0 {
		r.iniMid, r.iniTrack = b[len(b)-1] != '\n', false
		return
	}
	for len(b) > 0 {
		if !r.iniMid {
			r.iniTrack = r.ini || b[0] == '['
			r.iniHead, r.iniLast = r.iniHead[:0], 0
		}
		nl := bytes.IndexByte(b, '\n')
		r.iniMid = nl < 0
		if !r.iniTrack {
			if nl < 0 {
				return
			}
			b = b[nl+1:]
			continue
		}
		part := b
		if nl >= 0 {
			part = b[:nl]
		}
		if room := maxINIHead - len(r.iniHead); room > 0 {
			r.iniHead = append(r.iniHead, part[:min(room, len(part))]...)
		}
		if t := bytes.TrimRight(part, " \t\r"); len(t) > 0 {
			r.iniLast = t[len(t)-1]
		}
		if nl < 0 {
			return
		}
		switch dburl.INILine(string(r.iniHead), r.iniLast == ']') {
		case dburl.INIHeader:
			r.ini = true
		case dburl.INIOther:
			r.ini = false
		}
		b = b[nl+1:]
	}
}

// NewRedactor wraps w.
func NewRedactor(w io.Writer) *Redactor { return &Redactor{w: w} }

// Write buffers p and writes every complete line, redacted. Of a partial
// line it also writes what ends in white space, so a prompt ("Name: ")
// shows before its answer is typed: a URL has no white space, so no URL
// is cut in two. A partial line with a password= in it waits for its end,
// and so does the beginning of a known password (see [dburl.AddSecret]),
// which may hold white space: a password cut across two writes is still
// masked whole.
//
// A partial line that ends like a prompt for a password ("Password: ",
// "  password: " of a YAML mapping cut after its key) is written at once,
// and the rest of its line, however late it comes, is held to its line
// break and written as the mask: it may be the value, with no keyword
// before it any more. No partial line that may still be a password is
// written unmasked, and no prompt waits.
func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return len(p), nil
	}
	r.buf.Write(p)
	if r.quiet != reread && !r.alwaysReread && bytes.IndexByte(p, '\n') < 0 && quietStays(r.quiet, r.buf.Bytes(), len(p)) {
		// Nothing held can be written yet: the bytes that decide it (a
		// line break, a blank to cut at) have not come.
		return len(p), nil
	}
	r.quiet = reread
	if r.afterPrompt {
		// The rest of a prompt's line waits for its end, and is written
		// masked: it may be the value, written after a pause. A quoted
		// value open at the line's end waits for its close.
		end := promptValueEnd(r.buf.Bytes())
		if end < 0 {
			r.quiet = quietToLineEnd
			return len(p), nil
		}
		if err := r.maskAfterPrompt(end); err != nil {
			return len(p), err
		}
	}
	b := r.buf.Bytes()
	n := bytes.LastIndexByte(b, '\n') + 1
	// A last whole line that ends with a password keyword and its
	// separator waits for the next line, which may hold the value.
	held := false
	if n > 0 {
		if start := bytes.LastIndexByte(b[:n-1], '\n') + 1; n-start <= maxHeldOpen && dburl.ValueOnNextLine(string(b[start:n-1])) {
			n, held = start, true
		} else if n > 2 && (b[n-2] == '\'' || b[n-2] == '"') && (b[n-3] == ' ' || b[n-3] == '\t') {
			// A quoted password that closes the line may go on in a
			// literal on the next: pprint splits a long string after
			// white space, so each piece but the last ends with a blank
			// before its quote (a value that ends so is rare: the check
			// below, a pattern's run, is made only then).
			from := max(0, n-1-maxHeldOpen)
			if k := dburl.ContinuedValueAt(string(b[from : n-1])); k >= 0 {
				n, held = from+k, true
			}
		}
	}
	rest := b[n:]
	i := bytes.LastIndexAny(rest, " \t")
	prompt := false
	switch {
	case held:
		r.quiet = quietToLineEnd
	case valueAfterContext(r.contextAfter(b[:n]), rest):
		// The value of a keyword written on an earlier line has started
		// (or may have: a Python prefix, its quote still to come): it
		// waits for its line's end, to be masked whole.
		if t := bytes.TrimLeft(rest, " \t\r"); t[0] == '\'' || t[0] == '"' || t[0] == '`' || !strings.HasSuffix(strings.TrimRight(r.contextAfter(b[:n]), " \t\r\n"), ":") {
			r.quiet = quietToLineEnd
		}
	case i < 0:
		r.quiet = quietToBlank
	case passwordPending(rest):
		// A partial line in the middle of a password=value waits for
		// its end; once its separator is in, whatever comes next.
		switch {
		case dburl.PasswordPendingOn(string(rest)) || passwordAssigned(rest):
			r.quiet = quietToLineEnd
		case dburl.OpenUserinfo(string(rest)):
			// A URL cut inside its password waits for what ends
			// that password ('@', '/', a quote) to be read again.
			switch {
			case bytes.IndexByte(rest, '@') >= 0:
			case dburl.OpenUserinfoDigits(string(rest)):
				// A password of digits so far, or a port: the
				// words after it may be the password until what
				// ends one comes, or 4 KiB of them (a blank is read
				// for that bound).
				r.quiet = quietToBlankOrStop
			default:
				r.quiet = quietToStop
			}
		case dburl.EndsBlank(rest):
			// A keyword and blanks at the end (Unicode's too, the
			// last maybe cut short): more blanks leave it so.
			r.quiet = quietToNonBlank
		}
	case i+1 < len(rest) && rest[i+1] == ':' && passwordPending(rest[:i+1]):
		// Nor is a partial line cut between a keyword and its ':' ("pwd\t"
		// of "pwd\t:"): the value would come with no keyword before it.
		r.quiet = quietToBlank
	case dburl.ColonValuePending(string(rest)):
		// An unquoted value after "password: " has started: where it
		// ends, and whether it is masked, shows at the line's end.
		r.quiet = quietToLineEnd
	case !dburl.PromptAtEnd(string(rest[:i+1])):
		n += i + 1
		r.quiet = quietToBlank
	case i+1 == len(rest):
		// A prompt shows at once; what follows on its line is masked.
		n += i + 1
		prompt = true
	default:
		// The value has started after "password: ": it waits.
		r.quiet = quietToBlank
	}
	if n > 0 {
		// A quoted password still open at the cut, with a line break in
		// its quotes, waits for the rest (up to maxHeldOpen).
		if k := dburl.OpenPasswordValue(string(r.buf.Bytes()[:n])); k >= 0 && n-k <= maxHeldOpen {
			n = k
		}
	}
	if n > 0 {
		if m := dburl.SafeCut(r.buf.Bytes(), n); m < n {
			// A registered password's beginning: the next byte, blank
			// or not, may show it is not one.
			n, r.quiet = m, reread
		}
	}
	if n > 0 {
		if err := r.write(r.buf.Next(n)); err != nil {
			return len(p), err
		}
	}
	if prompt && r.buf.Len() == 0 {
		r.afterPrompt, r.quiet = true, quietToLineEnd
	}
	return len(p), nil
}

// promptKey stands for a written prompt's keyword, before what follows
// it, so that the patterns read that as the prompt's value.
const promptKey = "password: "

// promptValueEnd is where the rest of a written prompt's line ends in b:
// its line break, or the line break after a quoted value that a line
// break is in (YAML's 'a\nb'), once the value closes (or maxHeldOpen
// bytes are held); -1 while it may go on.
func promptValueEnd(b []byte) int {
	for from := 0; ; {
		nl := bytes.IndexByte(b[from:], '\n')
		if nl < 0 {
			return -1
		}
		nl += from
		if nl >= maxHeldOpen || dburl.OpenPasswordValue(promptKey+string(b[:nl])) < 0 {
			return nl
		}
		from = nl + 1
	}
}

// maskAfterPrompt writes the first n bytes held, the rest of a written
// prompt's line: a quoted value masked as the patterns mask it after
// "password: " ('****', host: db), anything else as the mask, blanks as
// they are (a prompt answered with nothing shows
// nothing); and ends the prompt's state.
func (r *Redactor) maskAfterPrompt(n int) error {
	value := r.buf.Next(n)
	r.afterPrompt = false
	r.lineMaskedOK = false
	r.trackINI(value)
	if r.lineStart = append(r.lineStart, value...); bytes.IndexByte(value, '\n') >= 0 {
		r.lineStart = r.lineStart[:0] // a quoted value's line break: a line of its own
	} else if len(r.lineStart) > maxLineStart {
		r.compactLineStart()
	}
	if t := bytes.TrimLeft(value, " \t"); len(t) > 0 && (t[0] == '\'' || t[0] == '"') {
		// A quoted value: masked as the patterns mask it after a keyword.
		masked := dburl.RedactText(promptKey + string(value))
		if masked != promptKey+string(value) && strings.HasPrefix(masked, promptKey) {
			r.context = ""
			_, err := io.WriteString(r.w, masked[len(promptKey):])
			return err
		}
	}
	if t := bytes.TrimRight(value, " \t\r"); len(t) > 0 {
		value = append([]byte(dburl.Mask), value[len(t):]...)
		r.context = ""
	} else {
		// Nothing after the prompt on its line: the value may be on
		// the next ("Password: " then a line break and '...').
		r.context = promptKey + string(value)
	}
	_, err := r.w.Write(value)
	return err
}

// What a Redactor's next write must bring before the held text is read
// again (the decision to hold it cannot change before): a Write that
// brings none of it only adds to the buffer, so a line written a byte a
// write is read a bounded number of times, not once a byte.
const (
	reread             = iota // anything: read it again
	quietToBlank              // a blank or a line break
	quietToLineEnd            // a line break
	quietToNonBlank           // a byte that is no space or tab
	quietToStop               // what ends a URL's password (dburl.UserinfoStops)
	quietToBlankOrStop        // a blank, a line break or what ends a URL's password
)

// quietStays reports whether a write of the last n bytes of b (the held
// text), which hold no line break, leaves the held text's decision as it
// was under quiet.
func quietStays(quiet int, b []byte, n int) bool {
	p := b[len(b)-n:]
	switch quiet {
	case quietToLineEnd:
		return true
	case quietToBlank:
		return bytes.IndexAny(p, " \t") < 0
	case quietToNonBlank:
		// Blanks, Unicode's too: read from the start of a rune the
		// held text ended inside (a write cut it short), which p may
		// complete or show to be no blank.
		from := len(b) - n
		if j := from - 1; j >= 0 {
			for j > 0 && from-j < utf8.UTFMax && !utf8.RuneStart(b[j]) {
				j--
			}
			if !utf8.FullRune(b[j:from]) {
				from = j
			}
		}
		return dburl.Blanks(b[from:])
	case quietToStop:
		return bytes.IndexAny(p, dburl.UserinfoStops) < 0
	case quietToBlankOrStop:
		return bytes.IndexAny(p, dburl.UserinfoStops) < 0 && bytes.IndexAny(p, " \t") < 0
	}
	return false
}

// maxHeldOpen is the most a Redactor holds back for a quoted password
// value still open at a line's end: a password is short, and a quote that
// never closes (an apostrophe after password=) must not hold the output
// for long.
const maxHeldOpen = 4096

// passwordPending reports whether a partial line may be in the middle of a
// password=value (pwd=, db_pass= too) or a "password": value, which can
// hold white space when quoted, and whose keyword the next write would not
// hold.
func passwordPending(partial []byte) bool {
	return passwordAssigned(partial) || dburl.PasswordPending(string(partial)) || dburl.OpenUserinfo(string(partial))
}

// passwordAssigned is passwordPending's first reason: "password" and a
// '=' after it, which no later byte undoes.
func passwordAssigned(partial []byte) bool {
	lower := bytes.ToLower(partial)
	i := bytes.Index(lower, []byte("password"))
	return i >= 0 && bytes.IndexByte(lower[i:], '=') >= 0
}

// Flush writes what is left in the buffer.
func (r *Redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.quiet = reread
	if r.afterPrompt {
		if err := r.maskAfterPrompt(r.buf.Len()); err != nil {
			return err
		}
	}
	if r.buf.Len() == 0 {
		return nil
	}
	err := r.write(r.buf.Bytes())
	r.buf.Reset()
	return err
}

// valueAfterContext reports whether a partial line, after the context,
// has started what the patterns may read as the context keyword's value:
// anything after '=' or '=>', a quoted value after ':' (a line after a
// prompt's that is not quoted is no value of it, and shows: it may be
// the next prompt).
func valueAfterContext(context string, partial []byte) bool {
	if context == "" {
		return false
	}
	t := bytes.TrimLeft(partial, " \t\r")
	if len(t) == 0 {
		return false
	}
	c := strings.TrimRight(context, " \t\r\n")
	if c != "" && c[len(c)-1] != ':' {
		return true
	}
	// After ':', a quoted value, maybe after a Python prefix (b'', rb"").
	for i := 0; i < len(t) && i < 3; i++ {
		switch {
		case t[i] == '\'' || t[i] == '"' || t[i] == '`':
			return true
		case i == 2 || strings.IndexByte("burfBURF", t[i]) < 0:
			return false
		}
	}
	return true // a prefix still to be followed by its quote
}

// maxContext is the most of a keyword's line, and the blank lines after
// it, that a Redactor keeps to read the next line with.
const maxContext = 4096

// write writes b, masked as the patterns mask it after the context (a
// keyword written on an earlier line) or the line's written start, and
// sets the context and the line's start for the next text. b is copied
// once, for the patterns.
func (r *Redactor) write(b []byte) error {
	masked := r.mask(string(b))
	r.trackINI(b)
	r.context = r.contextAfter(b)
	if nl := bytes.LastIndexByte(b, '\n'); nl >= 0 {
		r.lineStart = append(r.lineStart[:0], b[nl+1:]...)
		r.lineMaskedOK = false
	} else {
		r.lineStart = append(r.lineStart, b...)
		r.lineMasked, r.lineMaskedOK = r.masked, r.maskedOK
	}
	if len(r.lineStart) > maxLineStart {
		r.compactLineStart()
	}
	_, err := io.WriteString(r.w, masked)
	return err
}

// maxLineStart is the most of an open line's written start a Redactor
// keeps as it was written: a longer start is kept as the state it leaves
// (dburl.CompactLineStart), its last words and what the rules read back
// to the line's start for. (Before round 14 it was dropped, and the rest
// of the line read alone: pgx's "cannot parse `" more than 1 KiB before a
// password, written in pieces, left the words after its value shown.)
// 768 bytes, not the 1 KiB it was: the kept start, 128 bytes and more,
// grows back to it, and a start that averages what the dropped one did
// costs each write's mask no more (BenchmarkRedactorLinePieces).
const maxLineStart = 768

// compactLineStart keeps the open line's written start as the state it
// leaves: each compaction keeps at most maxLineTail bytes and a few more,
// so a line's bytes are each read a bounded number of times.
func (r *Redactor) compactLineStart() {
	r.lineStart = append(r.lineStart[:0], dburl.CompactLineStart(string(r.lineStart))...)
	r.lineMaskedOK = false
}

// mask is text masked as the patterns mask it after the context, or
// after the start of its line that was written. The line's start masked
// is kept from the write before when that write masked it whole: one
// pass of the patterns a write, not two.
func (r *Redactor) mask(text string) string {
	r.masked, r.maskedOK = "", false
	if before := r.context; before != "" {
		base := dburl.RedactText(before)
		if m := dburl.RedactText(before + text); strings.HasPrefix(m, base) {
			return m[len(base):]
		}
		return dburl.RedactText(text)
	}
	header := ""
	if r.ini {
		header = iniHeader
	}
	if len(r.lineStart) == 0 && header == "" || !strings.ContainsAny(text, "=:@'\"`") {
		// What the patterns find holds one of these: where text holds
		// none, the line's start changes nothing in it.
		m := dburl.RedactText(text)
		r.masked, r.maskedOK = m, len(r.lineStart) == 0 && header == ""
		return m
	}
	var whole strings.Builder // the line so far, in one allocation
	whole.Grow(len(header) + len(r.lineStart) + len(text))
	whole.WriteString(header)
	whole.Write(r.lineStart)
	whole.WriteString(text)
	base := r.lineMasked
	if !r.lineMaskedOK {
		base = dburl.RedactText(whole.String()[:len(header)+len(r.lineStart)])
	}
	m := dburl.RedactText(whole.String())
	r.masked, r.maskedOK = m, true
	if strings.HasPrefix(m, base) {
		return m[len(base):]
	}
	return dburl.RedactText(text)
}

// contextAfter is the context once text is written: text itself, from
// the start of its last line that is not blank, when that line is whole
// and ends with a password keyword and its separator ("password=",
// "  password:", `"password" =>`); the context and text when text is
// only blanks; else none.
func (r *Redactor) contextAfter(text []byte) string {
	if len(text) == 0 {
		return r.context
	}
	if len(bytes.TrimLeft(text, " \t\r\n")) == 0 {
		if r.context == "" {
			return ""
		}
		return keywordLineAtEnd([]byte(r.context + string(text)))
	}
	return keywordLineAtEnd(text)
}

// keywordLineAtEnd is the end of text from its last line that is not
// blank, when that line is whole and ends with a password keyword and
// its separator; else "".
func keywordLineAtEnd(text []byte) string {
	last := bytes.TrimRight(text, " \t\r\n")
	if len(last) == 0 || bytes.IndexByte(text[len(last):], '\n') < 0 {
		return "" // no line break after the keyword's line yet
	}
	start := bytes.LastIndexByte(last, '\n') + 1
	if len(text)-start > maxContext || bytes.IndexByte([]byte("=>:D\\"), last[len(last)-1]) < 0 {
		return ""
	}
	if line := string(last[start:]); dburl.ValueOnNextLine(line) || line[len(line)-1] == ':' && dburl.PromptAtEnd(line+" ") {
		return string(text[start:])
	}
	return ""
}

// FlushHeld is Flush for a process about to end on a second Ctrl-C: it
// waits at most wait for a Write under way (one stuck on a full pipe must
// not keep the process from ending), then writes what is held, masked.
// A held part that may be the start of a registered password is masked
// too: no rest will follow to complete it. What is written after it is
// dropped: it may be the rest of a value whose keyword was just written
// masked (a child's pipe still being copied while the process ends).
func (r *Redactor) FlushHeld(wait time.Duration) { r.FlushHeldThen(wait, "") }

// FlushHeldThen is FlushHeld followed by last, dbguard's own last line
// (masked as any output is), on a line of its own: a held partial line,
// or one already written in part, is ended first. A second Ctrl-C says
// on stderr that it ended the process, as the first one's error does.
func (r *Redactor) FlushHeldThen(wait time.Duration, last string) {
	deadline := time.Now().Add(wait)
	for !r.mu.TryLock() {
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	defer r.mu.Unlock()
	r.ended = true
	if r.afterPrompt {
		r.maskAfterPrompt(r.buf.Len())
	}
	open := len(r.lineStart) > 0
	if r.buf.Len() > 0 {
		b := r.buf.Bytes()
		n := dburl.SafeCut(b, len(b))
		if k := openURLPassword(b[:n]); k >= 0 {
			// A URL's password cut before its '@' (postgres://u:s3cr):
			// the rest that would have shown it one is not coming.
			n = k
		}
		text := r.mask(string(b[:n]))
		if n < len(b) {
			text += dburl.Mask
		}
		io.WriteString(r.w, text)
		r.buf.Reset()
		open = text != "" && !strings.HasSuffix(text, "\n")
	}
	if last == "" {
		return
	}
	if open {
		io.WriteString(r.w, "\n")
	}
	io.WriteString(r.w, r.mask(last))
}

// openURLPassword is where the password of a URL that b ends inside
// starts (scheme://user:pass, its '@' not written yet), -1 for none:
// what a held tail cut there would show of it.
func openURLPassword(b []byte) int {
	i := bytes.LastIndex(b, []byte("://"))
	if i < 0 {
		return -1
	}
	rest := b[i+3:]
	if bytes.ContainsAny(rest, "@/?# \t\r\n") {
		return -1
	}
	c := bytes.IndexByte(rest, ':')
	if c < 0 || c+1 == len(rest) {
		return -1
	}
	return i + 3 + c + 1
}

// Talk writes dbguard's messages to a person, on stderr.
type Talk struct{ W io.Writer }

// Every control character but the line breaks of dbguard's own multi-line
// messages is escaped here, whatever the message quotes (a file name, a
// server's message): no CR or escape sequence reaches the terminal.
//
// A hint wider than Width is cut at its "; " into several hint lines, as
// many clauses a line as fit: a command inside a clause stays whole. A
// warning wider than Width wraps at spaces, continuation lines indented
// like an error's.
func (t Talk) line(level, format string, args ...any) {
	msg := noForgedLines(EscapeLines(strings.TrimSuffix(fmt.Sprintf(format, args...), ".")))
	prefix := "dbguard: " + level
	if level == "warning: " && !strings.Contains(msg, "\n") {
		msg = Wrap(msg, Width-len(prefix), "    ")
	}
	if level != "hint: " || strings.Contains(msg, "\n") || Fits(prefix+msg) {
		fmt.Fprintf(t.W, "%s%s\n", prefix, msg)
		return
	}
	line := ""
	for _, part := range clauses(msg) {
		switch {
		case line == "":
			line = part
		case Fits(prefix + line + "; " + part):
			line += "; " + part
		default:
			fmt.Fprintf(t.W, "%s%s\n", prefix, line)
			line = part
		}
	}
	fmt.Fprintf(t.W, "%s%s\n", prefix, line)
}

// noForgedLines escapes a line break that a line starting "dbguard:"
// follows (after blanks): dbguard's own multi-line messages indent their
// later lines, so such a line can only come from a name or a server's
// text inside the message, and would pass for a hint of dbguard's own
// ("dbguard: hint: curl ... | sh").
func noForgedLines(msg string) string {
	if !strings.Contains(msg, "\n") {
		return msg
	}
	lines := strings.Split(msg, "\n")
	var b strings.Builder
	b.WriteString(lines[0])
	for _, l := range lines[1:] {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), "dbguard:") {
			b.WriteString(`\n`)
		} else {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// Errorf reports a failure.
func (t Talk) Errorf(format string, args ...any) { t.line("error: ", format, args...) }

// Warnf reports something worth knowing that does not fail the command.
func (t Talk) Warnf(format string, args ...any) { t.line("warning: ", format, args...) }

// Hintf names the next command to run.
func (t Talk) Hintf(format string, args ...any) { t.line("hint: ", format, args...) }

// Infof says what dbguard is doing.
func (t Talk) Infof(format string, args ...any) { t.line("", format, args...) }

// FilePath names a file in a message, never absolute inside the
// repository: relative to the working directory when below it, else
// "../" relative when the file is in the same git repository (the folder
// above with .git), as git names it; a file outside the repository (one
// --config names) as given, the user's own path.
func FilePath(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	for top := wd; ; {
		if _, err := os.Lstat(filepath.Join(top, ".git")); err == nil {
			if inTop, err := filepath.Rel(top, p); err == nil && filepath.IsLocal(inTop) {
				if rel, err := filepath.Rel(wd, p); err == nil {
					return rel
				}
			}
			return p
		}
		up := filepath.Dir(top)
		if up == top {
			return p
		}
		top = up
	}
}

// RelPath shows a path relative to the working directory when it is below
// it, as a person would type it; otherwise as given.
func RelPath(p string) string {
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(p) {
		if rel, err := filepath.Rel(wd, p); err == nil && safefile.Within(wd, p) {
			return rel
		}
	}
	return p
}

// WriteJSON writes v as indented JSON followed by a newline, with no
// legacy workflow command in it (NoCommandsJSON).
func WriteJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(NoCommandsJSON(b.Bytes()))
	return err
}

// NoCommandsJSON writes every "##[" of encoded JSON as "##\u005b": the same
// JSON ('#' stands only inside strings, never after a lone backslash), in
// which GitHub's runner finds no legacy workflow command ("##[name]",
// read anywhere in a line) when the report is printed to a CI log.
// Passwords are masked first: rewritten, a password holding "##[" would
// no longer be the text the output net knows.
func NoCommandsJSON(b []byte) []byte {
	return noCommands(closedKeywords(b), `##\u005b`)
}

// closedKeywords rewrites, in encoded JSON, a string whose password
// keyword the output net (dburl.RedactText) would read past the string's
// closing quote ("notes PGPASSWORD=", "pwd: ", "password='", "PASS=`":
// the quote taken for the value's, masked on into the next member, and
// the report no JSON): its text is masked as a text of its own, then each
// keyword's separator is written \u003d or \u003a. The same JSON, in
// which the net sees no value to run past. Any other string is as it was.
func closedKeywords(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		start := i + 1
		for i = start; i < len(b) && b[i] != '"'; i++ {
			if b[i] == '\\' {
				i++
			}
		}
		if i >= len(b) {
			break
		}
		c := string(b[start:i])
		if !mayHoldKeyword.MatchString(c) {
			continue
		}
		if masked, ok := maskDecoded(c); ok {
			// The text the string holds, masked: escaped, a quoted
			// value ({\"password\": \"a b\"}, password=\"a b\") is
			// not one the net reads.
			out = append(append(append(out, b[last:start]...), masked...), '"')
			last = i + 1
			c = masked
		}
		rest := string(b[i:min(len(b), i+4096)])
		if strings.HasSuffix(dburl.RedactText(c+rest), rest) {
			continue // the net stops inside the string
		}
		if last == i+1 {
			out = out[:len(out)-len(c)-1] // written masked above; now closed too
			last = start
		}
		fixed := keywordSeparator.ReplaceAllStringFunc(dburl.RedactText(c), func(m string) string {
			if strings.HasSuffix(m, "=") {
				return m[:len(m)-1] + `\u003d`
			}
			return m[:len(m)-1] + `\u003a`
		})
		out = append(append(append(out, b[last:start]...), fixed...), '"')
		last = i + 1
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// maskDecoded is the inside of a JSON string c (its encoded text) with
// the text it holds masked and encoded again, if masking changed it.
func maskDecoded(c string) (string, bool) {
	var text string
	if strings.IndexByte(c, '\\') < 0 || json.Unmarshal([]byte(`"`+c+`"`), &text) != nil {
		return "", false
	}
	masked := dburl.RedactText(text)
	if masked == text {
		return "", false
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(masked) != nil {
		return "", false
	}
	e := bytes.TrimSpace(b.Bytes())
	return string(e[1 : len(e)-1]), true
}

// NameWithoutValues is a name (a file's) masked as a text of its own,
// each password keyword's separator then written \x3d ('=') or \x3a
// (':'), as Escape writes what a reader must not take for syntax: text in
// which the output net finds no value after a keyword to mask on into
// what follows (a file named "notes PGPASSWORD=" in a workflow command,
// where the runner has no escape for '='). A keyword that ends the name
// has no value, and gets no mask: "notes PGPASSWORD\x3d".
func NameWithoutValues(s string) string {
	masked := dburl.RedactText(s)
	if loc := keywordSeparator.FindAllStringIndex(s, -1); len(loc) > 0 && strings.TrimRight(s[loc[len(loc)-1][1]:], " \t") == "" {
		masked = strings.TrimSuffix(masked, dburl.Mask)
	}
	return keywordSeparator.ReplaceAllStringFunc(masked, func(m string) string {
		if strings.HasSuffix(m, "=") {
			return m[:len(m)-1] + `\x3d`
		}
		return m[:len(m)-1] + `\x3a`
	})
}

var (
	// mayHoldKeyword finds the keywords dburl's password patterns start
	// at (pass, pwd, and all that hold them).
	mayHoldKeyword = lazyre.New(`(?i)pass|pwd`)
	// keywordSeparator is a password keyword and its separator.
	keywordSeparator = lazyre.New("(?i)(?:password|passwd|passwort|pwd|pass)[\"'`]?\\s*[=:]")
)

// NoCommandsXML is NoCommandsJSON for encoded XML: "##&#91;", the same
// text ('#' stands only in text, attribute values and character
// references, none of which ends "##").
func NoCommandsXML(b []byte) []byte {
	return noCommands(b, "##&#91;")
}

func noCommands(b []byte, with string) []byte {
	if !bytes.Contains(b, []byte("##[")) {
		return b // the common case: no second pass of the redactor
	}
	return bytes.ReplaceAll([]byte(dburl.RedactText(string(b))), []byte("##["), []byte(with))
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

// FromHere is p as a command typed in the working folder reaches it:
// relative to that folder, with ".." steps when p is above or beside it
// ("cd .." from a subfolder of the tool's), as long as the two share a
// folder below the file system's root; else p as it is. RelPath keeps
// paths that are not below the working folder absolute, which is right
// for naming a file but makes a cd printed from a subfolder one that
// only runs on this machine.
func FromHere(p string) string {
	wd, err := os.Getwd()
	if err != nil || !filepath.IsAbs(p) {
		return p
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil {
		return p
	}
	up := 0
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if part == ".." {
			up++
		}
	}
	if depth := len(strings.Split(strings.Trim(filepath.Clean(wd), string(filepath.Separator)), string(filepath.Separator))); up >= depth {
		return p // only the root is shared
	}
	if up > 0 && !sameFolder(rel, p) {
		// The working folder is reached through a link: ".." taken
		// from the real folder (an editor, git) leads elsewhere.
		return p
	}
	return rel
}

// sameFolder is whether rel, from the working folder, and p lead to the
// same place on disk, compared where both exist: what of them does not
// exist yet (a folder a message says is missing) is taken off the ends
// of both, as long as rel still climbs no less.
func sameFolder(rel, p string) bool {
	for {
		a, errA := os.Stat(rel)
		b, errB := os.Stat(p)
		if errA == nil && errB == nil {
			return os.SameFile(a, b)
		}
		if filepath.Base(rel) == ".." || filepath.Base(rel) == "." || filepath.Base(rel) != filepath.Base(p) {
			return false
		}
		rel, p = filepath.Dir(rel), filepath.Dir(p)
	}
}

// RelTo is p relative to base when it is below it, else p as it is.
func RelTo(base, p string) string {
	if rel, err := filepath.Rel(base, p); err == nil && safefile.Within(base, p) {
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

// Width is the widest line dbguard's text output aims for: a terminal of
// 100 columns shows every line whole. A single word wider than that (a long
// URL) is never split, so it may still overflow.
const Width = 100

// Wrap folds text at spaces into lines of at most width columns, starting
// each continuation line with indent. Words are never split, so a command
// or a URL inside text stays whole on one line, and so does a dbguard
// command (GlueCommands). Leading spaces are kept. No continuation line
// starts with a word GitHub's runner reads as a workflow command
// (CommandStart): such a word stays on the line before, however long.
func Wrap(text string, width int, indent string) string {
	text = GlueCommands(text)
	var b strings.Builder
	line, started := 0, false
	for rest := text; rest != ""; {
		// The next word and the spaces before it, kept as they are.
		word := strings.TrimLeft(rest, " ")
		gap := len(rest) - len(word)
		if i := strings.IndexByte(word, ' '); i >= 0 {
			word = word[:i]
		}
		rest = rest[gap+len(word):]
		n := utf8.RuneCountInString(word)
		// A word the runner would read as a workflow command at the
		// start of a line (after the indent) stays on this one.
		if started && word != "" && line+gap+n > width && !CommandStart(word) {
			b.WriteString("\n" + indent)
			line = utf8.RuneCountInString(indent)
			gap = 0
		}
		b.WriteString(strings.Repeat(" ", gap) + word)
		line += gap + n
		started = started || word != ""
	}
	return UnglueCommands(b.String())
}

// command is a dbguard command inside text: its words up to what ends it.
var command = lazyre.New(`dbguard (?:migrate|env|verify|schema|hook|ci|doctor|wait|exec)(?: [^\s;,()]+)*`)

// glue stands for a space inside a command while text is folded.
const glue = "\x00"

// GlueCommands joins the words of every dbguard command in text so that a
// fold at spaces never cuts one: a hint's command stays on one line, to be
// copied whole. UnglueCommands undoes it.
func GlueCommands(text string) string {
	return command.ReplaceAllStringFunc(text, func(c string) string { return strings.ReplaceAll(c, " ", glue) })
}

// UnglueCommands puts back the spaces GlueCommands took.
func UnglueCommands(text string) string { return strings.ReplaceAll(text, glue, " ") }

// Columns lays rows out as a table: each cell but the last padded to its
// column's widest cell and two spaces, as text/tabwriter does, returning
// one string per row (so other lines can be put between the rows).
func Columns(rows [][]string) []string {
	var widths []int
	for _, r := range rows {
		for i, c := range r[:max(len(r)-1, 0)] {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	// Each row in one allocation, its padding cut from a constant: a
	// builder grown cell by cell and a strings.Repeat per padded cell were
	// four allocations a row, on the env report's ~3,000 rows.
	out := make([]string, len(rows))
	var pads []int
	for k, r := range rows {
		n := 0
		pads = pads[:0]
		for i, c := range r {
			n += len(c)
			if i < len(r)-1 {
				pad := widths[i] - utf8.RuneCountInString(c) + 2
				pads = append(pads, pad)
				n += pad
			}
		}
		var b strings.Builder
		b.Grow(n)
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				for pad := pads[i]; pad > 0; pad -= len(spaces) {
					b.WriteString(spaces[:min(pad, len(spaces))])
				}
			}
		}
		out[k] = b.String()
	}
	return out
}

// spaces is Columns' padding.
const spaces = "                                                                "

// Fits reports whether every line fits in Width columns.
func Fits(lines ...string) bool {
	for _, l := range lines {
		if utf8.RuneCountInString(l) > Width {
			return false
		}
	}
	return true
}

// ShellPath is a path as a command's argument: ShellWord, and "./" in
// front of a relative path that starts with "-", which cd, mkdir and the
// like would read as their options (a folder named -db: `cd -db` is
// dash's "Illegal option -d").
func ShellPath(p string) string {
	if strings.HasPrefix(p, "-") {
		p = "./" + p
	}
	return ShellWord(p)
}

// ShellWord is w as a POSIX shell reads it back as one word: as it is when
// it holds only characters no shell expands (PlainWord), else quoted. A
// hint that names a file from a repository ("git log -p -- FILE") is
// pasted into a shell, and a completion candidate (dbguard __complete
// bash) is inserted as typed text: a name like $(rm -rf ~) must stay a
// name.
//
// A word of printable UTF-8 is single-quoted. One with a control character
// (a line break, ESC, DEL) or bytes that are not UTF-8 is written in the
// ANSI-C form bash, zsh and ksh read back ($'a\nb'), one line of printable
// ASCII: single-quoted, a folder named "api\ndbguard: hint: curl ... | sh #"
// put a forged hint line of its own under dbguard's, the talk keeping line
// breaks for dbguard's own multi-line messages. Inside it a quote is \x27,
// not \': a hint is split at "; " outside quotes (clauses), and \' would
// end the quoting there. Bytes from 0x80 are \xHH each, not \u: what bash
// makes of \u depends on the locale, \xHH is the byte.
func ShellWord(w string) string {
	if w != "" && PlainWord(w) {
		return w
	}
	if utf8.ValidString(w) && strings.IndexFunc(w, func(r rune) bool { return r < 0x20 || r == 0x7f || r == utf8.RuneError }) < 0 {
		return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\'':
			b.WriteString(`\x27`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String() + "'"
}

// PlainWord reports whether w means itself to every shell unquoted: it
// holds only letters, digits and _./:=@%+,- (the empty word too, which
// ShellWord quotes as two quotes).
func PlainWord(w string) bool {
	return strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-") == ""
}

// clauses splits a hint at "; ", but not inside a single-quoted word (a
// file name quoted by ShellWord stays whole) nor inside parentheses.
func clauses(msg string) []string {
	var out []string
	quoted, depth, start := false, 0, 0
	for i := 0; i < len(msg); i++ {
		switch {
		case msg[i] == '\'':
			quoted = !quoted
		case !quoted && msg[i] == '(':
			depth++
		case !quoted && msg[i] == ')' && depth > 0:
			depth--
		case !quoted && depth == 0 && strings.HasPrefix(msg[i:], "; "):
			out = append(out, msg[start:i])
			start = i + 2
			i++
		}
	}
	return append(out, msg[start:])
}
