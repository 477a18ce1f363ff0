package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRaceReportOfAPassingTestShown: a race report test2json files under a
// test that passes is printed, so the failing test's "race detected" has
// its stacks beside it.
func TestRaceReportOfAPassingTestShown(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"==================\n"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"WARNING: DATA RACE\n"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"  main.f() x.go:1\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestA"}`,
		`{"Action":"run","Package":"p","Test":"TestB"}`,
		`{"Action":"output","Package":"p","Test":"TestB","Output":"quiet\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestB"}`,
	}, "\n")
	var w bytes.Buffer
	c, bad, err := summarize(strings.NewReader(in), &w)
	if err != nil || bad || c.Passed != 2 {
		t.Fatalf("counts %+v, bad %v, err %v", c, bad, err)
	}
	if got := w.String(); !strings.Contains(got, "main.f() x.go:1") || strings.Contains(got, "quiet") {
		t.Fatalf("output:\n%s", got)
	}
}
