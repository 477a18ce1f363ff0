package gate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func sample() *Report {
	return &Report{Version: 1, Status: Fail, Checks: []Check{
		{Name: "env", Title: titles["env"], Status: Fail, Summary: "conflict: DATABASE_URL names 2 different databases", Findings: []Finding{
			{File: ".env", Line: 1, Severity: "error", Message: "DATABASE_URL names database 1 of 2: a:5432/db"},
			{File: "backend/.env", Line: 3, Severity: "error", Message: "DATABASE_URL names database 2 of 2: b:5432/db"},
			{File: ".env", Line: 2, Severity: "warning", Message: "100% sure, with a\nnewline, a comma: and colon"},
		}},
		{Name: "credentials", Title: titles["credentials"], Status: Pass, Summary: "none", Findings: []Finding{}},
		{Name: "connection", Title: titles["connection"], Status: Unreachable, Summary: "cannot reach h:5432/db", Findings: []Finding{{File: ".env", Line: 1, Severity: "error", Message: "cannot reach h:5432/db"}}},
		{Name: "migrations", Title: titles["migrations"], Status: Skip, Summary: "no connection", Findings: []Finding{}},
		{Name: "schema", Title: titles["schema"], Status: Error, Summary: "dbguard.yaml:4: bad", Findings: []Finding{{File: "dbguard.yaml", Line: 4, Severity: "error", Message: "bad"}}},
	}}
}

// GitHub's documented syntax: ::error file={name},line={line},title={title}::{message}
var ghLine = regexp.MustCompile(`^::(error|warning) (file=[^,:]+(,line=\d+)?,)?title=[^,:]+::[^\r\n]+$`)

func TestGitHubFormat(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteGitHub(&b); err != nil {
		t.Fatal(err)
	}
	var commands int
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if !strings.HasPrefix(line, "::") {
			continue
		}
		commands++
		if !ghLine.MatchString(line) {
			t.Errorf("not a workflow command: %q", line)
		}
	}
	if commands != 5 || strings.Contains(b.String(), "file=,") {
		t.Errorf("%d workflow commands, want one per finding (5):\n%s", commands, b.String())
	}
	if !strings.Contains(b.String(), "::error file=backend/.env,line=3,title=dbguard env::DATABASE_URL names database 2 of 2") {
		t.Errorf("annotation for backend/.env:3 missing:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "100%25 sure, with a%0Anewline") {
		t.Errorf("message not escaped:\n%s", b.String())
	}
}

func TestJUnitFormat(t *testing.T) {
	// The parse below; TestJUnitSchemas holds the schemas.
	var b bytes.Buffer
	if err := sample().WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, b.String())
	}
	s := doc.Suites[0]
	if s.Name != "dbguard" || s.Tests != 5 || s.Failures != 1 || s.Errors != 2 || s.Skipped != 1 || len(s.Cases) != 5 {
		t.Errorf("suite: %+v", s)
	}
	if s.Cases[0].Name != "env" || s.Cases[0].Failure == nil || s.Cases[1].Failure != nil || s.Cases[2].Error == nil || s.Cases[3].Skipped == nil {
		t.Errorf("cases: %+v", s.Cases)
	}
}

