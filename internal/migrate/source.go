package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4/source"

	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// Migration is one version of the migrations folder.
type Migration struct {
	Version uint
	Name    string // the identifier after the version: "add_users"
	Up      string // file name, "" when missing
	Down    string // file name, "" when missing
}

// Source is the checked contents of a migrations folder.
type Source struct {
	Dir        string // as given (for messages)
	Migrations []Migration
	// Warnings: what golang-migrate accepts but a person may not mean
	// (up and down files of one version named differently, a backup copy
	// that golang-migrate would run).
	Warnings  []string
	byVersion map[uint]int
}

// Get returns the migration of a version.
func (s *Source) Get(v uint) (Migration, bool) {
	i, ok := s.byVersion[v]
	if !ok {
		return Migration{}, false
	}
	return s.Migrations[i], true
}

// Prev returns the version before v, or -1 when v is the first.
func (s *Source) Prev(v uint) int {
	prev := -1
	for _, m := range s.Migrations {
		if m.Version < v {
			prev = int(m.Version)
		}
	}
	return prev
}

// Last returns the newest version, or -1 when there is none.
func (s *Source) Last() int {
	if len(s.Migrations) == 0 {
		return -1
	}
	return int(s.Migrations[len(s.Migrations)-1].Version)
}

// Path returns a file's path for messages: the folder as given plus name.
func (s *Source) Path(name string) string { return filepath.Join(s.Dir, name) }

// SourceError is a problem in the migrations folder, found before anything
// runs: golang-migrate itself ignores a misnamed file and fails late, or not
// at all, on the rest.
type SourceError struct {
	Path string
	Msg  string
	Fix  string
	// Missing: the folder does not exist (the root of a monorepo whose
	// services hold the migrations, for the gate's advice).
	Missing bool
}

func (e *SourceError) Error() string { return e.Path + ": " + e.Msg }

// Hint names the next step.
func (e *SourceError) Hint() string { return e.Fix }

// Scan reads and checks a migrations folder: every .sql file must be named
// VERSION_name.up.sql or VERSION_name.down.sql, no version may appear twice
// in one direction, and every version needs an up file. What golang-migrate
// accepts is accepted: up and down files of one version named differently,
// and VERSION_name.up.EXT of any extension (which golang-migrate runs), are
// warnings.
func Scan(dir string) (*Source, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &SourceError{Path: dir, Msg: "no migrations folder here", Missing: true,
				Fix: "create the first migration with: dbguard migrate create init (or set migrations.dir in dbguard.yaml)"}
		}
		return nil, &SourceError{Path: dir, Msg: fmt.Sprintf("cannot read the migrations folder: %v", err),
			Fix: "check the folder's permissions"}
	}
	names, types := make([]string, len(entries)), make([]fs.FileMode, len(entries))
	for i, e := range entries {
		names[i], types[i] = e.Name(), e.Type()
	}
	return scan(dir, names, types)
}

// regular refuses a migration that is not a regular file. A symbolic link
// is the attack: git stores links, so a pull request can link a migration
// to a file outside the project (~/.pgpass, /etc/shadow), which
// golang-migrate would send to the server and the syntax error would quote.
// A link within the folder is refused too: the file that runs must be the
// file that was reviewed.
func regular(dir, name string, mode fs.FileMode) error {
	if mode.IsRegular() {
		return nil // every file of a folder that runs: no path built (2.5% of a no-op up)
	}
	p := filepath.Join(dir, name)
	switch {
	case mode&fs.ModeSymlink != 0:
		target, _ := os.Readlink(p)
		return &SourceError{Path: p, Msg: fmt.Sprintf("cannot read it: a symbolic link (to %q); a migration must be a regular file in the migrations folder, or a link could send any file on this machine to the server", target),
			Fix: "replace the link with a copy of the file it points to (after reading it); nothing was run"}
	case !mode.IsRegular():
		return &SourceError{Path: p, Msg: fmt.Sprintf("not a regular file (%s); golang-migrate would skip or block on it", kind(mode)),
			Fix: "move it out of the migrations folder, or rename it; nothing was run"}
	}
	return nil
}

