package dburl

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// TestAttackRedactMaskedValueInXMLKeepsTheMarkup: a JUnit report's text,
// masked before encoding/xml escaped it (a line break as &#xA;), passes
// the output net again as it is (before: password=**** ran on to the
// next blank, and the net ate the line breaks' references, the words
// after and the closing tag: the report was no XML).
func TestAttackRedactMaskedValueInXMLKeepsTheMarkup(t *testing.T) {
	for _, text := range []string{
		"migration failed\njdbc:postgresql://db/app?user=app&password=****\nnext line",
		"PGPASSWORD=****\nexit status 1",
		"password=****",
	} {
		var b bytes.Buffer
		b.WriteString("<failure>")
		xml.EscapeText(&b, []byte(text))
		b.WriteString("</failure>")
		in := b.String()
		if got := RedactText(in); got != in {
			t.Errorf("RedactText(%q)\n = %q", in, got)
		}
	}
	// An unmasked value is still masked, to the markup or past it.
	if got := RedactText("<failure>password=s3cretXY&#xA;x</failure>"); bytes.Contains([]byte(got), []byte("XY")) {
		t.Errorf("shown: %q", got)
	}
}
