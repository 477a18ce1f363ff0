package output

import (
	"strings"
	"testing"
	"time"
)

// splitLines are one-line texts that hold the password "s3cret XY" (a
// blank in it, so a cut at the blank is a cut the writer may make) as
// the formats write it, with blanks, tabs or CRLF around the separator.
var splitLines = []string{
	"password = 's3cret XY'\n",
	"PASSWORD\t=\t's3cret XY'\r\n",
	"pwd\t:\t\"s3cret XY\"\n",
	"database:\n  password: 's3cret XY'\n",
	`{"password" : "s3cret XY"}` + "\n",
	"password => 's3cret XY'\n",
	`"password"  =>  "s3cret XY"` + "\n",
	"host=db password = 's3cret XY' user=app\n",
	"alter role app with password 's3cret XY';\n",
	"ALTER ROLE app WITH PASSWORD E's3cret XY';\n",
	"Host=db;Password = s3cret XY;Port=5432\r\n",
	"PGPASSWORD=$'s3cret XY' alembic upgrade head\n",
	"password = r\"s3cret XY\", host = 'db'\n",
	"{'PASSWORD': r'''s3cret XY''', 'HOST': 'db'}\n",
	// The value on the next line: Ruby's pp, an INI's continuation
	// line, libpq, SQL.
	"{\"adapter\"=>\"postgresql\",\n \"password\"=>\n  \"s3cret XY\"}\n",
	"[db]\npassword =\n    s3cretXY\nhost = db\n",
	"host=db password=\n's3cret XY'\n",
	"host=db password=\ns3cretXY\n",
	"ALTER ROLE app WITH PASSWORD\n's3cret XY';\n",
}

// TestAttackRedactorSplitAtEveryOffset: a partial line that ended with a
// keyword and white space ("password ", "pwd\t", `"password" `) was
// written at once, as no '=' followed yet; the next write brought
// "= 's3cret XY'" with no keyword before it, and the password was shown.
// A partial line that ended like a prompt ("pwd\t:\t", YAML's
// "  password: ") was written at once, and the value came next with no
// keyword; it now waits promptWait for more. A pipe's reads may cut a
// child's output anywhere: every cut of every line into two writes, and
// into writes of one byte, is masked.
func TestAttackRedactorSplitAtEveryOffset(t *testing.T) {
	for _, line := range splitLines {
		for cut := 0; cut <= len(line); cut++ {
			var b strings.Builder
			r := NewRedactor(&b)
			r.Write([]byte(line[:cut]))
			r.Write([]byte(line[cut:]))
			r.Flush()
			if got := b.String(); strings.Contains(got, "s3cr") || strings.Contains(got, "XY") {
				t.Errorf("%q cut at %d: wrote %q", line, cut, got)
			}
		}
		var b strings.Builder
		r := NewRedactor(&b)
		for i := range len(line) {
			r.Write([]byte{line[i]})
		}
		r.Flush()
		if got := b.String(); strings.Contains(got, "s3cr") || strings.Contains(got, "XY") {
			t.Errorf("%q a byte a write: wrote %q", line, got)
		}
	}
}

// TestAttackRedactorWriteAfterFlushHeld: the second Ctrl-C wrote the held
// part ("password='s3cret ", masked) and the process went on to end; a
// write that came in between (the child's pipe still copied) brought the
// rest of the value with no keyword before it, and showed it. After
// FlushHeld a Redactor writes nothing more.
func TestAttackRedactorWriteAfterFlushHeld(t *testing.T) {
	var b strings.Builder
	r := NewRedactor(&b)
	r.Write([]byte("tool: password='s3cret "))
	r.FlushHeld(time.Second)
	r.Write([]byte("XY' as app\n"))
	r.Flush()
	if got := b.String(); strings.Contains(got, "s3cr") || strings.Contains(got, "XY") {
		t.Errorf("wrote %q", got)
	}
	if got := b.String(); !strings.Contains(got, "tool: password=****") {
		t.Errorf("the held part was not written, masked: %q", got)
	}
}

// TestRedactorPromptShows: a prompt for a password shows at once, with
// no line break after it and no wait (it waited 100 ms for more of its
// line); the rest of its line is written masked, blanks as they are.
func TestRedactorPromptShows(t *testing.T) {
	for _, prompt := range []string{"Password: ", "Enter PGPASSWORD:\t", "db pwd : ", "  password: "} {
		var b strings.Builder
		r := NewRedactor(&b)
		r.Write([]byte(prompt))
		if got := b.String(); got != prompt {
			t.Errorf("prompt %q: wrote %q at once", prompt, got)
		}
		r.Write([]byte("typed"))
		r.Write([]byte(" more\r\nnext line\n"))
		r.Flush()
		if got := b.String(); got != prompt+"****\r\nnext line\n" {
			t.Errorf("prompt %q then its line: wrote %q", prompt, got)
		}
	}
	// Answered with nothing: nothing to mask.
	var b strings.Builder
	r := NewRedactor(&b)
	r.Write([]byte("Password: "))
	r.Write([]byte("\n"))
	r.Flush()
	if got := b.String(); got != "Password: \n" {
		t.Errorf("an empty answer: wrote %q", got)
	}
}

// TestAttackRedactorValueAfterSlowPrompt: a partial line that ended like
// a prompt ("  password: ", a YAML writer's mapping cut after its key)
// was written after 100 ms, and a value that came later, with no keyword
// before it, was shown. However late it comes, and however it ends (a
// line break, Flush, a second Ctrl-C's FlushHeld), it is masked now.
func TestAttackRedactorValueAfterSlowPrompt(t *testing.T) {
	for _, end := range []func(*Redactor){
		func(r *Redactor) { r.Write([]byte(" XY\n")); r.Flush() },
		func(r *Redactor) { r.Flush() },
		func(r *Redactor) { r.FlushHeld(time.Second) },
	} {
		var b strings.Builder
		r := NewRedactor(&b)
		r.Write([]byte("database:\n  password: "))
		time.Sleep(150 * time.Millisecond) // past the old wait
		r.Write([]byte("s3cret"))
		end(r)
		if got := b.String(); strings.Contains(got, "s3c") || strings.Contains(got, "XY") {
			t.Errorf("the value after a slow prompt was shown: %q", got)
		}
	}
	// A quoted value with a line break in it (found by
	// FuzzRedactorSplitSecret: the second line was shown), and a value
	// with a URL after it (masked whole, not the URL's password alone).
	for _, tc := range []struct{ prompt, rest, want string }{
		{"database:\n  password: ", "'s3c\nret XY'\n  host: db\n", "database:\n  password: '****'\n  host: db\n"},
		{"Password: ", "s3cret postgres://u:pw@h\nnext\n", "Password: ****\nnext\n"},
	} {
		var b strings.Builder
		r := NewRedactor(&b)
		r.Write([]byte(tc.prompt))
		r.Write([]byte(tc.rest))
		r.Flush()
		if got := b.String(); got != tc.want {
			t.Errorf("%q then %q: wrote %q, want %q", tc.prompt, tc.rest, got, tc.want)
		}
	}
}
