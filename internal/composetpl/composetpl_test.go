package composetpl

import (
	"errors"
	"io"
	"testing"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/sirupsen/logrus"
)

// env is the mapping every case is expanded with: set, set empty, unset
// (C), and values that hold templates themselves.
var env = map[string]string{"A": "a", "B": "", "D": "${A}", "E": "$$x", "lower": "l", "_u": "u", "A1": "one"}

func lookup(k string) (string, bool) { v, ok := env[k]; return v, ok }

// asModule expands s with this copy and with compose-go's own package,
// and fails when the results, the errors or their kinds differ.
func asModule(t *testing.T, s string) {
	t.Helper()
	got, gerr := SubstituteWithOptions(s, lookup)
	want, werr := template.SubstituteWithOptions(s, lookup, template.WithoutLogging)
	if got != want || (gerr == nil) != (werr == nil) {
		t.Fatalf("%q: got %q, %v; compose-go %q, %v", s, got, gerr, want, werr)
	}
	if gerr == nil {
		return
	}
	var gm *MissingRequiredError
	var wm *template.MissingRequiredError
	var gi *InvalidTemplateError
	var wi *template.InvalidTemplateError
	if gerr.Error() != werr.Error() || errors.As(gerr, &gm) != errors.As(werr, &wm) || errors.As(gerr, &gi) != errors.As(werr, &wi) {
		t.Fatalf("%q: error %T %q; compose-go %T %q", s, gerr, gerr, werr, werr)
	}
}

// TestAsComposeGo: the copy expands as compose-go v2.16.2 does (go.mod
// pins the module this test compares with; a newer one is compared the
// day it is required).
func TestAsComposeGo(t *testing.T) {
	logrus.SetOutput(io.Discard) // the module's warnings for unset nested names
	for _, s := range []string{
		"", "plain", "$A", "${A}", "$$A", "$$", "$", "${", "${}", "${A", "$A$B$C", "${C}", "x${A}y",
		"${C:-d}", "${C-d}", "${B:-d}", "${B-d}", "${A:+s}", "${A+s}", "${B:+s}", "${B+s}", "${C:+s}",
		"${C:?gone}", "${C?gone}", "${B:?empty}", "${B?empty}", "${A:?x}", "${C:?}", "${C?}",
		"${C:-${A}}", "${C:-${C:-${A}}}", "${C:-${D}}", "${C:-${C}}", "${A:+${B:-z}}",
		"${C:-${C:?nested}}", "${C:-a}b}", "${C:-{x}}", "${lower}", "${LOWER}", "$lower", "${_u}", "$_u",
		"${1A}", "$1A", "$A1", "${A1}", "$A1x", "$A_1", "${A-}", "${A:-}", "${C:-$A}", "${C:-$$}", "${C:-}x", "$E", "${E}", "${A B}",
		"${A:=x}", "${A/x/y}", "${#A}", "${A:1}", "\\${A}", "${C:-é}", "$é", "${é}", "${A}${C:-${B:+q}}",
	} {
		asModule(t, s)
	}
}

// FuzzAsComposeGo: any input, as TestAsComposeGo.
func FuzzAsComposeGo(f *testing.F) {
	logrus.SetOutput(io.Discard)
	for _, s := range []string{"${C:-${A}}", "$$A", "${C:?x}", "${A:+${B}}", "${"} {
		f.Add(s)
	}
	f.Fuzz(asModule)
}
