package guard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/dbguard/dbguard/internal/dburl"
)

// ExecOptions says what dbguard exec runs behind the guard.
type ExecOptions struct {
	Guard  Options
	Vars   []string // the variables the command finds set to the guarded URL
	Args   []string // the command and its arguments
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer // also the guard's talk
}

// Exec runs the guard, then the command with Vars set to the guarded URL
// in its environment only, never on its command line. It returns the
// command's exit code, 128+N when signal N ended it.
func Exec(ctx context.Context, o ExecOptions) (int, error) {
	o.Guard.Mutating = true // a migration tool, or anything else given the URL
	t, err := Check(ctx, o.Guard, o.Stderr)
	if err != nil {
		return 0, err
	}
	path, err := exec.LookPath(o.Args[0])
	if err != nil {
		return 0, fmt.Errorf("cannot run %s: %w", o.Args[0], err)
	}
	cmd := exec.Command(path, o.Args[1:]...)
	if wd, err := os.Getwd(); err == nil {
		// The URL as this folder's own env files write it (driver suffix
		// included), only the endpoint made direct.
		t = &Target{URL: t.URLIn(wd), Report: t.Report, ThroughPooler: t.ThroughPooler}
	}
	cmd.Env = t.Environ(os.Environ(), o.Vars)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	return Run(cmd, o.Args[0])
}

// URLIn is the guarded URL as the loaders of dir (absolute, or relative
// to the project root) write it (see envcheck.Report.MigrateURLIn): for a
// child run there. Through an allowed pooler, the URL itself.
func (t *Target) URLIn(dir string) *dburl.URL {
	if t.ThroughPooler || t.Report == nil {
		return t.URL
	}
	if filepath.IsAbs(dir) {
		rel, err := filepath.Rel(t.Report.Root, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			return t.URL
		}
		dir = rel
	}
	if u := t.Report.MigrateURLIn(dir); u != nil {
		return u
	}
	return t.URL
}

// Environ is environ with each of vars set to the guarded URL, and no
// other definition of them.
func (t *Target) Environ(environ, vars []string) []string {
	set := map[string]string{}
	for _, v := range vars {
		set[v] = t.URL.String()
	}
	return SetEnv(environ, set)
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
func Run(cmd *exec.Cmd, name string) (int, error) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("cannot run %s: %w", name, err)
	}
	done := make(chan struct{})
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
