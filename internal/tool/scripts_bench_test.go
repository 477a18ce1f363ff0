package tool

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkCheckExecLineScript is what exec -- npm run migrate adds
// before anything runs: the nearest package.json (200 scripts) read and
// parsed, and the script's commands checked.
func BenchmarkCheckExecLineScript(b *testing.B) {
	root := b.TempDir()
	var sb strings.Builder
	sb.WriteString("{\n  \"scripts\": {\n")
	for i := range 200 {
		fmt.Fprintf(&sb, "    \"task%d\": \"node scripts/task%d.js --flag && echo done\",\n", i, i)
	}
	sb.WriteString("    \"migrate\": \"cd db && node migrate.js up > log.txt 2>&1\"\n  }\n}\n")
	writeFiles(&testing.T{}, root, map[string]string{"package.json": sb.String(), "db/x": ""})
	args := []string{"npm", "run", "migrate"}
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckExecLine(root, root, []string{"DATABASE_URL"}, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckCommand is what migrate up adds for tool: command: one
// line split and checked.
func BenchmarkCheckCommand(b *testing.B) {
	root := b.TempDir()
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 5}, urlVars: []string{"DATABASE_URL"}}
	line := `cd . && FOO=1 ./scripts/migrate up --dir "migrations" 2>&1 | tee -a migrate.log`
	b.ReportAllocs()
	for b.Loop() {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			b.Fatal(err)
		}
	}
}
