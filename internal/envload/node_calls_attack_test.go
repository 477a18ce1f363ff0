package envload

import "testing"

// path.join is not path.resolve: path.join(__dirname, '/etc/db.env') is
// the file etc/db.env beside the calling file, where path.resolve starts
// again at /etc. The calls reader took both for resolve, so an app that
// loaded src/etc/db.env with override: true was judged by its .env alone,
// its second database called "outside the project" (exit 0). The wants
// are what node v20's path module gives (dirname /p/src, cwd /p).
func TestAttackDotenvPathJoinAbsolutePart(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"path.join(__dirname, '/etc/db.env')", "file:etc/db.env"},          // /p/src/etc/db.env
		{"path.join(import.meta.dirname, '..', '/x.env')", "file:../x.env"}, // /p/x.env
		{"path.join(process.cwd(), '/config/db.env')", "config/db.env"},     // /p/config/db.env
		{"path.join('config', '/db.env')", "config/db.env"},                 // /p/config/db.env
		{"path.resolve(__dirname, '/etc/db.env')", "/etc/db.env"},
		{"path.resolve(process.cwd(), '/etc/db.env')", "/etc/db.env"},
		{"path.join('/etc', 'db.env')", "/etc/db.env"},
	} {
		src := "const path = require('path');\nrequire('dotenv').config({ path: " + tc.expr + " });\n"
		calls, problems := DotenvCalls("src/index.js", []byte(src))
		if calls == nil || len(problems) > 0 {
			t.Errorf("%s: no call read: %v", tc.expr, problems)
			continue
		}
		p := calls.Loads[0].Paths[0]
		got := map[bool]string{true: "file:"}[p.FromFile] + p.Name
		if got != tc.want {
			t.Errorf("%s: read as %s, want %s", tc.expr, got, tc.want)
		}
	}
}
