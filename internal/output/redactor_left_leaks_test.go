package output

import (
	"strings"
	"testing"
)

// leftLeakLines hold a password (its letters ZQ) as the producers print
// it in the forms dburl's TestAttackRedactLeftLeaks names: Unicode blanks
// at the separator, a backslash continuation, pprint's split string, an
// INI bare value, a percent-encoded query name, a raw blank in a URL's
// password.
var leftLeakLines = []string{
	"x password\u00a0=\u00a0sZQ\n",
	"password\u3000:\u3000'sZQ XZQ'\n",
	"  password = \\\n    'sZQ XZQ'\n",
	"{'host': 'db',\n 'password': 'aaaa bbbb '\n             'ccZQ ddZQ '\n             'eeZQ'}\n",
	"[db]\ndb_password = aZQ bZQ cZQ\nhost = db\n",
	"postgres://h/d?pass%77ord=sZQ&sslmode=require\n",
	"connecting to postgres://u:aZQ bZQ@h/d now\n",
}

// TestAttackRedactorLeftLeaksSplit: each line, cut into two writes at
// every offset and written a byte a write, shows no part of the password.
func TestAttackRedactorLeftLeaksSplit(t *testing.T) {
	for _, line := range leftLeakLines {
		write := func(parts ...string) string {
			var b strings.Builder
			r := NewRedactor(&b)
			for _, p := range parts {
				r.Write([]byte(p))
			}
			r.Flush()
			return b.String()
		}
		for cut := 0; cut <= len(line); cut++ {
			if got := write(line[:cut], line[cut:]); strings.Contains(got, "ZQ") {
				t.Errorf("%q cut at %d: wrote %q", line, cut, got)
				break
			}
		}
		var bytes []string
		for i := range len(line) {
			bytes = append(bytes, line[i:i+1])
		}
		if got := write(bytes...); strings.Contains(got, "ZQ") {
			t.Errorf("%q a byte a write: wrote %q", line, got)
		}
	}
}
