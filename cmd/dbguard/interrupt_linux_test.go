package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// A second Ctrl-C on migrate plan --format json wrote the partial JSON
// document on stdout and nothing on stderr, where the first Ctrl-C says
// "dbguard: error: interrupted": a person at a terminal saw the process
// end without a word. Now the second says on stderr, as its last line,
// that it ended dbguard and that the document is partial. Both signals
// are sent while the plan runs the file's pg_sleep in its sandbox (a
// backend of a server below dbguard's process whose title says SELECT),
// together: a SIGINT and a SIGTERM pending in a stopped process (two
// SIGINTs pending at once are one, and the first's cancel winds the plan
// down in milliseconds), both delivered when it continues.
func TestAttackSecondInterruptSaysSoOnStderr(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, map[string]string{"000001_sleep.up.sql": "CREATE TABLE t (id int);\nSELECT pg_sleep(60);\n"})
	for _, c := range []struct {
		args []string
		json bool
	}{
		{[]string{"migrate", "plan", "--format", "json"}, true},
		{[]string{"migrate", "plan"}, false},
	} {
		cmd, _ := dbguardProcess(t, dir, c.args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.WaitDelay = 5 * time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(60 * time.Second); !descendantTitled(cmd.Process.Pid, " SELECT"); {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%v never ran the file's SELECT in a sandbox:\n%s", c.args, &stderr)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// Both pending at once: sent to a stopped process, they are
		// delivered together when it continues, so the first's cancel
		// cannot end the plan before the second arrives (under load it
		// did: the gate saw "error: interrupted" as the last line).
		cmd.Process.Signal(syscall.SIGSTOP)
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Process.Signal(syscall.SIGCONT)
		if err := cmd.Wait(); err == nil {
			t.Fatalf("%v exited 0 after two interrupts:\n%s", c.args, &stdout)
		}
		got := stderr.String()
		lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
		last := lines[len(lines)-1]
		if !strings.HasPrefix(last, "dbguard: error: a second interrupt ended dbguard at once") {
			t.Errorf("%v: stderr's last line does not say the second interrupt ended dbguard:\n%s", c.args, got)
		}
		if strings.Contains(last, "JSON document on stdout is partial") != c.json {
			t.Errorf("%v: the line says the JSON document is partial: %v, want %v:\n%s", c.args, !c.json, c.json, last)
		}
		if c.json {
			var doc struct {
				Error struct {
					Class string `json:"class"`
				} `json:"error"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil || doc.Error.Class != "interrupted" {
				t.Errorf("%v: stdout is not the interrupted document (%v):\n%s", c.args, err, &stdout)
			}
		}
		noPassword(t, stdout.String()+got)
	}
}

// descendantTitled says whether a process below pid (its children's
// children included) has title in its command line: a PostgreSQL backend
// shows the command it runs in its process title ("postgres: u db [local]
// SELECT").
func descendantTitled(pid int, title string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	parent := map[int]int{}
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		s := string(data)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		f := strings.Fields(s[end+1:])
		id, err1 := strconv.Atoi(strings.Fields(s)[0])
		if len(f) < 2 || err1 != nil {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			parent[id] = pp
		}
	}
	for id := range parent {
		below := false
		for p, n := parent[id], 0; p > 1 && n < 64; p, n = parent[p], n+1 {
			if p == pid {
				below = true
				break
			}
		}
		if !below {
			continue
		}
		if cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(id), "cmdline")); err == nil && strings.Contains(string(cmdline), title) {
			return true
		}
	}
	return false
}
