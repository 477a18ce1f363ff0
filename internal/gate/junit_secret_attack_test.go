package gate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// TestAttackJUnitEscapesAfterMasking: --format junit escaped the checks'
// text for XML (' as &#39;, " as &#34;, & as &amp;, < as &lt;) before the
// output net masked passwords, so a known password holding one of them
// reached the report as text the net no longer recognised, and a quoted
// value (password='a b') lost its quotes to the escapes and was masked
// only to its blank. The text is masked before it is encoded.
func TestAttackJUnitEscapesAfterMasking(t *testing.T) {
	pw := `Ju&nit<S3"cret'x`
	dburl.AddSecret(pw)
	r := &Report{Version: 1, Status: Fail, Checks: []Check{
		{Name: "connection", Title: titles["connection"], Status: Error, Summary: "server said: password " + pw + " rejected; tool said password='s3cret XY'", Findings: []Finding{
			{File: "cfg/app.env", Line: 1, Severity: "error", Message: "server said: password " + pw + ` rejected; {"password": "s3cret XY"}`},
		}},
	}}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"junit": func(b *bytes.Buffer) error { return r.WriteJUnit(b) },
		"sarif": func(b *bytes.Buffer) error { return r.WriteSARIF(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		shown := dburl.RedactText(b.String()) // what the output net makes of it
		if strings.Contains(shown, "S3") || strings.Contains(shown, "cret") || strings.Contains(shown, "XY") {
			t.Errorf("%s shows a password:\n%s", name, shown)
		}
	}
}
