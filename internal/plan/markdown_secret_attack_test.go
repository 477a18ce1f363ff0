package plan

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
)

// TestAttackMarkdownEscapesHideNoPassword: the plan's Markdown escapes a
// note's "://" as "\://" and "@" as "@<!-- -->" (no GitHub autolink), and
// [, <, ` and \ with a backslash; the output net, which masks the text
// as written, then found no URL (postgres\://app:pw@<!-- -->db) and no
// registered password ("ZQ[XJ" written "ZQ\[XJ"), and the shadow's error
// quoting them was shown. Passwords are masked before the escapes.
func TestAttackMarkdownEscapesHideNoPassword(t *testing.T) {
	const secret = "ZQ[XJ\\ZQ`XJ<ZQ"
	dburl.AddSecret(secret)
	r := &Report{Status: "fail", Files: []File{}, Findings: []Finding{}, Notes: []string{
		"the shadow stopped at 1_seed.sql:3: ERROR: could not reach postgres://app:ZQXJpw@db.internal/app (SQLSTATE 08006)",
		"the shadow stopped at 2_roles.sql:1: ERROR: role check failed: " + secret,
	}}
	var b strings.Builder
	w := output.NewRedactor(&b)
	if err := r.WriteMarkdown(w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got := b.String(); strings.Contains(got, "ZQ") || strings.Contains(got, "XJ") {
		t.Errorf("a password is shown:\n%s", got)
	}
	if got := b.String(); !strings.Contains(got, `postgres\://app:****@<!-- -->db.internal/app`) {
		t.Errorf("the URL is not shown masked:\n%s", got)
	}
}
