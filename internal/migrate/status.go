package migrate

import (
	"fmt"
	"io"
	"text/tabwriter"
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
	// InProgress names the session holding the migration lock when the
	// version is dirty because a migration is running right now.
	InProgress string            `json:"in_progress,omitempty"`
	Pending    int               `json:"pending"`
	Migrations []MigrationStatus `json:"migrations"`
}

// Status reads the recorded version and lines it up with the folder.
// golang-migrate records only the newest version, so every file at or below
// it counts as applied.
func (r *Runner) Status() (*Status, error) {
	v, dirty, err := r.Version()
	if err != nil {
		return nil, err
	}
	s := &Status{Database: r.target, Dir: r.src.Dir, Version: v, Dirty: dirty, Migrations: []MigrationStatus{}}
	if v >= 0 {
		_, ok := r.src.Get(uint(v))
		s.Missing = !ok
	}
	if dirty {
		s.InProgress = r.lockHolder()
	}
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
		return &PendingError{Count: s.Pending}
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
		case s.InProgress != "":
			ver += " (being applied now by " + s.InProgress + ")"
		case s.Dirty:
			ver += " (dirty)"
		}
		if s.Missing {
			ver += " (no file for it)"
		}
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
