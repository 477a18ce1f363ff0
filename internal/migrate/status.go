package migrate

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// State is where one migration stands.
type State string

const (
	Applied State = "applied"
	Pending State = "pending"
	Failed  State = "dirty" // the recorded version, whose migration failed part-way
)

// MigrationStatus is one row of dbguard migrate status.
type MigrationStatus struct {
	Version uint   `json:"version"`
	Name    string `json:"name"`
	Up      string `json:"up_file"`
	Down    string `json:"down_file,omitempty"`
	State   State  `json:"state"`
}

// Status is the state of a database against its migrations folder. Its JSON
// shape is documented in the README.
type Status struct {
	Database string `json:"database"` // host:port/db
	Dir      string `json:"dir"`
	Version  int    `json:"version"` // -1: none applied
	Dirty    bool   `json:"dirty"`
	Missing  bool   `json:"missing"` // the recorded version has no file
	// InProgress names the session holding golang-migrate's lock: a
	// migration run in progress. With Dirty, Version is the migration it
	// is applying right now; without, it is between two migrations.
	InProgress string            `json:"in_progress,omitempty"`
	Pending    int               `json:"pending"`
	Migrations []MigrationStatus `json:"migrations"`
}

// settleTime is how long Status waits for a migration's statement to end
// when the migration lock's session is running one: the server's
// client_connection_check_interval (see pg's checkClientConnection) and a margin.
const settleTime = 3 * time.Second

// Status reads the recorded version and lines it up with the folder.
// golang-migrate records only the newest version, so every file at or below
// it counts as applied. It takes no lock, so a migration in progress
// elsewhere is reported, not waited for.
func (r *Runner) Status() (*Status, error) {
	v, dirty, err := r.Version()
	if err != nil {
		return nil, err
	}
	h := r.holder()
	if dirty && h.active {
		// A client killed mid-migration (kill -9, a second Ctrl-C) leaves
		// its statement running, lock held, until the server notices:
		// within client_connection_check_interval, 2 s for dbguard's own
		// sessions. Give it that long, so a dead run reads as failed.
		for deadline := time.Now().Add(settleTime); h.active && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			h = r.holder()
		}
		if v, dirty, err = r.Version(); err != nil {
			return nil, err
		}
	}
	s := &Status{Database: r.target, Dir: r.src.Dir, Version: v, Dirty: dirty, Migrations: []MigrationStatus{}}
	if v >= 0 {
		_, ok := r.src.Get(uint(v))
		s.Missing = !ok
	}
	s.InProgress = h.desc
	for _, m := range r.src.Migrations {
		st := MigrationStatus{Version: m.Version, Name: m.Name, Up: m.Up, Down: m.Down, State: Pending}
		switch {
		case int(m.Version) == v && dirty:
			st.State = Failed
		case int(m.Version) <= v:
			st.State = Applied
		default:
			s.Pending++
		}
		s.Migrations = append(s.Migrations, st)
	}
	return s, nil
}

// MarshalJSON writes in_progress always, as docs/json.md documents it: the
// session holding the migration lock, or null when none does.
func (s *Status) MarshalJSON() ([]byte, error) {
	type plain Status
	var ip *string
	if s.InProgress != "" {
		ip = &s.InProgress
	}
	return json.Marshal(struct {
		*plain
		InProgress *string `json:"in_progress"`
	}{(*plain)(s), ip})
}

// Err is the verdict: dirty, missing file, or (unless allowed) pending.
func (s *Status) Err(allowPending bool, src *Source) error {
	switch {
	case s.Missing:
		return &MissingVersionError{Version: s.Version, Dir: s.Dir, Below: src.Prev(uint(s.Version))}
	case s.Dirty:
		e := &DirtyError{Version: s.Version, Prev: src.Prev(uint(max(s.Version, 0))), InProgress: s.InProgress}
		if m, ok := src.Get(uint(max(s.Version, 0))); ok {
			e.File = src.Path(m.Up)
		}
		return e
	case s.Pending > 0 && !allowPending:
		return &PendingError{Count: s.Pending, InProgress: s.InProgress}
	}
	return nil
}

// WriteText prints the status for a person.
func (s *Status) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "database\t%s\n", s.Database)
	fmt.Fprintf(tw, "migrations\t%s (%d)\n", s.Dir, len(s.Migrations))
	ver := "none applied"
	if s.Version >= 0 {
		ver = fmt.Sprint(s.Version)
		switch {
		case s.InProgress != "" && s.Dirty:
			ver += " (being applied now by " + s.InProgress + ")"
		case s.Dirty:
			ver += " (dirty)"
		}
		if s.Missing {
			ver += " (no file for it)"
		}
	}
	if s.InProgress != "" && !s.Dirty {
		ver += " (a migration run is in progress: " + s.InProgress + " holds the lock)"
	}
	fmt.Fprintf(tw, "version\t%s\n\n", ver)
	for _, m := range s.Migrations {
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", m.State, m.Version, m.Up)
	}
	if len(s.Migrations) > 0 {
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "pending\t%d\n", s.Pending)
	return tw.Flush()
}
