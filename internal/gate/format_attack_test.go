package gate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// TestAttackGitHubEscapesAfterMasking: --format github escaped '%' before
// the output net masked passwords, so a known password with '%' in it
// reached the log as Ab%25cd@...: text the net no longer recognised.
func TestAttackGitHubEscapesAfterMasking(t *testing.T) {
	pw := "Gh%pct@S3cret!x"
	dburl.AddSecret(pw)
	r := &Report{Version: 1, Status: Fail, Checks: []Check{
		{Name: "connection", Title: titles["connection"], Status: Error, Summary: "server said: password " + pw + " rejected", Findings: []Finding{
			{File: "cfg/" + pw + ".env", Line: 1, Severity: "error", Message: "server said: password " + pw + " rejected"},
		}},
	}}
	var b bytes.Buffer
	if err := r.WriteGitHub(&b); err != nil {
		t.Fatal(err)
	}
	// What the output net then makes of it.
	shown := dburl.RedactText(b.String())
	if strings.Contains(strings.ToLower(shown), "s3cret") {
		t.Errorf("the workflow commands show the password:\n%s", shown)
	}
	if !strings.Contains(shown, "password **** rejected") {
		t.Errorf("message not masked as expected:\n%s", shown)
	}
}
