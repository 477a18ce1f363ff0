// Command testsum reads `go test -json` on standard input and prints what a
// person reads in CI: each package's ok/FAIL line, the whole output of every
// failed test, and a closing count, "tests: N passed, N failed, N skipped".
//
// With -tally FILE the counts are added to FILE (created if missing) and the
// closing line is the running total, so the last line .ci/run prints counts
// every `go test` it ran. It exits 1 when a test or a package failed, so a
// pipeline with pipefail fails too.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type counts struct{ Passed, Failed, Skipped int }

func main() {
	tally := flag.String("tally", "", "add the counts to this file and print the running total")
	flag.Parse()
	c, bad, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	if *tally != "" {
		var prev counts
		if b, err := os.ReadFile(*tally); err == nil {
			if err := json.Unmarshal(b, &prev); err != nil {
				fmt.Fprintln(os.Stderr, "testsum:", *tally, err)
				os.Exit(2)
			}
		}
		c.Passed += prev.Passed
		c.Failed += prev.Failed
		c.Skipped += prev.Skipped
		b, _ := json.Marshal(c)
		if err := os.WriteFile(*tally, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "testsum:", err)
			os.Exit(2)
		}
	}
	fmt.Printf("tests: %d passed, %d failed, %d skipped\n", c.Passed, c.Failed, c.Skipped)
	if bad {
		os.Exit(1)
	}
}

// summarize copies the stream's verdicts to w and counts every test and
// subtest (fuzz seeds and saved crashers included). Lines that are not JSON
// (a build failure, a panic before the test binary started) pass through.
func summarize(r io.Reader, w io.Writer) (counts, bool, error) {
	var c counts
	bad := false
	out := map[string][]string{} // package/test -> output, dropped once passed
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if e.Test == "" {
				// Package-level output: build errors, the final ok/FAIL line,
				// a panic in TestMain.
				if s := e.Output; strings.HasPrefix(s, "ok ") || strings.HasPrefix(s, "FAIL") || strings.HasPrefix(s, "?") ||
					!strings.HasPrefix(s, "PASS") && !strings.HasPrefix(s, "=== ") && !strings.HasPrefix(s, "--- PASS") {
					fmt.Fprint(w, s)
				}
				continue
			}
			out[key] = append(out[key], e.Output)
		case "pass":
			if e.Test != "" {
				c.Passed++
				// The race detector's report lands in whichever test
				// test2json thinks is running, often one that passes
				// while another fails with "race detected": show it.
				if lines := out[key]; slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "WARNING: DATA RACE") }) {
					fmt.Fprint(w, strings.Join(lines, ""))
				}
			}
			delete(out, key)
		case "skip":
			if e.Test != "" {
				c.Skipped++
				// A skip says why; CI should show it.
				for _, l := range out[key] {
					if !strings.HasPrefix(l, "=== ") {
						fmt.Fprint(w, l)
					}
				}
			}
			delete(out, key)
		case "fail":
			bad = true
			if e.Test != "" {
				c.Failed++
				fmt.Fprint(w, strings.Join(out[key], ""))
			}
			delete(out, key)
		}
	}
	return c, bad, sc.Err()
}
