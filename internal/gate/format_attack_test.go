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

// runnerCommand parses a workflow command line as GitHub's runner does
// (actions/runner ActionCommand.TryParseV2): the properties between the
// first space and the next "::", split at ',' and each at its first '=',
// %-escapes undone; the data after it.
func runnerCommand(line string) (name string, props map[string]string, data string, ok bool) {
	line = strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(line, "::") {
		return "", nil, "", false
	}
	end := strings.Index(line[2:], "::")
	if end < 0 {
		return "", nil, "", false
	}
	info, data := line[2:2+end], line[4+end:]
	name, rest, _ := strings.Cut(info, " ")
	props = map[string]string{}
	unescape := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%")
	for _, p := range strings.Split(strings.TrimSpace(rest), ",") {
		if k, v, found := strings.Cut(p, "="); found && k != "" && v != "" {
			props[k] = unescape.Replace(v)
		}
	}
	return name, props, data, true
}

// TestAttackGitHubFileNameEndingInPasswordKeyword: a committed file named
// "notes PGPASSWORD=" lost its annotation's line and title: the output net
// masked after the keyword's '=' on into ",line=3,title=...", and the
// runner has no escape for '='. Its annotation now has no file property
// (none can hold the name through the net), keeps its line and title, and
// names the file in its message, the separator written \x3d.
func TestAttackGitHubFileNameEndingInPasswordKeyword(t *testing.T) {
	for _, name := range []string{"notes PGPASSWORD=", "db_pass =", "x pwd=y.env"} {
		r := &Report{Version: 1, Status: Fail, Checks: []Check{
			{Name: "credentials", Title: titles["credentials"], Status: Fail, Summary: "a password", Findings: []Finding{
				{File: name, Line: 3, Severity: "error", Message: "a real password is committed"},
				{File: "ok/.env", Line: 2, Severity: "error", Message: "another"},
			}},
		}}
		var b bytes.Buffer
		if err := r.WriteGitHub(&b); err != nil {
			t.Fatal(err)
		}
		shown := dburl.RedactText(b.String()) // what the output net writes
		lines := strings.Split(shown, "\n")
		cmd, props, data, ok := runnerCommand(lines[0])
		if !ok || cmd != "error" || props["line"] != "3" || props["title"] != "dbguard credentials" {
			t.Errorf("%q: the runner reads %q %v %q from:\n%s", name, cmd, props, data, shown)
		}
		if f, has := props["file"]; has {
			t.Errorf("%q: a file property %q that is not the file", name, f)
		}
		if !strings.HasSuffix(data, ":3: a real password is committed") || !strings.Contains(data, `\x3`) {
			t.Errorf("%q: the message does not name the file and line: %q", name, data)
		}
		// The next finding, an ordinary name, keeps its file.
		if _, props, _, _ := runnerCommand(lines[1]); props["file"] != "ok/.env" || props["line"] != "2" {
			t.Errorf("%q: the next annotation: %v", name, props)
		}
	}
}
