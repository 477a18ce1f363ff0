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

// A path beginning with ~ was taken for one under the home folder
// wherever it came from, so a file the app reads inside the project was
// warned about as outside it and never judged: path.resolve makes an
// absolute path of the working folder's ~ (a folder named ~), and a join
// from __dirname or process.cwd() starts with /. Only the string dotenv
// is handed decides: its _resolveHome reads a leading ~ as the home
// folder (a literal '~/x', path.join('~', 'x')).
func TestAttackDotenvPathTildeAsNode(t *testing.T) {
	for _, tc := range []struct{ expr, inside string }{
		{"'~/db.env'", ""},               // dotenv: the home folder
		{"path.join('~', 'db.env')", ""}, // "~/db.env", handed to dotenv
		{"path.resolve('~/db.env')", "~/db.env"},
		{"path.resolve('~', 'db.env')", "~/db.env"},
		{"path.resolve(__dirname, '~/db.env')", "src/~/db.env"},
		{"path.join(__dirname, '~', 'db.env')", "src/~/db.env"},
		{"path.join(process.cwd(), '~/db.env')", "~/db.env"},
		{"path.resolve(process.cwd(), '~')", "~"},
	} {
		src := "const path = require('path');\nrequire('dotenv').config({ path: " + tc.expr + " });\n"
		calls, problems := DotenvCalls("src/index.js", []byte(src))
		if calls == nil || len(problems) > 0 {
			t.Errorf("%s: no call read: %v", tc.expr, problems)
			continue
		}
		inside, outside := calls.Resolve(".")
		got := ""
		if len(inside) == 1 {
			got = inside[0]
		}
		if got != tc.inside || len(inside)+len(outside) != 1 {
			t.Errorf("%s: inside %q, outside %q; want inside %q", tc.expr, inside, outside, tc.inside)
		}
	}
}

// NestJS's ConfigModule reads envFilePath with fs itself (config.module.js
// loadEnvFile: fs.existsSync, fs.readFileSync), not through dotenv's
// config, so nothing reads a leading ~ as the home folder: '~/db.env' is
// the file db.env in a folder named ~ of the working folder, inside the
// project. Taken for the home folder, it was warned about as outside the
// project and never judged, whatever database it names.
func TestAttackNestEnvFilePathTildeIsAFolder(t *testing.T) {
	for _, tc := range []struct{ expr, inside string }{
		{"'~/db.env'", "~/db.env"},
		{"['~/db.env']", "~/db.env"},
		{"path.join('~', 'db.env')", "~/db.env"},
		{"path.resolve('~/db.env')", "~/db.env"},
	} {
		src := "import * as path from 'path';\nimport { ConfigModule } from '@nestjs/config';\nConfigModule.forRoot({ envFilePath: " + tc.expr + " })\n"
		calls, problems := DotenvCalls("src/app.module.ts", []byte(src))
		if calls == nil || len(problems) > 0 {
			t.Errorf("%s: no call read: %v", tc.expr, problems)
			continue
		}
		inside, outside := calls.Resolve(".")
		if len(inside) != 1 || inside[0] != tc.inside || len(outside) != 0 {
			t.Errorf("%s: inside %q, outside %q; want inside %q", tc.expr, inside, outside, tc.inside)
		}
	}
}
