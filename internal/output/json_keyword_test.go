package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// TestJSONStringEndingInPasswordKeyword: a string that ends in a password
// keyword and its separator (a tracked file named "notes PGPASSWORD=", a
// message quoting "pwd: " or "password='") made the output net take the
// string's closing quote for the value's opening one, and mask on into
// the next member: dbguard ci --format json printed
// "file": "notes PGPASSWORD=****": 1, which no parser reads. The
// separator is written \u003d or \u003a there: the same JSON, and a
// keyword the net sees no value after.
func TestJSONStringEndingInPasswordKeyword(t *testing.T) {
	for _, s := range []string{"notes PGPASSWORD=", "pwd: ", "set password: ", "password='", "a password=>", "PASS=`", "x password=\"", "password: 'it"} {
		var b bytes.Buffer
		v := []map[string]any{{"file": s, "line": 1, "message": "it's fine"}, {"file": "b", "message": "o'k"}}
		if err := WriteJSON(&b, v); err != nil {
			t.Fatal(err)
		}
		out := dburl.RedactText(b.String())
		var back []map[string]any
		if err := json.Unmarshal([]byte(out), &back); err != nil {
			t.Errorf("%q: %v\n%s", s, err, out)
			continue
		}
		// The string itself is masked as a text of its own (an empty
		// value may show as the mask); the members after it are intact.
		if back[0]["line"] != float64(1) || back[0]["message"] != "it's fine" || back[1]["message"] != "o'k" {
			t.Errorf("%q: read back %v", s, back)
		}
	}
	// A password is masked as before.
	var b bytes.Buffer
	if err := WriteJSON(&b, map[string]string{"m": "PGPASSWORD=Secret9xyz rest"}); err != nil {
		t.Fatal(err)
	}
	if out := dburl.RedactText(b.String()); strings.Contains(out, "Secret9xyz") {
		t.Errorf("shown: %s", out)
	}
}
