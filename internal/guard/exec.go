package guard

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/safefile"
)

// URLIn is the guarded URL as the loaders of dir (absolute, or relative
// to the project root) write it (see envcheck.Report.MigrateURLIn): for a
// child run there. Through an allowed pooler, the URL itself.
func (t *Target) URLIn(dir string) *dburl.URL {
	if t.ThroughPooler || t.Report == nil {
		return t.URL
	}
	if filepath.IsAbs(dir) {
		rel, err := filepath.Rel(t.Report.Root, dir)
		if err != nil || !safefile.Within(t.Report.Root, dir) {
			return t.URL
		}
		dir = rel
	}
	if u := t.Report.MigrateURLIn(dir); u != nil {
		return u
	}
	return t.URL
}

// locationVars are the variables a PostgreSQL driver (libpq, pgx, lib/pq,
// psycopg, asyncpg) reads to choose where it connects when the URL leaves
// it out.
var locationVars = []string{"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSERVICEFILE", "PGOPTIONS"}

// ChildEnv is the environment of a child handed the guarded URL u: environ
// with set applied, and of the location variables only those the guard
// completed u from (a URL without a host takes PGHOST). The others could
// only ever point the child's driver elsewhere (PGHOSTADDR, a PGSERVICE
// whose file says hostaddr), so they are cleared. A u naming a host of the
// repository's without a password gets pg.ChildRequireAuth's rule, as
// dbguard's own connections do: the environment's password goes there
// only by SCRAM, whatever require_auth the URL writes.
func ChildEnv(environ []string, set map[string]string, u *dburl.URL) []string {
	if auth := pg.ChildRequireAuth(u); auth != "" {
		// The URL's own require_auth would win over the variable: the
		// repository's word, it says the rule too.
		plain, ruled := u.String(), u.Overriding("require_auth", auth).String()
		set = maps.Clone(set)
		for k, v := range set {
			if v == plain {
				set[k] = ruled
			}
		}
		set["PGREQUIREAUTH"] = auth
	}
	keep := map[string]bool{}
	if _, done, err := u.Complete(dburl.ProcessEnvironment()); err == nil {
		for _, c := range done {
			keep[c.From] = true
			if strings.HasPrefix(c.From, "service ") {
				keep["PGSERVICE"], keep["PGSERVICEFILE"] = true, true
			}
		}
	} else {
		return SetEnv(environ, set) // the guard completed it, or refused
	}
	if u.Param("service") != "" {
		keep["PGSERVICEFILE"] = true
	}
	return slices.DeleteFunc(SetEnv(environ, set), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		_, mine := set[k]
		return !mine && !keep[k] && slices.Contains(locationVars, k)
	})
}

// SetEnv is environ with each variable of set given its value and no
// other definition of it; those come last, sorted by name.
func SetEnv(environ []string, set map[string]string) []string {
	env := []string{}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok {
			env = append(env, kv)
		}
	}
	keys := slices.Sorted(maps.Keys(set))
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return env
}

// Run runs a child of dbguard's (exec's command, a migration tool) to its
// end and returns its exit code, 128+N when signal N ended it. The
// terminal sends Ctrl-C to the child itself; a SIGTERM or SIGHUP sent to
// dbguard alone is passed on.
func Run(cmd *exec.Cmd, name string) (int, error) { return RunStarted(cmd, name, nil) }

// RunStarted is Run, calling started (when not nil) with the child once
// it has started.
func RunStarted(cmd *exec.Cmd, name string, started func(*os.Process)) (int, error) {
	return RunWith(cmd, name, RunOptions{Started: started})
}

// RunOptions are Run's choices beyond the command.
type RunOptions struct {
	// Started, when not nil, is called with the child once it has started.
	Started func(*os.Process)
	// Unstop: a process of the child's that stays stopped by a signal
	// (polled every Unstop/4) while dbguard runs is killed with the rest,
	// and the run fails with a StoppedError. Zero: no watch (dbguard
	// exec, whose command may stop its own jobs). Its output pipes are
	// read for Unstop after the child's end, no longer (exec.Cmd's
	// WaitDelay): what a process it left behind writes then is lost.
	Unstop time.Duration
}

// RunWith is Run with o.
func RunWith(cmd *exec.Cmd, name string, o RunOptions) (int, error) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if o.Unstop > 0 && cmd.WaitDelay == 0 {
		// A process outside the tree the watch reads (setsid, a double
		// fork) that holds the child's output pipe, stopped or asleep,
		// would hold the run after the child's end: exec waits for the
		// pipe's end. The pipes get the watch's time, then are closed.
		cmd.WaitDelay = o.Unstop
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("cannot run %s: %w", name, err)
	}
	if o.Started != nil {
		o.Started(cmd.Process)
	}
	done := make(chan struct{})
	found := make(chan *StoppedError, 1)
	if o.Unstop > 0 {
		w := stopWatch{interval: o.Unstop / 4, polls: 4}
		go w.watch(cmd.Process.Pid, name, done, found)
	}
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil // the child exited 0; only its pipes were held
	}
	select {
	case stopped := <-found:
		return 0, stopped
	default:
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return code, nil
	}
	return 0, err
}
