package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/output"
)

// State is where one migration stands.
type State string

const (
	Applied State = "applied"
	Pending State = "pending"
	Failed  State = "dirty"  // the recorded version, whose migration failed part-way
	Late    State = "late"   // below the recorded version, never applied (merged late)
	Changed State = "edited" // applied, and its file changed since
)

// MigrationStatus is one row of dbguard migrate status.
type MigrationStatus struct {
	Version uint   `json:"version"`
	Name    string `json:"name"`
	Up      string `json:"up_file"`
	Down    string `json:"down_file,omitempty"`
	State   State  `json:"state"`
	// From the ledger, for an applied migration.
	Checksum  string     `json:"checksum,omitempty"`
	AppliedAt *time.Time `json:"applied_at,omitempty"`
	AppliedBy string     `json:"applied_by,omitempty"`
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
	// Integrity is what dbguard's ledger says: edited files, late merges,
	// versions it has no record of, and the migration in flight.
	Integrity Integrity `json:"integrity"`
	// Warnings about the folder that golang-migrate accepts.
	Warnings []string `json:"warnings"`

	dirty *DirtyError // the explanation of a dirty version
}

// settleTime is how long Status waits for a migration's statement to end
// when the migration lock's session is running one: the server's
// client_connection_check_interval (see pg's checkClientConnection) and a margin.
var settleTime = 3 * time.Second

// SetSettleTime sets how long Status waits for a migration lock holder's
// statement to end (3 s unless set). Only dbguard's own test binary calls
// it, for the scripts whose holder is alive on purpose (a live holder is
// waited out in full, and the script proves nothing by waiting): no flag,
// file or environment variable of the dbguard binary reaches it.
func SetSettleTime(d time.Duration) { settleTime = d }

// Status reads the recorded version and lines it up with the folder.
// golang-migrate records only the newest version, so every file at or below
// it counts as applied. It takes no lock, so a migration in progress
// elsewhere is reported, not waited for.
func (r *Runner) Status() (*Status, error) {
	v, dirty, err := r.Version()
	if err != nil {
		return nil, err
	}
	r.ahead.upTo(v)
	h, err := r.holder()
	if err != nil {
		return nil, err
	}
	if dirty && h.active {
		// A client killed mid-migration (kill -9, a second Ctrl-C) leaves
		// its statement running, lock held, until the server notices:
		// within client_connection_check_interval, 2 s for dbguard's own
		// sessions. Give it that long, so a dead run reads as failed.
		for deadline := time.Now().Add(settleTime); h.active && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			if h, err = r.holder(); err != nil {
				return nil, err
			}
		}
		if v, dirty, err = r.Version(); err != nil {
			return nil, err
		}
	}
	s := &Status{Database: r.target, Dir: r.src.Dir, Version: v, Dirty: dirty, Migrations: []MigrationStatus{}, Warnings: r.src.Warnings}
	if s.Warnings == nil {
		s.Warnings = []string{}
	}
	if v >= 0 {
		_, ok := r.src.Get(uint(v))
		s.Missing = !ok
	}
	s.InProgress = h.desc
	entries, exists, err := r.ledger.read(context.Background())
	if err != nil {
		return nil, r.explain(err, "")
	}
	// Dirty, the version is the migration in flight's; the integrity of
	// the folder is judged at the clean version before it.
	clean := v
	if f := inFlight(entries); dirty && f != nil && f.VersionDirty == v {
		clean = f.VersionBefore
	} else if dirty {
		clean = r.src.Prev(uint(max(v, 0)))
	}
	set := applied(entries)
	r.sumAll(set)
	if s.Integrity, err = integrity(entries, set, r.src, clean, r.sum); err != nil {
		return nil, err
	}
	s.Integrity.Ledger = exists
	// What the next run would not adopt (its objects are missing) is late
	// already: status says so before any run records anything.
	if !dirty && len(s.Integrity.Unrecorded) > 0 {
		var keep []int
		absent, _, err := r.checkAppliedAll(s.Integrity.Unrecorded, clean)
		if err != nil {
			return nil, err
		}
		for _, uv := range s.Integrity.Unrecorded {
			if len(absent[uv]) > 0 {
				s.Integrity.Late = append(s.Integrity.Late, uv)
			} else {
				keep = append(keep, uv)
			}
		}
		s.Integrity.Unrecorded = append([]int{}, keep...)
		sort.Ints(s.Integrity.Late)
	}
	if dirty {
		s.dirty = r.explainDirty(v, s.Integrity.InFlight, s.InProgress)
	}
	late := map[int]bool{}
	for _, l := range s.Integrity.Late {
		late[l] = true
	}
	edited := map[int]bool{}
	for _, x := range s.Integrity.Edited {
		edited[x.Version] = true
	}
	for _, m := range r.src.Migrations {
		ver := int(m.Version)
		st := MigrationStatus{Version: m.Version, Name: m.Name, Up: m.Up, Down: m.Down, State: Pending}
		switch {
		case s.dirty != nil && s.dirty.Entry != nil && s.dirty.Entry.Version == ver,
			s.dirty != nil && s.dirty.Entry == nil && ver == v:
			st.State = Failed
		case late[ver]:
			st.State = Late
		case edited[ver]:
			st.State = Changed
		case ver <= v:
			st.State = Applied
		default:
			s.Pending++
		}
		if e, ok := set[ver]; ok && st.State != Pending {
			at := e.StartedAt
			st.Checksum, st.AppliedAt, st.AppliedBy = e.Checksum, &at, who(*e)
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
		return s.dirty
	case len(s.Integrity.Edited) > 0:
		return &EditedError{Edited: s.Integrity.Edited}
	case len(s.Integrity.Late) > 0:
		e := &LateError{Current: s.Version}
		for _, v := range s.Integrity.Late {
			m, _ := src.Get(uint(v))
			e.Files = append(e.Files, src.Path(m.Up))
		}
		return e
	case s.Pending > 0 && !allowPending:
		return &PendingError{Count: s.Pending, InProgress: s.InProgress}
	}
	return nil
}

