package gate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/output"
)

// TestServiceInEveryFormat: a monorepo's report (the root, then each
// service) names the service of every check and finding in every format,
// and SARIF keeps one rule per check however many services ran it.
func TestServiceInEveryFormat(t *testing.T) {
	root := &Report{Checks: []Check{{Name: "env", Status: Skip, Summary: "no database outside the services", Findings: []Finding{}}}}
	web := &Report{Checks: []Check{{Name: "env", Status: Pass, Summary: "one database in effect", Findings: []Finding{}}}}
	worker := &Report{Checks: []Check{{Name: "env", Status: Fail, Summary: "conflict", Findings: []Finding{
		{File: "apps/worker/jobs/.env", Line: 1, Severity: "error", Message: "DATABASE_URL names database 2 of 2"}}}}}
	web.mark("web")
	worker.mark("worker")
	rep := Combine([]*Report{root, web, worker})
	if rep.Status != Fail {
		t.Fatalf("status %s, want fail", rep.Status)
	}
	write := func(f string) string {
		var b bytes.Buffer
		if err := rep.Write(&b, output.Format(f)); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for f, want := range map[string][]string{
		"text":   {"PASS  web/env ", "FAIL  worker/env ", "SKIP  env "},
		"github": {"::error file=apps/worker/jobs/.env,line=1,title=dbguard worker/env::service worker: DATABASE_URL names database 2 of 2", "dbguard web/env: pass"},
		"junit":  {`name="worker/env" classname="dbguard.worker.env"`, `name="web/env"`, "service worker: DATABASE_URL"},
		"json":   {`"service": "worker"`, `"service": "web"`},
	} {
		got := write(f)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q:\n%s", f, w, got)
			}
		}
	}
	var sarif struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleIndex  int
				Message    struct{ Text string }
				Properties map[string]string
			}
		}
	}
	if err := json.Unmarshal([]byte(write("sarif")), &sarif); err != nil {
		t.Fatal(err)
	}
	run := sarif.Runs[0]
	if len(run.Tool.Driver.Rules) != 1 || len(run.Results) != 1 {
		t.Fatalf("%d rules, %d results: want one rule for env and one result", len(run.Tool.Driver.Rules), len(run.Results))
	}
	if r := run.Results[0]; r.RuleIndex != 0 || r.Properties["service"] != "worker" || !strings.HasPrefix(r.Message.Text, "service worker: ") {
		t.Errorf("result %+v", r)
	}
}
