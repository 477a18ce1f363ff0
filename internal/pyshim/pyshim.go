// Package pyshim proves where a Python child connects, rather than
// guessing from its source: dbguard writes a sitecustomize.py into a
// private temporary folder it puts first on the child's PYTHONPATH. It
// wraps the connect functions of psycopg2, psycopg 3, asyncpg and pg8000
// and refuses any connection to a database other than the guarded one,
// recording the caller's file:line; dbguard reads the record when the
// child ends and removes the folder. Nothing is written into the project.
// It can also read after the tool (After): fork before the project's code
// runs, and run a reader script once the tool exited 0, every connection
// refused.
package pyshim

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

//go:embed sitecustomize.py
var source []byte

// The variables the shim reads.
const (
	TargetVar = "DBGUARD_GUARD_TARGET"
	ReportVar = "DBGUARD_GUARD_REPORT"
)

// Target is the guarded database as the shim compares it: host and port
// pairs, and the database name, as libpq resolves them.
type Target struct {
	Hosts  [][2]string `json:"hosts"`
	DBName string      `json:"dbname"`
	Show   string      `json:"show"`
}

// TargetOf is the database u names, completed as the driver completes it
// in this process's environment (PGHOST, PGPORT, PGDATABASE, a service).
func TargetOf(u *dburl.URL) Target {
	id := u.Identity()
	if full, _, err := u.Complete(dburl.ProcessEnvironment()); err == nil {
		id = full.Identity()
	}
	t := Target{DBName: id.Database, Show: id.String()}
	ports := strings.Split(id.Port, ",")
	for i, h := range strings.Split(id.Host, ",") {
		p := ports[0]
		if i < len(ports) {
			p = ports[i]
		}
		if p == "" {
			p = dburl.DefaultPort
		}
		t.Hosts = append(t.Hosts, [2]string{h, p})
	}
	return t
}

// Shim is one child's guard: its folder and what it recorded.
type Shim struct {
	dir    string
	target Target
}

// New writes the shim into a fresh private temporary folder.
func New(t Target) (*Shim, error) {
	dir, err := os.MkdirTemp("", "dbguard-pyshim-")
	if err != nil {
		return nil, fmt.Errorf("preparing the Python connection guard: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sitecustomize.py"), source, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("preparing the Python connection guard: %w", err)
	}
	return &Shim{dir: dir, target: t}, nil
}

// Dir is the shim's private folder, removed by Close.
func (s *Shim) Dir() string { return s.dir }

// Close removes the folder.
func (s *Shim) Close() error { return os.RemoveAll(s.dir) }

// Env is what the child needs set, given the environment it would get:
// the folder first on PYTHONPATH, the target, and where to report.
func (s *Shim) Env(environ []string) map[string]string {
	path := s.dir
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "PYTHONPATH="); ok && v != "" {
			path = s.dir + string(os.PathListSeparator) + v
		}
	}
	t, _ := json.Marshal(s.target)
	return map[string]string{"PYTHONPATH": path, TargetVar: string(t), ReportVar: filepath.Join(s.dir, "report.jsonl")}
}

// Refusal is one connection the shim refused.
type Refusal struct {
	Driver string `json:"driver"`
	Caller string `json:"caller"` // file:line, absolute
	Got    string `json:"got"`    // host:port/database
}

// Result is what the shim recorded.
type Result struct {
	Loaded  bool // some Python process loaded it
	Refused []Refusal
}

// Result reads the record so far.
func (s *Shim) Result() (Result, error) { return readReport(filepath.Join(s.dir, "report.jsonl")) }

func readReport(path string) (Result, error) {
	var r Result
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var ev struct {
			Event string `json:"event"`
			Refusal
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		switch ev.Event {
		case "loaded":
			r.Loaded = true
		case "refused":
			r.Refused = append(r.Refused, ev.Refusal)
		}
	}
	return r, sc.Err()
}

// Err is a *RefusedError when the shim refused a connection of tool's.
func (s *Shim) Err(tool string) error {
	r, err := s.Result()
	if err != nil || len(r.Refused) == 0 {
		return err
	}
	return &RefusedError{Tool: tool, Refusal: r.Refused[0], Guarded: s.target.Show, More: len(r.Refused) - 1}
}

// RefusedError is a child that tried to connect to another database than
// the guarded one: the connection was refused before anything ran there.
type RefusedError struct {
	Tool    string
	Refusal Refusal
	Guarded string
	More    int // other refused attempts
}

// ExitCode is 1: the tool would have used another database.
func (e *RefusedError) ExitCode() int { return exitcode.CheckFailed }

func (e *RefusedError) Error() string {
	more := ""
	if e.More > 0 {
		more = fmt.Sprintf(" (and %d more attempt(s))", e.More)
	}
	return fmt.Sprintf("%s: %s opened a %s connection to %s, not to the guarded database %s; dbguard refused it, nothing ran there%s",
		oneLine(output.FilePath(e.Refusal.Caller)), e.Tool, e.Refusal.Driver, oneLine(e.Refusal.Got), e.Guarded, more)
}

// Hint names the next step.
func (e *RefusedError) Hint() string {
	return fmt.Sprintf("make %s take its URL from the environment dbguard sets (e.g. create_engine(os.environ[\"DATABASE_URL\"]), no load_dotenv(override=True), no literal URL), then run the command again",
		oneLine(output.FilePath(fileOf(e.Refusal.Caller))))
}

func fileOf(loc string) string {
	if i := strings.LastIndexByte(loc, ':'); i > 0 {
		if _, err := strconv.Atoi(loc[i+1:]); err == nil {
			return loc[:i]
		}
	}
	return loc
}

// oneLine keeps text from the child on one line: control characters are
// escaped.
func oneLine(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
