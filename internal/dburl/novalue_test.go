package dburl

import (
	"strings"
	"testing"
)

// TestRedactKeywordWithNoValue: '=' and the white space after it ran on
// across a line break, so a keyword that ended a line masked the first
// word of the next ("export PGPASSWORD=" then "alembic upgrade head"
// showed "**** upgrade head"; a heading "Password" underlined with "="
// lost its underline), and a keyword that ended the text got a mask for
// a value it did not have ("notes PGPASSWORD=****"). Neither hides a
// password: the value of an empty assignment is empty. A value that is on
// the next line in the formats that put it there (indented, quoted,
// Ruby's =>, a libpq string) is still masked.
func TestRedactKeywordWithNoValue(t *testing.T) {
	for _, in := range []string{
		"export PGPASSWORD=\nalembic upgrade head\n",
		"notes PGPASSWORD=",
		"notes PGPASSWORD=  ",
		"Password\n========\n",
		"PGPASSWORD=\r\nnext\r\n",
		"PGPASSWORD=\n\n  next\n",
	} {
		if out := RedactText(in); out != in {
			t.Errorf("RedactText(%q) = %q, want it as it is", in, out)
		}
	}
	for in, want := range map[string]string{
		"[db]\npassword =\n    s3cretXY\nhost = db\n":         "[db]\npassword =\n    ****\nhost = db\n",
		"{\"password\"=>\n  \"s3cret XY\", \"host\"=>\"db\"}": "{\"password\"=>\n  ****, \"host\"=>\"db\"}",
		"host=db password=\ns3cretXY\n":                       "host=db password=\n****\n",
		"dbname=app\npassword\n=\ns3cretXY":                   "dbname=app\npassword\n=\n****",
		"export PGPASSWORD=\n's3cret XY'\n":                   "export PGPASSWORD=\n****\n",
		"PGPASSWORD=\n\tS3cretXY\n":                           "PGPASSWORD=\n\t****\n",
		"passwd\r=s3cretXY":                                   "passwd\r=****",
		"password=\ns3cretXY\n":                               "password=\n****\n",
	} {
		out := RedactText(in)
		if out != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, out, want)
		}
		if strings.Contains(strings.ToLower(out), "s3cret") {
			t.Errorf("RedactText(%q) shows the password: %q", in, out)
		}
	}
}

// TestValueOnNextLine: the lines a writer holds for the next one.
func TestValueOnNextLine(t *testing.T) {
	for _, s := range []string{`  "password"=>`, "password =", "export PGPASSWORD=", `{"password":`, "ALTER ROLE app WITH PASSWORD", "host=db pwd= \r", "paſsword="} {
		if !ValueOnNextLine(s) {
			t.Errorf("ValueOnNextLine(%q) = false", s)
		}
	}
	for _, s := range []string{"Password:", "password: ", "the password", "password=x", "a = b", "", "PASSWORDS"} {
		if ValueOnNextLine(s) {
			t.Errorf("ValueOnNextLine(%q) = true", s)
		}
	}
}

// TestRedactMaskedValueKeepsTheSentence: the .NET rule (a bare value
// after password= runs to a ';' with no '=' before it on the line) read
// dbguard's own message "password=**** (move it to an ignored .env file
// or a secret store; a false positive ..." as a value up to the ';', and
// the advice was lost (the hook's scripts failed on it). A value that is
// the mask already, then a blank, ends there.
func TestRedactMaskedValueKeepsTheSentence(t *testing.T) {
	for _, in := range []string{
		"app.py:3: a real database password is being committed: jdbc:postgresql://db/app?user=app&password=**** (move it to an ignored .env file or a secret store; a false positive can carry the comment dbguard:allow)",
		`pg_service.conf:3: a real database password is being committed: password=**** in service "prod" (move it to a secret store; a false positive can carry the comment dbguard:allow)`,
	} {
		if out := RedactText(in); out != in {
			t.Errorf("RedactText(%q)\n = %q", in, out)
		}
	}
	if out := RedactText("Password = a bXY; Host=db"); strings.Contains(out, "XY") {
		t.Errorf("the .NET value is shown: %q", out)
	}
}
