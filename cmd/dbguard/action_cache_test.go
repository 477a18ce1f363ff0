package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestActionReplayCache: the action keeps the plan's replay cache between
// jobs. A push job on a GitHub-hosted runner saves what its plan wrote
// (the first plan saves, DBGUARD_CACHE_SAVE=first); the next job, a
// fresh runner (another HOME and RUNNER_TEMP) and a pull request of this
// repository, restores it, and its plan starts warm: it writes no entry,
// so nothing is saved, and its summary is the first job's. A fork's pull
// request and pull_request_target restore and never save; replay-cache:
// off neither restores nor saves; a bad value stops the job (exit 2).
func TestActionReplayCache(t *testing.T) {
	t.Parallel()
	needTool(t, "jq")
	needTool(t, "git")
	rel := localRelease(t)
	dbURL := pgtest.DB(t)
	files := map[string]string{".gitignore": ".env\n", "dbguard.yaml": "version: 1\n"}
	for i := 1; i <= 17; i++ {
		files[fmt.Sprintf("migrations/%06d_t%02d.up.sql", i, i)] = fmt.Sprintf("CREATE TABLE t%02d (id bigserial PRIMARY KEY, a text);\n", i)
		files[fmt.Sprintf("migrations/%06d_t%02d.down.sql", i, i)] = fmt.Sprintf("DROP TABLE t%02d;\n", i)
	}
	ws := workspace(t, files)
	if err := os.WriteFile(filepath.Join(ws, ".env"), []byte("DATABASE_URL="+dbURL+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	up, out := dbguardProcess(t, ws, "migrate", "up", "--no-verify", "16")
	if err := up.Run(); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	store := t.TempDir()
	job := func(event, head, runner, id string, inputs map[string]string) actionRun {
		env := map[string]string{
			"GITHUB_EVENT_NAME": event, "RUNNER_ENVIRONMENT": runner, "GITHUB_RUN_ID": id,
			actionExpr + "github.event.pull_request.head.repo.full_name": head,
			actionCacheStore: store,
		}
		for k, v := range rel {
			env[k] = v
		}
		in := map[string]string{"version": "v0.3.0", "args": "--wait 10s", "format": "text"}
		for k, v := range inputs {
			in[k] = v
		}
		r := runAction(t, ws, in, env)
		// The pending file fails the migrations check (exit 1): the
		// entry, the applied files' replay, is saved all the same.
		if r.failedStep != "" && (r.failedStep != "dbguard ci" || r.exitCode != 1) && inputs["replay-cache"] != "bogus" {
			t.Fatalf("%s job: step %q exited %d:\n%s", event, r.failedStep, r.exitCode, r.log)
		}
		return r
	}

	first := job("push", "", "github-hosted", "101", nil)
	if len(first.used) != 2 || first.used[0] != "restore " || !strings.HasPrefix(first.used[1], "save dbguard-replay-1-Linux-X64-") || !strings.HasSuffix(first.used[1], "-101-1") {
		t.Fatalf("push job: uses %q, want an empty restore and a save under run 101:\n%s", first.used, first.log)
	}
	saved := strings.TrimPrefix(first.used[1], "save ")
	// OS, arch, the working folder's hash, the migrations' blobs' hash, the run.
	if !regexp.MustCompile(`^dbguard-replay-1-Linux-X64-[0-9a-f]{8}-[0-9a-f]{16}-101-1$`).MatchString(saved) {
		t.Errorf("key %q, want the files' hash in it", saved)
	}
	entries, _ := filepath.Glob(filepath.Join(store, saved, "*", "meta"))
	if len(entries) != 1 {
		t.Fatalf("saved %v, want one entry", entries)
	}
	if !strings.Contains(first.summary, "| plan | ✅ pass |") {
		t.Fatalf("push job's summary:\n%s", first.summary)
	}

	// The next job: restored from the push's key (its prefix), warm.
	second := job("pull_request", "acme/app", "github-hosted", "102", nil)
	if !slices.Equal(second.used, []string{"restore " + saved}) {
		t.Errorf("pull request job: uses %q, want the push's entry restored and no save", second.used)
	}
	if !strings.Contains(second.log, "dbguard: replay cache: nothing new to save") {
		t.Errorf("pull request job wrote an entry (its plan was cold):\n%s", second.log)
	}
	if second.summary != first.summary {
		t.Errorf("summaries differ:\n%s\n---\n%s", first.summary, second.summary)
	}

	for _, c := range []struct{ event, head, runner, why string }{
		{"pull_request", "mallory/app", "github-hosted", "never saved from a pull request from another repository (mallory/app)"},
		{"pull_request_target", "mallory/app", "github-hosted", "never saved from the event pull_request_target"},
		{"workflow_run", "", "github-hosted", "never saved from the event workflow_run"},
		{"push", "", "self-hosted", "never saved from a runner that is not GitHub-hosted (self-hosted)"},
	} {
		r := job(c.event, c.head, c.runner, "103", nil)
		if len(r.used) != 1 || r.used[0] != "restore "+saved || !strings.Contains(r.log, c.why) {
			t.Errorf("%s from %q on %s: uses %q, want a restore only, and %q:\n%s", c.event, c.head, c.runner, r.used, c.why, r.log)
		}
	}
	// save: saved whatever the event, when the plan wrote an entry (here
	// warm: nothing new).
	r := job("pull_request_target", "mallory/app", "github-hosted", "104", map[string]string{"replay-cache": "save"})
	if !slices.Equal(r.used, []string{"restore " + saved}) || !strings.Contains(r.log, "nothing new to save") {
		t.Errorf("replay-cache: save: uses %q:\n%s", r.used, r.log)
	}
	r = job("push", "", "github-hosted", "105", map[string]string{"replay-cache": "off"})
	if len(r.used) != 0 {
		t.Errorf("replay-cache: off: uses %q, want none", r.used)
	}
	r = job("push", "", "github-hosted", "106", map[string]string{"replay-cache": "bogus"})
	if r.failedStep != "Replay cache" || r.exitCode != 2 || !strings.Contains(r.log, "replay-cache 'bogus' is not auto, save, restore or off") {
		t.Errorf("replay-cache: bogus: step %q exit %d:\n%s", r.failedStep, r.exitCode, r.log)
	}
}