// DirtyErr is the verdict on the version alone: dirty, or a missing file.
func (s *Status) DirtyErr(src *Source) error {
	if s.Missing || s.Dirty {
		return s.Err(true, src)
	}
	return nil
}

// WriteText prints the status for a person.
func (s *Status) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "database\t%s\n", s.Database)
	fmt.Fprintf(tw, "migrations\t%s (%d)\n", s.Dir, len(s.Migrations))
	inProgress := output.Escape(s.InProgress) // from the ledger
	ver := "none applied"
	if s.Version >= 0 {
		ver = fmt.Sprint(s.Version)
		switch {
		case s.InProgress != "" && s.Dirty:
			ver += " (being applied now by " + inProgress + ")"
		case s.Dirty:
			ver += " (dirty)"
		}
		if s.Missing {
			ver += " (no file for it)"
		}
	}
	if s.InProgress != "" && !s.Dirty {
		ver += " (a migration run is in progress: " + inProgress + " holds the lock)"
	}
	fmt.Fprintf(tw, "version\t%s\n\n", ver)
	for _, m := range s.Migrations {
		file := m.Up
		if m.State == Failed && s.dirty != nil && s.dirty.Entry != nil && s.dirty.Entry.Direction == DirDown && m.Down != "" {
			file = m.Down // the file that failed: the explanation names it too
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", m.State, m.Version, file)
	}
	if len(s.Migrations) > 0 {
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "pending\t%d\n", s.Pending)
	in := s.Integrity
	switch {
	case !in.Ledger && len(in.Unrecorded) > 0:
		fmt.Fprintf(tw, "ledger\tnone yet: the next dbguard migrate up records the %d applied migration(s) as found\n", len(in.Unrecorded))
	case !in.Ledger:
		fmt.Fprintf(tw, "ledger\tnone yet\n")
	case len(in.Unrecorded) > 0:
		fmt.Fprintf(tw, "ledger\t%d applied migration(s) outside dbguard (%s); recorded as found by the next dbguard migrate up\n", len(in.Unrecorded), joinInts(in.Unrecorded))
	default:
		fmt.Fprintf(tw, "ledger\tevery applied migration recorded, %d edited, %d late\n", len(in.Edited), len(in.Late))
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(tw, "warning\t%s\n", w)
	}
	return tw.Flush()
}

// WriteHistory prints the ledger for a person, oldest first, in lines of
// at most output.Width columns: an error ends its row, cut to what fits
// (--format json has it whole), or goes on a line of its own below; a
// table too wide for the file names puts each file on the line below.
func WriteHistory(w io.Writer, entries []Entry) error {
	head := []string{"ID", "STARTED (UTC)", "WHAT", "VERSION", "FILE", "STATE", "TOOK", "BY", "SHA256"}
	rows := [][]string{head}
	for _, e := range entries {
		what := e.Direction
		if e.OutOfOrder {
			what += " (out of order)"
		}
		took := "-"
		if d := e.Duration(); d > 0 {
			took = d.Round(time.Millisecond).String()
		}
		file := e.File
		if file == "" {
			file = e.Name
		}
		// The ledger is a table anyone with the role can write: its text
		// is shown escaped, one line a row.
		rows = append(rows, []string{fmt.Sprint(e.ID), e.StartedAt.UTC().Format("2006-01-02 15:04:05"), output.Escape(what), fmt.Sprint(e.Version),
			output.Escape(file), output.Escape(e.State), took, output.Escape(who(e)), output.Escape(shortSum(e.Checksum))})
	}
	lines := output.Columns(rows)
	fileBelow := !output.Fits(lines...)
	if fileBelow {
		for i, r := range rows {
			rows[i] = append(r[:4:4], r[5:]...)
		}
		lines = output.Columns(rows)
	}
	var b strings.Builder
	if fileBelow {
		b.WriteString(strings.TrimRight(lines[0], " ") + "\n    FILE: ERROR\n")
	} else {
		b.WriteString(strings.TrimRight(lines[0], " ") + "  ERROR\n")
	}
	for i, e := range entries {
		line, why := strings.TrimRight(lines[i+1], " "), output.Escape(e.Error)
		var below string
		switch {
		case fileBelow:
			below = "    " + output.Escape(e.File)
			if e.File == "" {
				below = "    " + output.Escape(e.Name)
			}
			if why != "" {
				below = clipTo(below+": "+why, output.Width)
			}
		case why != "" && output.Width-len(line)-2 >= 30:
			line = clipTo(line+"  "+why, output.Width)
		case why != "":
			below = clipTo("    "+why, output.Width)
		}
		b.WriteString(line + "\n")
		if below != "" {
			b.WriteString(below + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// clipTo cuts s to n columns, ending it with "..." when cut.
func clipTo(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}
