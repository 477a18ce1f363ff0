package envcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The dotenv calls search reads each file naming dotenv whole, at about
// 7 MB/s when the code is dense with import and require statements; it
// was bounded only per file (1 MiB) and in number (5,000), so a
// repository of 5,000 such files kept dbguard env, and every command that
// resolves the env files, busy for more than ten minutes (200 took 30 s).
// The bytes searched in one command are bounded, and the file where the
// search stopped is named.
func TestAttackJSCallsSearchBounded(t *testing.T) {
	defer func(n int) { maxJSSearched = n }(maxJSSearched)
	maxJSSearched = 2 << 20
	root := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".env", "DATABASE_URL="+dbA+"\n")
	write("package.json", `{"name":"api","dependencies":{"dotenv":"^17.2.3"}}`)
	dense := ("// dotenv\n" + strings.Repeat("const x = require(\"y\").config(a, b);\n", 30000))[:maxJSFileSize-100]
	for i := range 4 {
		write(fmt.Sprintf("src/f%d.js", i), dense)
	}
	r := mustResolve(t, root, nil)
	var warned []string
	for _, w := range r.Warnings {
		warned = append(warned, w.Location+" "+w.Message)
	}
	if all := strings.Join(warned, "\n"); !strings.Contains(all, "src/f2.js the JavaScript and TypeScript files naming dotenv hold more than 2 MiB") {
		t.Errorf("no warning where the search stopped; warnings:\n%s", all)
	}
}