func TestSARIFFormat(t *testing.T) {
	rep := sample()
	rep.tool = "v1.2.3"
	// A name with a newline, a space and a colon stays one relative URI.
	rep.Checks[1].Findings = []Finding{{File: "odd dir/a\nb:c.py", Line: 2, Severity: "error", Message: "a real database password is committed"}}
	var b bytes.Buffer
	if err := rep.WriteSARIF(&b); err != nil {
		t.Fatal(err)
	}
	validSARIF(t, b.Bytes())
	var log struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name    string `json:"name"`
					Version string `json:"version"`
					Rules   []struct {
						ID               string                `json:"id"`
						ShortDescription struct{ Text string } `json:"shortDescription"`
						FullDescription  struct{ Text string } `json:"fullDescription"`
						Help             struct{ Text, Markdown string }
						HelpURI          string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string                `json:"ruleId"`
				Level     string                `json:"level"`
				Message   struct{ Text string } `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }     `json:"artifactLocation"`
						Region           *struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("log: %+v", log)
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "dbguard" || run.Tool.Driver.Version != "v1.2.3" || len(run.Tool.Driver.Rules) != 5 || len(run.Results) != 6 {
		t.Fatalf("run: driver %+v, %d results", run.Tool.Driver, len(run.Results))
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Help.Text == "" || r.Help.Markdown == "" ||
			!regexp.MustCompile(`^https://github\.com/dbguard/dbguard/blob/main/docs/\w+\.md$`).MatchString(r.HelpURI) {
			t.Errorf("rule %s lacks a description, help or a docs link: %+v", r.ID, r)
		}
		if _, err := os.Stat("../../" + strings.TrimPrefix(r.HelpURI, docsBase)); err != nil {
			t.Errorf("rule %s: helpUri names a page the repository lacks: %v", r.ID, err)
		}
	}
	seen := map[string]bool{}
	for _, r := range run.Results {
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" || strings.HasPrefix(r.Locations[0].PhysicalLocation.ArtifactLocation.URI, "/") {
			t.Errorf("result without a relative location: %+v", r)
		}
		fp := r.PartialFingerprints["dbguardFinding/v1"]
		if len(fp) != 32 || seen[fp] {
			t.Errorf("fingerprint missing or not unique: %+v", r)
		}
		seen[fp] = true
	}
	r := run.Results[1]
	if r.RuleID != "dbguard/env" || r.Level != "error" || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "backend/.env" || r.Locations[0].PhysicalLocation.Region.StartLine != 3 {
		t.Errorf("result: %+v", r)
	}
	if got := run.Results[3].Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "odd%20dir/a%0Ab%3Ac.py" {
		t.Errorf("odd name as URI: %q", got)
	}
	if run.Results[2].Level != "warning" {
		t.Errorf("warning result wrong: %+v", run.Results[2])
	}
	// The same finding gives the same fingerprint in another run.
	var again bytes.Buffer
	if err := rep.WriteSARIF(&again); err != nil || !bytes.Equal(again.Bytes(), b.Bytes()) {
		t.Errorf("a second run differs: %v", err)
	}
}

// TestJUnitSchemas validates the report with xmllint against Ant's JUnit
// schema (every check run) and Jenkins' (skipped checks too).
func TestJUnitSchemas(t *testing.T) {
	jenkins, ant := junitXSD(t, "jenkins-junit.xsd"), junitXSD(t, "JUnit.xsd")
	rep := sample()
	rep.started, rep.elapsed, rep.hostname, rep.tool = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), 1234*time.Millisecond, "ci-runner", "v1.2.3"
	var b bytes.Buffer
	if err := rep.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	validJUnit(t, jenkins, b.Bytes())
	for _, want := range []string{`timestamp="2025-01-02T03:04:05"`, `hostname="ci-runner"`, `time="1.234"`, `<property name="dbguard.version" value="v1.2.3">`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %s:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), ": : ") {
		t.Errorf("an empty field:\n%s", b.String())
	}
	// Ant's schema has no skipped test: a run where every check ran.
	rep.Checks[3].Status, rep.Checks[3].Summary = Pass, "at version 1, 0 pending"
	b.Reset()
	if err := rep.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	validJUnit(t, ant, b.Bytes())
	validJUnit(t, jenkins, b.Bytes())
}

func TestJSONAndOverall(t *testing.T) {
	r := sample()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || len(back.Checks) != 5 || back.Checks[0].Findings[1].Line != 3 {
		t.Fatalf("JSON round trip: %v %+v", err, back)
	}
	if got := overall(r.Checks); got != Unreachable {
		t.Errorf("overall = %s, want unreachable (the worst)", got)
	}
	if got := overall([]Check{{Status: Pass}, {Status: Skip}}); got != Pass {
		t.Errorf("overall of pass and skip = %s", got)
	}
}
