package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoRaceListHasNoGoroutines holds the Makefile's rule for NORACE, the
// packages `make test` runs without -race: no goroutine in their code (a
// go statement, a signal handler, time.AfterFunc), no parallel test.
// pyshim's After (its reading after Alembic: three goroutines and a time
// limit) was added to a listed package and ran unraced.
func TestNoRaceListHasNoGoroutines(t *testing.T) {
	root := filepath.Join("..", "..")
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, line := range strings.Split(string(mk), "\n") {
		if rest, ok := strings.CutPrefix(line, "NORACE "); ok {
			_, list, _ := strings.Cut(rest, ":=")
			pkgs = strings.Fields(list)
		}
	}
	if len(pkgs) == 0 {
		t.Fatal("no NORACE line in the Makefile")
	}
	for _, pkg := range pkgs {
		dir := filepath.Join(root, "internal", pkg)
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Errorf("NORACE lists %s: no Go files in %s", pkg, dir)
			continue
		}
		for _, name := range files {
			for _, why := range concurrency(t, name, strings.HasSuffix(name, "_test.go")) {
				t.Errorf("NORACE lists %s, but %s (run it under -race: take it off NORACE)", pkg, why)
			}
		}
	}
}

// concurrency lists what in the file runs goroutines: in code, go
// statements and Go methods (sync.WaitGroup's, errgroup's), os/signal and time.AfterFunc; in a test, t.Parallel.
func concurrency(t *testing.T, name string, test bool) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	at := func(n ast.Node, what string) {
		found = append(found, fset.Position(n.Pos()).String()+": "+what)
	}
	if !test {
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "os/signal" {
				at(imp, "imports os/signal")
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			if !test {
				at(n, "starts a goroutine")
			}
		case *ast.CallExpr:
			// sync.WaitGroup.Go, errgroup.Group.Go: a goroutine too.
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && !test && sel.Sel.Name == "Go" {
				at(n, "starts a goroutine (its Go method)")
			}
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && !test && x.Name == "time" && n.Sel.Name == "AfterFunc" {
				at(n, "calls time.AfterFunc")
			}
			if test && n.Sel.Name == "Parallel" {
				at(n, "has a parallel test")
			}
		}
		return true
	})
	return found
}
