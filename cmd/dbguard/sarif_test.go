package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	// The official SARIF 2.1.0 schema (OASIS, errata 01) ships in this
	// module's source; see internal/gate/schema_test.go.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/xeipuuv/gojsonschema"
)

var (
	sarifOnce   sync.Once
	sarifText   string
	sarifSchErr error
)

// cmdSarifValid validates a file against the official SARIF 2.1.0 schema.
func cmdSarifValid(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sarifvalid FILE")
	}
	sarifOnce.Do(func() {
		var dir []byte
		dir, sarifSchErr = exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3").Output()
		if sarifSchErr != nil {
			return
		}
		var f *ast.File
		f, sarifSchErr = parser.ParseFile(token.NewFileSet(), filepath.Join(strings.TrimSpace(string(dir)), "pkg/report/v210/sarif/schema.go"), nil, 0)
		if sarifSchErr != nil {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if v, ok := n.(*ast.ValueSpec); ok && len(v.Names) == 1 && v.Names[0].Name == "schema" && len(v.Values) == 1 {
				if lit, ok := v.Values[0].(*ast.BasicLit); ok {
					sarifText, _ = strconv.Unquote(lit.Value)
				}
			}
			return sarifText == ""
		})
	})
	if sarifSchErr != nil || !strings.Contains(sarifText, "sarif-schema-2.1.0.json") {
		ts.Fatalf("the SARIF 2.1.0 schema from go-sarif: %v", sarifSchErr)
	}
	res, err := gojsonschema.Validate(gojsonschema.NewStringLoader(sarifText), gojsonschema.NewStringLoader(ts.ReadFile(args[0])))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	for _, e := range res.Errors() {
		ts.Logf("SARIF schema: %s", e)
	}
	if !res.Valid() {
		ts.Fatalf("%s is not valid SARIF 2.1.0", args[0])
	}
}
