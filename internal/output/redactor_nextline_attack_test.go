package output

import (
	"strings"
	"testing"
)

// nextLineValues hold a password (its letters ZQ) on a line after its
// keyword's: after a blank line (libpq skips it), after an unquoted key's
// ':' (util.inspect breaks a long value so, YAML allows it), after a
// prompt answered with nothing.
var nextLineValues = []string{
	"password=\n\nsZQ\n",
	"host=db password=\n\n\n  sZQ\n",
	"{ host: 'db',\n  password:\n   'aaaaZQ bbbbZQ' }\n",
	"db:\n  password:\n    'sZQ'\n",
	"Password:\n\"sZQ\"\n",
	"  password: \n\n    'sZQ tZQ'\n",
}

// TestAttackRedactorValueOnALaterLine: each text, cut into two writes at
// every offset and written a byte a write, shows no part of the
// password, as RedactText over the whole text shows none (before: the
// Redactor held one line for the next and read each line alone, so a
// blank line between, or a cut after "password:\n", showed the value).
func TestAttackRedactorValueOnALaterLine(t *testing.T) {
	for _, text := range nextLineValues {
		for cut := 0; cut <= len(text); cut++ {
			if got := writeParts(text[:cut], text[cut:]); strings.Contains(got, "ZQ") {
				t.Errorf("%q cut at %d: wrote %q", text, cut, got)
				break
			}
		}
		var bytes []string
		for i := range len(text) {
			bytes = append(bytes, text[i:i+1])
		}
		if got := writeParts(bytes...); strings.Contains(got, "ZQ") {
			t.Errorf("%q a byte a write: wrote %q", text, got)
		}
	}
}

// TestRedactorContextEndsAtAValue: the line after a keyword's value, or
// after prose, is read alone: nothing more is masked.
func TestRedactorContextEndsAtAValue(t *testing.T) {
	for _, text := range []string{
		"Password:\nfine\n'quoted'\n",
		"password: x\n'quoted'\n",
	} {
		want := strings.Replace(text, "x\n", "****\n", 1)
		for cut := 0; cut <= len(text); cut++ {
			if got := writeParts(text[:cut], text[cut:]); got != want {
				t.Errorf("%q cut at %d: wrote %q, want %q", text, cut, got, want)
				break
			}
		}
	}
}

// TestRedactorPromptAfterKeywordLineShows: a prompt on the line after a
// keyword's ("Password:" then "Retry? ") shows before its answer comes.
func TestRedactorPromptAfterKeywordLineShows(t *testing.T) {
	var b strings.Builder
	r := NewRedactor(&b)
	for _, c := range "Password:\nRetry? " {
		r.Write([]byte(string(c)))
	}
	if got := b.String(); got != "Password:\nRetry? " {
		t.Errorf("wrote %q before the answer", got)
	}
}

// TestAttackRedactorLineCutBeforeKeyword: a line cut at a blank before
// its keyword is masked as the whole line is (before: "host=db " written
// first left `password="ZQ"""&ZQ` read alone, not as libpq's value after
// a pair, and `&ZQ` was shown; found by FuzzRedactorSplitSecret,
// testdata/fuzz/FuzzRedactorSplitSecret/1cf6fe81a5e9422d).
func TestAttackRedactorLineCutBeforeKeyword(t *testing.T) {
	for _, text := range []string{
		"host=db password=\"sZQ\"\"\"&tZQ\n",
		"host=db password=\n\n\"sZQ\"\"\"&tZQ\n",
	} {
		for cut := 0; cut <= len(text); cut++ {
			if got := writeParts(text[:cut], text[cut:]); strings.Contains(got, "ZQ") {
				t.Errorf("%q cut at %d: wrote %q", text, cut, got)
				break
			}
		}
	}
}
