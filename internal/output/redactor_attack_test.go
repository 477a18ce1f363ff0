package output

import (
	"strings"
	"testing"
)

// TestAttackRedactorKeywordCutAtSpace: a partial line is written up to its
// last white space, unless a password may be pending; that was judged by
// "password" and a later '=' only, so a write that ended after
// `PGPASS= ` or `{"password": ` (a child's pipe buffer filling there)
// let the value out in the next write, with no keyword before it. A
// prompt ("Password: ") still shows at once.
func TestAttackRedactorKeywordCutAtSpace(t *testing.T) {
	for _, parts := range [][]string{
		{`db_pass= `, `'s3c ret'` + "\n"},
		{`pwd = `, `"s3cret"` + "\n"},
		{`{"password": `, `"s3cret"}` + "\n"},
		{`{'PASSWORD': `, `'s3cret'}` + "\n"},
		{`conn = {"host": "db", "password": `, `"s3cret"}` + "\n"},
	} {
		var b strings.Builder
		r := NewRedactor(&b)
		for _, p := range parts {
			r.Write([]byte(p))
		}
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "s3c") {
			t.Errorf("%q: wrote %q", parts, b.String())
		}
	}
	for _, prompt := range []string{"Password: ", "Enter the pass phrase: ", "password for app: "} {
		var b strings.Builder
		r := NewRedactor(&b)
		r.Write([]byte(prompt))
		if b.String() != prompt {
			t.Errorf("prompt %q held back: %q", prompt, b.String())
		}
	}
}
