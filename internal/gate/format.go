package gate

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Location is file:line, the file alone, or "".
func (f Finding) Location() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

// WriteText writes the report for a person: one line per check, its
// findings indented beneath it.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%-5s %-12s %s\n", strings.ToUpper(string(statusWord(c.Status))), c.Name, c.Summary)
		for _, f := range c.Findings {
			loc := f.Location()
			if loc != "" {
				loc += ": "
			}
			fmt.Fprintf(&b, "      %s: %s%s\n", f.Severity, loc, f.Message)
		}
	}
	fmt.Fprintf(&b, "\nCI gate: %s\n", r.Status)
	_, err := io.WriteString(w, b.String())
	return err
}

func statusWord(s Status) Status {
	if s == Unreachable {
		return "down"
	}
	return s
}

// WriteGitHub writes GitHub Actions workflow commands: one ::error or
// ::warning per finding, with file and line where known, so they appear as
// annotations on the pull request.
func (r *Report) WriteGitHub(w io.Writer) error {
	var b strings.Builder
	for _, c := range r.Checks {
		for _, f := range c.Findings {
			level := "error"
			if f.Severity == "warning" {
				level = "warning"
			}
			var props []string
			if f.File != "" {
				props = append(props, "file="+ghProperty(f.File))
				if f.Line > 0 {
					props = append(props, fmt.Sprintf("line=%d", f.Line))
				}
			}
			props = append(props, "title="+ghProperty("dbguard "+c.Name))
			fmt.Fprintf(&b, "::%s %s::%s\n", level, strings.Join(props, ","), ghData(f.Message))
		}
		fmt.Fprintf(&b, "dbguard %s: %s: %s\n", c.Name, c.Status, c.Summary)
	}
	fmt.Fprintf(&b, "dbguard CI gate: %s\n", r.Status)
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

type junitSuites struct {
	XMLName xml.Name   `xml:"testsuites"`
	Suites  []junitSet `xml:"testsuite"`
}

type junitSet struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes a JUnit XML report: one test case per check, for CI
// test report views.
func (r *Report) WriteJUnit(w io.Writer) error {
	set := junitSet{Name: "dbguard"}
	for _, c := range r.Checks {
		tc := junitCase{Name: c.Name, Classname: "dbguard", SystemOut: c.Title}
		var details []string
		for _, f := range c.Findings {
			details = append(details, fmt.Sprintf("%s: %s: %s", f.Severity, f.Location(), f.Message))
		}
		p := &junitProblem{Message: c.Summary, Type: string(c.Status), Text: strings.Join(details, "\n")}
		switch c.Status {
		case Fail:
			tc.Failure = p
			set.Failures++
		case Error, Unreachable:
			tc.Error = p
			set.Errors++
		case Skip:
			tc.Skipped = &junitProblem{Message: c.Summary}
			set.Skipped++
		}
		set.Tests++
		set.Cases = append(set.Cases, tc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSet{set}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteSARIF writes a SARIF 2.1.0 log, for code scanning: one rule per
// check, one result per finding.
func (r *Report) WriteSARIF(w io.Writer) error {
	type region struct {
		StartLine int `json:"startLine"`
	}
	type physical struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region *region `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type message struct {
		Text string `json:"text"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		Level     string     `json:"level"`
		Message   message    `json:"message"`
		Locations []location `json:"locations,omitempty"`
	}
	type rule struct {
		ID               string  `json:"id"`
		Name             string  `json:"name"`
		ShortDescription message `json:"shortDescription"`
	}
	var rules []rule
	results := []result{}
	for _, c := range r.Checks {
		rules = append(rules, rule{ID: "dbguard/" + c.Name, Name: c.Name, ShortDescription: message{c.Title}})
		for _, f := range c.Findings {
			res := result{RuleID: "dbguard/" + c.Name, Level: "error", Message: message{f.Message}}
			if f.Severity == "warning" {
				res.Level = "warning"
			}
			if f.File != "" {
				var p physical
				p.ArtifactLocation.URI = f.File
				if f.Line > 0 {
					p.Region = &region{StartLine: f.Line}
				}
				res.Locations = []location{{PhysicalLocation: p}}
			}
			results = append(results, res)
		}
	}
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "dbguard", "informationUri": "https://github.com/dbguard/dbguard", "rules": rules,
			}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
