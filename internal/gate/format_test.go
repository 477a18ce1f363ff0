package gate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
)

func sample() *Report {
	return &Report{Version: 1, Status: Fail, Checks: []Check{
		{Name: "env", Title: titles["env"], Status: Fail, Summary: "conflict: DATABASE_URL names 2 different databases", Findings: []Finding{
			{File: ".env", Line: 1, Severity: "error", Message: "DATABASE_URL names database 1 of 2: a:5432/db"},
			{File: "backend/.env", Line: 3, Severity: "error", Message: "DATABASE_URL names database 2 of 2: b:5432/db"},
			{File: ".env", Line: 2, Severity: "warning", Message: "100% sure, with a\nnewline, a comma: and colon"},
		}},
		{Name: "credentials", Title: titles["credentials"], Status: Pass, Summary: "none", Findings: []Finding{}},
		{Name: "connection", Title: titles["connection"], Status: Unreachable, Summary: "cannot reach h:5432/db", Findings: []Finding{{Severity: "error", Message: "cannot reach h:5432/db"}}},
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
	if commands != 5 {
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
	var b bytes.Buffer
	if err := sample().WriteSARIF(&b); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
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
	if run.Tool.Driver.Name != "dbguard" || len(run.Tool.Driver.Rules) != 5 || len(run.Results) != 5 {
		t.Fatalf("run: %d rules, %d results", len(run.Tool.Driver.Rules), len(run.Results))
	}
	r := run.Results[1]
	if r.RuleID != "dbguard/env" || r.Level != "error" || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "backend/.env" || r.Locations[0].PhysicalLocation.Region.StartLine != 3 {
		t.Errorf("result: %+v", r)
	}
	if run.Results[2].Level != "warning" || len(run.Results[3].Locations) != 0 {
		t.Errorf("warning or location-less result wrong: %+v", run.Results[2:4])
	}
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
