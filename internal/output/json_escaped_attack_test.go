package output

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// TestAttackJSONEscapedQuotedValue: a JSON report escapes the quotes of
// the text it holds, so a quoted value in it ({"password": "s3cret XY"}
// a tool logged, password="s3cret XY" in a server's message) reached the
// output net as {\"password\": \"s3cret XY\"}, which no pattern reads:
// shown whole, or from the blank on. A string holding a keyword and an
// escape is masked as the text it holds, then encoded again (SARIF and
// every --format json).
func TestAttackJSONEscapedQuotedValue(t *testing.T) {
	v := map[string]any{"messages": []string{
		`tool log: {"password": "s3cret XY", "host": "db"}`,
		`server said: password="s3cret XY" rejected`,
		"multi\nline: PASSWORD = 's3cret\nXY' end",
	}, "next": "kept"}
	var b strings.Builder
	if err := WriteJSON(&b, v); err != nil {
		t.Fatal(err)
	}
	shown := dburl.RedactText(b.String())
	if strings.Contains(shown, "s3cr") || strings.Contains(shown, "XY") {
		t.Errorf("a password is shown:\n%s", shown)
	}
	if !strings.Contains(shown, `"next": "kept"`) || !strings.Contains(shown, `\"host\": \"db\"`) {
		t.Errorf("the report lost more than the passwords:\n%s", shown)
	}
}