// ReadFile reads the migration file name of the folder as every read of a
// migration does (readFile): through the folder's root, without waiting on
// a FIFO, a regular file only. A preview reads its pending files so, after
// the listing checked them: one swapped since for a FIFO or a link out of
// the folder is refused, not waited on or followed.
func (s *Source) ReadFile(name string) ([]byte, error) {
	root, err := os.OpenRoot(s.Dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return readFile(root, name)
}

// ReadFileMax is ReadFile with a cap: past limit bytes it fails with
// *safefile.TooLargeError, before reading more than limit+1 bytes (a
// sparse file a repository ships costs nothing to read that far).
func (s *Source) ReadFileMax(name string, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(s.Dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return readFileMax(root, name, limit)
}

// readFile reads a migration through the folder's root without waiting
// on it: a file swapped for a FIFO after the folder was read would block
// a plain read until some process wrote to it. Anything but a regular file
// is refused.
func readFile(root *os.Root, name string) ([]byte, error) {
	return readFileMax(root, name, safefile.NoLimit)
}

func readFileMax(root *os.Root, name string, limit int64) ([]byte, error) {
	data, err := safefile.ReadIn(root, name, limit)
	if err != nil {
		if nr := (*safefile.NotRegularError)(nil); errors.As(err, &nr) {
			return nil, fmt.Errorf("not a regular file (%s)", kind(nr.Mode))
		}
		return nil, err
	}
	return data, nil
}

func kind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a folder"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	}
	return mode.Type().String()
}

// parseName is golang-migrate's source.Parse without its regular
// expression, ^([0-9]+)_(.*)\.(down|up)\.(.*)$, which was most of scan's
// time on a folder of 300 files: the longest run of digits, '_', then the
// identifier up to the last ".up." or ".down." (the greedy group), and no
// line break anywhere ('.' matches none). FuzzParseNameAsGolangMigrate and
// TestParseNameAsGolangMigrate hold it to source.Parse.
func parseName(raw string) (*source.Migration, error) {
	d := 0
	for d < len(raw) && '0' <= raw[d] && raw[d] <= '9' {
		d++
	}
	if d == 0 || d == len(raw) || raw[d] != '_' || strings.IndexByte(raw, '\n') >= 0 {
		return nil, source.ErrParse
	}
	rest := raw[d+1:]
	for p := len(rest); ; {
		if p = strings.LastIndexByte(rest[:p], '.'); p < 0 {
			return nil, source.ErrParse
		}
		var dir source.Direction
		switch tail := rest[p:]; {
		case strings.HasPrefix(tail, ".down."):
			dir = source.Down
		case strings.HasPrefix(tail, ".up."):
			dir = source.Up
		default:
			continue
		}
		v, err := strconv.ParseUint(raw[:d], 10, 64)
		if err != nil {
			return nil, err
		}
		return &source.Migration{Version: uint(v), Identifier: rest[:p], Direction: dir, Raw: raw}, nil
	}
}

// scan checks the file names of a migrations folder, each parsed once
// (the no-op path's cost grows with the folder); types are the entries'
// types from the listing, nil for names only (all taken as files).
func scan(dir string, names []string, types []fs.FileMode) (*Source, error) {
	s := &Source{Dir: dir, byVersion: map[uint]int{}}
	downName := map[uint]string{} // the identifier of each down file
	for i, name := range names {
		if strings.HasPrefix(name, ".") {
			continue
		}
		m, err := parseName(name)
		if types != nil {
			if err == nil {
				if err := regular(dir, name, types[i]); err != nil {
					return nil, err
				}
			} else if types[i].IsDir() {
				continue
			}
		}
		if shown := output.Escape(name); shown != name && (err == nil || strings.HasSuffix(name, ".sql")) {
			// Every command shows the names: one with a line break or an
			// escape sequence would add lines to a CI log or rewrite the
			// terminal.
			what := "a control character in the file name (shown escaped); golang-migrate would run it, or skip it for a line break"
			if output.EscapeProperty(name) == name {
				// No control character: "##[" or a leading "::name".
				what = "a GitHub workflow command in the file name (shown escaped), which a CI log would act on; golang-migrate would run it"
			}
			return nil, &SourceError{Path: filepath.Join(dir, shown), Msg: what,
				Fix: "rename it to a plain name, e.g. " + suggestName(name) + "; nothing was run"}
		}
		if err != nil {
			if strings.HasSuffix(name, ".sql") {
				return nil, &SourceError{Path: filepath.Join(dir, name), Msg: "not a migration file name (want VERSION_name.up.sql or VERSION_name.down.sql); golang-migrate would silently skip it",
					Fix: "rename it, e.g. " + suggestName(name)}
			}
			continue // README.md and the like
		}
		i, seen := s.byVersion[m.Version]
		if !seen {
			i = len(s.Migrations)
			s.byVersion[m.Version] = i
			s.Migrations = append(s.Migrations, Migration{Version: m.Version, Name: m.Identifier})
		}
		mig := &s.Migrations[i]
		if !strings.HasSuffix(name, ".sql") {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: golang-migrate runs it as the %s migration of version %d (it takes any VERSION_name.%s.* file); rename or move it if it is a copy",
				filepath.Join(dir, name), m.Direction, m.Version, m.Direction))
		}
		if m.Direction == source.Up {
			mig.Name = m.Identifier
		}
		slot := &mig.Up
		if m.Direction == source.Down {
			slot = &mig.Down
			downName[m.Version] = m.Identifier
		}
		if *slot != "" {
			return nil, &SourceError{Path: filepath.Join(dir, name), Msg: fmt.Sprintf("version %d has two %s files (also %s)", m.Version, m.Direction, *slot),
				Fix: "keep one of them"}
		}
		*slot = name
	}
	sort.Slice(s.Migrations, func(i, j int) bool { return s.Migrations[i].Version < s.Migrations[j].Version })
	for i, m := range s.Migrations {
		s.byVersion[m.Version] = i
		if m.Up == "" {
			return nil, &SourceError{Path: filepath.Join(dir, m.Down), Msg: fmt.Sprintf("version %d has a down file but no up file", m.Version),
				Fix: fmt.Sprintf("add %d_%s.up.sql", m.Version, m.Name)}
		}
		if m.Down != "" && downName[m.Version] != m.Name {
			s.Warnings = append(s.Warnings, fmt.Sprintf("version %d: the up and down files are named differently (%s, %s); golang-migrate pairs them by version, so they run as one migration",
				m.Version, m.Up, m.Down))
		}
	}
	sort.Strings(s.Warnings)
	return s, nil
}

func suggestName(name string) string {
	base := strings.TrimSuffix(name, ".sql")
	dir := "up"
	if strings.HasSuffix(base, "down") {
		dir = "down"
	}
	var digits, rest strings.Builder
	i := 0
	for ; i < len(base) && base[i] >= '0' && base[i] <= '9'; i++ {
		digits.WriteByte(base[i])
	}
	for _, c := range strings.TrimSuffix(strings.TrimSuffix(base[i:], "up"), "down") {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			rest.WriteRune(c)
		} else if rest.Len() > 0 && !strings.HasSuffix(rest.String(), "_") {
			rest.WriteByte('_')
		}
	}
	v := digits.String()
	if _, err := strconv.ParseUint(v, 10, 64); err != nil {
		// None, or more than a version holds (golang-migrate's is a uint).
		v = "000001"
	}
	n := strings.Trim(rest.String(), "_")
	if n == "" {
		n = "migration"
	}
	return fmt.Sprintf("%s_%s.%s.sql", v, n, dir)
}
