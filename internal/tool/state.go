package tool

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
	"github.com/jackc/pgx/v5"
)

// State is where a database stands for a tool: its version table against
// its migrations folder. Its JSON shape is documented in docs/json.md.
type State struct {
	Database string   `json:"database"`
	Tool     Kind     `json:"tool"`
	Dir      string   `json:"dir"`
	Table    string   `json:"table"`
	Exists   bool     `json:"table_exists"`
	Version  string   `json:"version"` // the newest applied, "" for none (Alembic: the recorded head)
	Applied  []string `json:"applied"` // applied, oldest first
	Pending  []string `json:"pending"` // in the folder, not applied, in order
	Unknown  []string `json:"unknown"` // applied, but the folder lacks them
	Failed   []string `json:"failed"`  // started and never finished (Prisma)
	// Edited are applied migrations whose file no longer has the checksum
	// the tool recorded when it ran it (Prisma).
	Edited []Edited `json:"edited"`
	Files  int      `json:"files"`

	// failedAt is when each Failed migration started, for messages.
	failedAt []time.Time
	// workdir is where the tool runs, and run how its CLI is called
	// (Prisma: "pnpm exec prisma"): the commands Err prints run there.
	workdir, run string
	// install, when not "", installs the project's Prisma CLI before run
	// can use it: npx and bunx with none installed download whatever
	// Prisma the registry has (prismaInstallFirst).
	install string
	// sums are the checksums of the applied rows, for Edited (Prisma).
	sums []appliedSum
}

// Edited is an applied migration whose file changed since it ran: for
// Prisma, migration.sql no longer has _prisma_migrations.checksum (as
// prisma migrate dev says "was modified after it was applied").
type Edited struct {
	Name      string    `json:"name"`
	File      string    `json:"file"`
	Applied   string    `json:"applied_checksum"` // as the tool recorded it
	Current   string    `json:"current_checksum"` // of the file now, as the tool computes it
	AppliedAt time.Time `json:"applied_at"`
}

// appliedSum is one applied row of Prisma's table.
type appliedSum struct {
	name, checksum string
	at             time.Time
}

// Read reads the tool's version table and its folder. A table that does
// not exist is a database the tool has not migrated: everything pending.
// u is the URL the tool is given (nil: none known): Prisma's table is in
// the schema its ?schema= names.
func Read(ctx context.Context, db *sql.DB, p *Project, u *dburl.URL) (*State, error) {
	st := &State{Tool: p.Kind, Dir: p.Dir, Table: p.Table, Applied: []string{}, Pending: []string{}, Unknown: []string{}, Failed: []string{}, Edited: []Edited{}}
	if p.Kind == Prisma {
		st.workdir, st.run = p.Workdir, prismaCLI(p.root, p.Workdir)
		st.install = prismaInstallFirst(p.root, p.Workdir, st.run)
	}
	files, err := p.files()
	if err != nil {
		return nil, err
	}
	st.Files = len(files)
	if p.Table == "" {
		return st, nil
	}
	table := quotedTable(p.Table)
	if p.Kind == Prisma {
		// Prisma keeps its table in the schema the URL's ?schema= names,
		// public without one, whatever the role's search_path: read
		// there, not where search_path finds one.
		schema := "public"
		if u != nil && u.Param("schema") != "" {
			schema = u.Param("schema")
		}
		if ds := p.Datasource; ds != nil && ds.Config != nil && ds.Config.AdapterLine > 0 {
			// A driver adapter ignores ?schema= (the goldens' adapter,
			// checked with Prisma 6.19.3: ?schema=foo put the table in
			// public): the table is where its session's search_path
			// finds it.
			if u != nil && u.Param("schema") != "" {
				e := &PrismaAdapterSchemaError{File: ds.Config.File, Line: ds.Config.AdapterLine, Schema: u.Param("schema"), Role: u.User()}
				if len(p.Vars) > 0 {
					e.Var = p.Vars[0]
				}
				return nil, e
			}
			var found *string
			if err := db.QueryRowContext(ctx, `SELECT n.nspname::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
				WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1::pg_catalog.text)`, pgx.Identifier{p.Table}.Sanitize()).Scan(&found); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			if found != nil {
				schema = *found
			}
		}
		table = pgx.Identifier{schema, p.Table}.Sanitize()
		if schema != "public" {
			st.Table = schema + "." + p.Table
		}
	}
	var reg *string
	// pg_catalog's names throughout, here and in readTable: the tool's
	// migrations may have put their own ahead (ALTER DATABASE ... SET
	// search_path). ORDER BY needs none: it sorts by the type's default
	// btree class, found without search_path.
	if err := db.QueryRowContext(ctx, "SELECT pg_catalog.to_regclass($1::pg_catalog.text)::pg_catalog.text", table).Scan(&reg); err != nil {
		return nil, err
	}
	st.Exists = reg != nil
	if st.Exists {
		if err := p.readTable(ctx, db, st, table); err != nil {
			return nil, fmt.Errorf("reading %s's table %s: %w", p.Kind, output.Escape(st.Table), err)
		}
	}
	applied := map[string]bool{}
	for _, a := range st.Applied {
		applied[a] = true
	}
	if p.Kind == Alembic {
		applied = alembicApplied(files, st.Applied)
	}
	known := map[string]bool{}
	for _, f := range files {
		known[f.id] = true
		if !applied[f.id] {
			st.Pending = append(st.Pending, f.id)
		}
	}
	for _, a := range st.Applied {
		if !known[a] {
			st.Unknown = append(st.Unknown, a)
		}
	}
	if n := len(st.Applied); n > 0 && st.Version == "" {
		st.Version = st.Applied[n-1]
	}
	if p.Kind == Prisma {
		if err := p.prismaEdited(st, known); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// prismaEdited compares each applied, not rolled back row of
// _prisma_migrations with its migration.sql (known: the folders that have
// one), as Prisma computes the checksum (prismaMatches). A migration the
// folder lacks is Unknown already. The files are read through the
// migrations folder's root, without waiting on a FIFO: a link out of it,
// or anything but a regular file, is refused, never skipped (a check
// that a pull request could turn off by a link would be none).
func (p *Project) prismaEdited(st *State, known map[string]bool) error {
	if len(st.sums) == 0 {
		return nil
	}
	root, err := os.OpenRoot(p.Dir)
	if err != nil {
		return err
	}
	defer root.Close()
	// Each name's rows together, names in the table's order: a file is
	// read once, and one at a time (a folder of large data migrations is
	// never held in memory at once).
	var names []string
	rows := map[string][]appliedSum{}
	for _, s := range st.sums {
		if !known[s.name] {
			continue
		}
		if _, ok := rows[s.name]; !ok {
			names = append(names, s.name)
		}
		rows[s.name] = append(rows[s.name], s)
	}
	for _, name := range names {
		rel := filepath.Join(name, "migration.sql")
		b, err := safefile.ReadIn(root, rel, safefile.NoLimit)
		if err != nil {
			shown := output.Escape(output.RelPath(filepath.Join(p.Dir, rel)))
			why, tail := err.Error(), "Prisma would read it through a link, and dbguard reads only regular files inside the migrations folder"
			if nr := (*safefile.NotRegularError)(nil); errors.As(err, &nr) {
				why, tail = "not a regular file (a "+kindOf(nr.Mode)+")", "dbguard reads only regular files inside the migrations folder, and passes over none"
			}
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("cannot read %s to compare it with the checksum Prisma recorded when it applied it: %s; %s", shown, output.Escape(why), tail),
				Next: fmt.Sprintf("replace %s with the migration file itself, then run the command again", shown)}
		}
		for _, r := range rows[name] {
			if !prismaMatches(b, r.checksum) {
				st.Edited = append(st.Edited, Edited{Name: name, File: filepath.Join(p.Dir, rel),
					Applied: r.checksum, Current: prismaChecksum(b), AppliedAt: r.at})
				break
			}
		}
	}
	return nil
}

// kindOf names a file mode's type for a person: "folder", "FIFO", ...
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "file of type " + m.Type().String()
}

// RelPaths makes the state's folder and files relative as rel does
// (output.RelPath for a person's terminal, the repository root for CI).
func (s *State) RelPaths(rel func(string) string) {
	s.Dir = rel(s.Dir)
	if s.workdir != "" {
		s.workdir = rel(s.workdir)
	}
	for i := range s.Edited {
		s.Edited[i].File = rel(s.Edited[i].File)
	}
}

// readTable reads the applied migrations from the tool's own table (table:
// its name for SQL).
func (p *Project) readTable(ctx context.Context, db *sql.DB, st *State, table string) error {
	var q string
	switch p.Kind {
	case Alembic:
		q = "SELECT version_num, true, false FROM " + table + " ORDER BY version_num"
	case Dbmate:
		q = "SELECT version::pg_catalog.text, true, false FROM " + table + " ORDER BY version"
	case Goose:
		q = "SELECT version_id::pg_catalog.text, is_applied, false FROM " + table + " WHERE version_id OPERATOR(pg_catalog.>) 0 ORDER BY id"
	case Prisma:
		return p.readPrisma(ctx, db, st, table)
	default:
		return nil
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var ok, failed bool
		if err := rows.Scan(&id, &ok, &failed); err != nil {
			return err
		}
		switch {
		case failed:
			st.Failed = append(st.Failed, id)
		case p.Kind == Goose:
			// goose appends a row per up and down: the last one counts.
			st.Applied = slices.DeleteFunc(st.Applied, func(a string) bool { return a == id })
			if ok {
				st.Applied = append(st.Applied, id)
			}
		case ok:
			st.Applied = append(st.Applied, id)
		}
	}
	if p.Kind == Alembic {
		st.Version = strings.Join(st.Applied, ",")
	}
	if p.Kind == Goose || p.Kind == Dbmate {
		sortNumeric(st.Applied)
	}
	return rows.Err()
}

// readPrisma reads _prisma_migrations as Prisma's schema engine lists it
// (by started_at): a row finished and not rolled back is applied, with the
// checksum Prisma recorded; one neither finished nor rolled back is failed
// (Prisma's P3009: migrate deploy applies nothing until it is resolved); a
// rolled-back row is history only.
func (p *Project) readPrisma(ctx context.Context, db *sql.DB, st *State, table string) error {
	rows, err := db.QueryContext(ctx, "SELECT migration_name::pg_catalog.text, COALESCE(checksum::pg_catalog.text, ''), finished_at IS NOT NULL, rolled_back_at IS NOT NULL, started_at, finished_at FROM "+
		table+" ORDER BY started_at, migration_name")
	if err != nil {
		return err
	}
	defer rows.Close()
	applied := map[string]bool{} // a name applied twice is listed once (slices.Contains was quadratic)
	for rows.Next() {
		var name, sum string
		var finished, rolledBack bool
		var started time.Time
		var finishedAt sql.NullTime
		if err := rows.Scan(&name, &sum, &finished, &rolledBack, &started, &finishedAt); err != nil {
			return err
		}
		switch {
		case rolledBack:
		case !finished:
			st.Failed = append(st.Failed, name)
			st.failedAt = append(st.failedAt, started)
		default:
			if !applied[name] {
				applied[name] = true
				st.Applied = append(st.Applied, name)
			}
			st.sums = append(st.sums, appliedSum{name: name, checksum: sum, at: finishedAt.Time})
		}
	}
	return rows.Err()
}

func sortNumeric(ids []string) {
	sort.SliceStable(ids, func(i, j int) bool {
		a, _ := strconv.ParseUint(ids[i], 10, 64)
		b, _ := strconv.ParseUint(ids[j], 10, 64)
		return a < b
	})
}

// file is one migration of a tool's folder.
type file struct {
	id   string
	name string
	down string // Alembic: the revision(s) it follows, comma-separated
}

var (
	// dbmateFile is dbmate 2's own migrationFileRegexp: no underscore
	// needed (20240102000000-x.sql and 20240102000000.sql run), no line
	// break (. does not match one, in dbmate's Go as here).
	dbmateFile    = lazyre.New(`^(\d+).*\.sql$`)
	alembicRev    = lazyre.New(`(?m)^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]`)
	alembicDown   = lazyre.New(`(?m)^down_revision\s*(?::[^=]+)?=\s*(.+)$`)
	alembicQuoted = lazyre.New(`['"]([^'"]+)['"]`)
)

// files lists the folder's migrations in order.
func (p *Project) files() ([]file, error) {
	if p.Kind == Command || p.Dir == "" {
		return nil, nil
	}
	if err := p.refused(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p.Dir)
	if os.IsNotExist(err) {
		// Named as typed from here, escaped: the folder is the
		// repository's to name.
		shown := output.FromHere(p.Dir)
		return nil, &exitcode.Advice{Code: exitcode.Usage, Msg: fmt.Sprintf("%s's migrations folder %s does not exist", p.Kind, output.Escape(shown)),
			Next: fmt.Sprintf("if the migrations are elsewhere, set migrations.workdir (where %s runs) or migrations.dir in dbguard.yaml; else create the folder: mkdir -p %s", p.Kind, output.Escape(output.ShellPath(shown)))}
	}
	if err != nil {
		return nil, err
	}
	var out []file
	var versions *os.Root // Alembic's revision files are read inside their folder
	if p.Kind == Alembic {
		if versions, err = os.OpenRoot(p.Dir); err != nil {
			return nil, err
		}
		defer versions.Close()
	}
	for _, e := range entries {
		name := e.Name()
		switch p.Kind {
		case Prisma:
			if e.IsDir() && exists(filepath.Join(p.Dir, name, "migration.sql")) {
				out = append(out, file{id: name, name: name})
			}
		case Alembic:
			if e.IsDir() || !strings.HasSuffix(name, ".py") {
				continue
			}
			data, err := safefile.ReadIn(versions, name, 1<<20) // a FIFO never blocks
			if errors.Is(err, safefile.ErrNotRegular) || errors.Is(err, fs.ErrNotExist) {
				continue // not a regular file: no script Alembic runs
			}
			if err != nil && e.Type()&fs.ModeSymlink != 0 {
				// A link out of the folder: Alembic would run what it
				// leads to, and dbguard reads nothing outside.
				// Named from the project's root, as every path a hint names.
				shown := output.Escape(output.RelTo(p.root, filepath.Join(p.Dir, name)))
				return nil, &exitcode.Advice{Code: exitcode.Usage,
					Msg:  fmt.Sprintf("%s is a link that leads outside its folder: Alembic would run it as a revision, and dbguard reads nothing outside the project", shown),
					Next: fmt.Sprintf("replace the link %s with the revision file itself, then run the command again", shown)}
			}
			if err != nil {
				return nil, err
			}
			code := pythonCode(data)
			// The last assignment at the top level is the one Python
			// leaves in the module, which Alembic reads.
			rev := lastLineMatch(code, alembicRev, "revision")
			if rev == nil {
				continue
			}
			out = append(out, file{id: string(code[rev[2]:rev[3]]), name: name, down: alembicDowns(code)})
		case Dbmate:
			if m := dbmateFile.FindStringSubmatch(name); m != nil && !e.IsDir() {
				if e.Type() != 0 { // a link, a FIFO: what would the tool read?
					if err := p.toolFileRegular(name); err != nil {
						return nil, err
					}
				}
				out = append(out, file{id: m[1], name: name})
			}
		case Goose:
			if v, ok := gooseVersion(name); ok && !e.IsDir() {
				if e.Type() != 0 { // a link, a FIFO: what would the tool read?
					if err := p.toolFileRegular(name); err != nil {
						return nil, err
					}
				}
				out = append(out, file{id: strconv.FormatInt(v, 10), name: name})
			}
		}
	}
	if p.Kind == Alembic {
		return alembicOrder(out), nil
	}
	return out, nil
}

// CheckFiles refuses, before dbguard exec runs Alembic, dbmate or goose,
// what migrate up refuses: Alembic's settings or folders leading out of
// the project (alembic.ini a link out, script_location or
// version_locations outside: exec ran env.py and the revisions there), the
// migrations folder a link out, a migration that is a link out of its
// folder or not a regular file. A folder not made yet (alembic init,
// dbmate new, goose create) is none of those. Prisma's are checked as
// before.
func (p *Project) CheckFiles() error {
	if p.Kind != Alembic && p.Kind != Dbmate && p.Kind != Goose {
		return nil
	}
	if err := p.refused(); err != nil {
		return err
	}
	if _, err := os.Stat(p.Dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	_, err := p.files()
	return err
}

// toolFileRegular refuses a dbmate or goose migration, name in p.Dir, that
// is not a regular file inside the folder: the tool reads what a link
// leads to (a file outside the project, sent to the guarded server, whose
// error quotes it) and waits for ever on a FIFO. A link that stays in the
// folder to a regular file is the tool's to run, as Alembic's are.
func (p *Project) toolFileRegular(name string) error {
	shown := output.Escape(output.RelTo(p.root, filepath.Join(p.Dir, name)))
	dir, err := os.OpenRoot(p.Dir)
	if err != nil {
		return err
	}
	defer dir.Close()
	fi, err := dir.Stat(name) // follows a link only inside the folder
	if errors.Is(err, fs.ErrNotExist) {
		if _, lerr := dir.Lstat(name); lerr != nil {
			return nil // gone since the folder was read
		}
	}
	if err != nil {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s is a link that leads outside its folder (or nowhere): %s would run what it leads to as a migration, and dbguard reads nothing outside the project", shown, p.Kind),
			Next: fmt.Sprintf("replace the link %s with the migration file itself, then run the command again", shown)}
	}
	if !fi.Mode().IsRegular() {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s is not a regular file (a %s): %s would read it as a migration, and dbguard reads only regular files in the migrations folder", shown, kindOf(fi.Mode()), p.Kind),
			Next: fmt.Sprintf("replace %s with the migration file itself, then run the command again", shown)}
	}
	return nil
}

// lastLineMatch is re's submatch indexes (into code) on the last line of
// code that starts with word and that re matches, read within that line;
// nil when none does. Searched from the end, so a revision file is not
// read whole by the expression (most of the cost of reading it, measured).
func lastLineMatch(code []byte, re *lazyre.Regexp, word string) []int {
	for end := len(code); ; {
		i := bytes.LastIndex(code[:end], []byte(word))
		if i < 0 {
			return nil
		}
		if i == 0 || code[i-1] == '\n' {
			line := code[i:]
			if n := bytes.IndexByte(line, '\n'); n >= 0 {
				line = line[:n]
			}
			if loc := re.FindSubmatchIndex(line); loc != nil {
				for k := range loc {
					if loc[k] >= 0 {
						loc[k] += i
					}
				}
				return loc
			}
		}
		end = i
	}
}

// pythonCode is a Python file with the lines that start inside a string
// blanked (a docstring's "revision = ..." is no assignment; nor is a line
// a backslash continues a one-line string onto), read in one pass:
// comments are passed over, so a quote in them opens nothing.
func pythonCode(data []byte) []byte {
	if !bytes.Contains(data, []byte(`"""`)) && !bytes.Contains(data, []byte(`'''`)) && !bytes.Contains(data, []byte("\\\n")) {
		return data // the usual revision file: nothing to blank
	}
	out := bytes.Clone(data)
	var quote []byte // the quotes of the string we are in, nil outside
	lineStart, lineInside, continued := 0, false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			if lineInside {
				for j := lineStart; j < i; j++ {
					out[j] = ' '
				}
			}
			if len(quote) == 1 && !continued {
				quote = nil // a one-line string ends with its line
			}
			lineStart, lineInside, continued = i+1, quote != nil, false
		case quote != nil:
			if c == '\\' {
				if i+1 < len(data) && data[i+1] == '\n' {
					continued = true
				} else {
					i++
				}
			} else if bytes.HasPrefix(data[i:], quote) {
				i += len(quote) - 1
				quote = nil
			}
		case c == '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			quote = data[i : i+1]
			if bytes.HasPrefix(data[i:], []byte{c, c, c}) {
				quote = data[i : i+3]
				i += 2
			}
		}
	}
	if lineInside {
		for j := lineStart; j < len(data); j++ {
			out[j] = ' '
		}
	}
	return out
}

// alembicDowns is the revisions a revision file's down_revision names,
// comma-separated: one, None, or a merge's tuple, which a formatter may
// wrap over lines; a comment after it is not part of it.
func alembicDowns(data []byte) string {
	loc := lastLineMatch(data, alembicDown, "down_revision") // the one Python keeps
	if loc == nil {
		return ""
	}
	var value strings.Builder
	depth := 0
	for _, line := range strings.SplitAfter(string(data[loc[2]:]), "\n") {
		code, _, _ := strings.Cut(line, "#") // revision ids hold no #
		value.WriteString(code)
		depth += strings.Count(code, "(") + strings.Count(code, "[") - strings.Count(code, ")") - strings.Count(code, "]")
		if depth <= 0 {
			break
		}
	}
	var downs []string
	for _, q := range alembicQuoted.FindAllStringSubmatch(value.String(), -1) {
		downs = append(downs, q[1])
	}
	return strings.Join(downs, ",")
}

// alembicOrder sorts revisions so each follows the ones it revises.
func alembicOrder(fs []file) []file {
	byID := map[string]file{}
	for _, f := range fs {
		byID[f.id] = f
	}
	var out []file
	seen := map[string]bool{}
	var visit func(f file)
	visit = func(f file) {
		if seen[f.id] {
			return
		}
		seen[f.id] = true
		for _, d := range strings.Split(f.down, ",") {
			if parent, ok := byID[d]; ok {
				visit(parent)
			}
		}
		out = append(out, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].id < fs[j].id })
	for _, f := range fs {
		visit(f)
	}
	return out
}

// alembicApplied is every revision at or below the recorded heads.
func alembicApplied(fs []file, heads []string) map[string]bool {
	byID := map[string]file{}
	for _, f := range fs {
		byID[f.id] = f
	}
	applied := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		if id == "" || applied[id] {
			return
		}
		applied[id] = true
		for _, d := range strings.Split(byID[id].down, ",") {
			walk(d)
		}
	}
	for _, h := range heads {
		walk(h)
	}
	return applied
}

// Err is the verdict: a failed migration, an edited one, an applied one
// the folder lacks, or (unless allowed) pending ones.
func (s *State) Err(allowPending bool) error {
	switch {
	case len(s.Failed) > 0:
		msg := fmt.Sprintf("%s recorded a migration that started and never finished: %s", s.Tool, strings.Join(s.Failed, ", "))
		if len(s.failedAt) == len(s.Failed) {
			// Prisma's P3009 says when: "The `x` migration started at T failed".
			var at []string
			for i, f := range s.Failed {
				at = append(at, fmt.Sprintf("%s (started %s)", f, s.failedAt[i].UTC().Format(time.RFC3339)))
			}
			msg = fmt.Sprintf("%s recorded a migration that started and never finished: %s; prisma migrate deploy applies nothing until it is resolved", s.Tool, strings.Join(at, ", "))
		}
		name := output.ShellWord(s.Failed[0])
		run := s.prismaRun(true)
		return &exitcode.Advice{Code: exitcode.CheckFailed, Msg: output.Escape(msg),
			Next: fmt.Sprintf("check what it left behind, then mark it rolled back: %s migrate resolve --rolled-back %s; or, if you finished it by hand, mark it applied: %s migrate resolve --applied %s", run, name, run, name)}
	case len(s.Edited) > 0:
		return &EditedError{Tool: s.Tool, Edited: s.Edited, dev: s.prismaRun(false)}
	case len(s.Unknown) > 0:
		next := "check out the branch that has them"
		if s.Tool == Prisma {
			next = fmt.Sprintf("see where it went: git log --oneline -- %s; then check out the branch that has it", output.ShellWord(filepath.Join(s.Dir, s.Unknown[0])))
		}
		return &exitcode.Advice{Code: exitcode.CheckFailed,
			Msg:  output.Escape(fmt.Sprintf("the database has %s migration(s) %s applied that %s lacks (a branch switch, or a deleted file?)", s.Tool, strings.Join(s.Unknown, ", "), s.Dir)),
			Next: next}
	case len(s.Pending) > 0 && !allowPending:
		return &migrate.PendingError{Count: len(s.Pending)}
	}
	return nil
}

// prismaRun is the start of a command line that runs Prisma's CLI where
// it runs for this project, from where the person stands (after
// RelPaths), behind dbguard when guarded: "cd backend && dbguard exec --
// pnpm exec prisma". dbguard exec runs its command in the folder it is
// started in, and Prisma finds its schema and migrations from there.
// Unguarded is for prisma migrate dev, against a development database.
func (s *State) prismaRun(guarded bool) string {
	cmd := s.run
	if cmd == "" {
		cmd = "npx prisma"
	}
	if guarded {
		cmd = "dbguard exec -- " + cmd
	}
	return installThen(s.install, s.workdir) + cmd
}

// prismaInstallFirst is the command that installs the project's Prisma
// CLI when run (prismaCLI's answer) is npx or bunx and none is installed
// where prismaBin looks: npx prisma (and bunx prisma) then downloads and
// runs whatever Prisma the registry has, a registry the repository's
// .npmrc may name, the thing migrate up refuses to do. "" when run
// downloads nothing (pnpm exec, yarn) or the CLI is installed.
func prismaInstallFirst(root, workdir, run string) string {
	if run != "npx prisma" && run != "bunx prisma" {
		return ""
	}
	if _, err := prismaBin(root, workdir); err == nil {
		return ""
	}
	return prismaInstall(root, workdir)
}

// installThen is what a command run in workdir starts with: install
// first when not "" (its cd kept to a subshell unless it is workdir's),
// then the cd into workdir (InWorkdir).
func installThen(install, workdir string) string {
	cd := InWorkdir(workdir)
	switch {
	case install == "":
		return cd
	case cd != "" && strings.HasPrefix(install, cd):
		return install + " && " // already there
	case strings.HasPrefix(install, "cd "):
		return "(" + install + ") && " + cd
	}
	return install + " && " + cd
}

// prismaCLI is how the project calls Prisma's CLI: through the package
// manager whose lockfile is nearest workdir, up to root (a pnpm or Yarn
// workspace keeps one at its top), npx without one. npx in a Yarn Plug'n'Play
// project, which has no node_modules, would fetch whatever Prisma the
// registry has last, not the project's.
func prismaCLI(root, workdir string) string {
	for dir := workdir; ; dir = filepath.Dir(dir) {
		for _, l := range [...]struct{ file, run string }{
			{"pnpm-lock.yaml", "pnpm exec prisma"}, {"yarn.lock", "yarn prisma"},
			{"bun.lock", "bunx prisma"}, {"bun.lockb", "bunx prisma"}, {"package-lock.json", "npx prisma"},
		} {
			if fi, err := os.Lstat(filepath.Join(dir, l.file)); err == nil && fi.Mode().IsRegular() {
				return l.run
			}
		}
		if lastUp(root, dir) {
			return "npx prisma"
		}
	}
}

// EditedError is applied migrations whose files changed since they ran
// (Prisma: migration.sql against _prisma_migrations.checksum). The folder
// no longer says what the database ran: a new database built from it
// would differ from this one.
type EditedError struct {
	Tool   Kind
	Edited []Edited
	dev    string // the start of a Prisma command line, not guarded (State.prismaRun)
}

// ExitCode is 1: a check failed.
func (e *EditedError) ExitCode() int { return exitcode.CheckFailed }

// Where is the first edited file, for annotations.
func (e *EditedError) Where() string { return e.Edited[0].File }

func (e *EditedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d applied %s migration(s) modified after they were applied:", len(e.Edited), e.Tool)
	for _, x := range e.Edited {
		fmt.Fprintf(&b, "\n    %s: %s ran it %s with sha256 %s; the file is now %s", output.Escape(x.File), e.Tool,
			x.AppliedAt.UTC().Format(time.RFC3339), output.Escape(shortSum(x.Applied)), shortSum(x.Current))
	}
	return b.String()
}

// Hint names the next step: see the edit, undo it, and put the change in
// a new migration. Prisma has no command that accepts an edit.
func (e *EditedError) Hint() string {
	run := e.dev
	if run == "" {
		run = "npx prisma"
	}
	return fmt.Sprintf("see the edit: git log -p -- %s; undo it, and put the change in a new migration folder (%s migrate dev --create-only writes one, against a development database)", output.ShellWord(e.Edited[0].File), run)
}

// InWorkdir is what a printed command of the tool starts with so that it
// runs as printed where the user stands: "cd backend && " when the tool
// runs in another folder than the current one (Prisma's CLI finds its
// schema only through the package.json or prisma/ of the folder it runs
// in, so a monorepo's backend/ command run from the top finds none), else
// "". workdir is relative to the current folder (State.RelPaths), or
// absolute; from below or beside it the cd climbs ("cd .. && "), as the
// user would type it, rather than naming this machine's absolute path.
func InWorkdir(workdir string) string {
	if workdir == "" {
		return ""
	}
	if filepath.IsAbs(workdir) {
		workdir = output.FromHere(workdir)
	}
	if workdir == "." {
		return ""
	}
	return "cd " + output.ShellPath(workdir) + " && "
}

// shortSum is a checksum cut for messages.
func shortSum(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// WriteText prints the state for a person.
func (s *State) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "database\t%s\n", s.Database)
	fmt.Fprintf(tw, "tool\t%s (table %s)\n", s.Tool, s.Table)
	fmt.Fprintf(tw, "migrations\t%s (%d)\n", s.Dir, s.Files)
	v := s.Version
	if v == "" {
		v = "none applied"
	}
	fmt.Fprintf(tw, "version\t%s\n", output.Escape(v))
	applied := len(s.Applied)
	if s.Tool == Alembic {
		// Alembic records only its heads: every revision below them is
		// applied too ("applied 1" at revision 0003 of 3 was wrong).
		applied = s.Files - len(s.Pending)
	}
	fmt.Fprintf(tw, "applied\t%d\n", applied)
	fmt.Fprintf(tw, "pending\t%d %s\n", len(s.Pending), output.Escape(strings.Join(s.Pending, " ")))
	if len(s.Unknown) > 0 {
		fmt.Fprintf(tw, "unknown\t%s (applied, not in the folder)\n", output.Escape(strings.Join(s.Unknown, " ")))
	}
	if len(s.Failed) > 0 {
		fmt.Fprintf(tw, "failed\t%s\n", output.Escape(strings.Join(s.Failed, " ")))
	}
	for _, e := range s.Edited {
		fmt.Fprintf(tw, "edited\t%s (modified after it was applied)\n", output.Escape(e.File))
	}
	return tw.Flush()
}

// PrismaAdapterSchemaError is a URL with ?schema= given to a Prisma whose
// config sets a driver adapter: the adapter ignores it, and where Prisma
// keeps _prisma_migrations is its connection's search_path, which dbguard
// cannot tell from the files.
type PrismaAdapterSchemaError struct {
	File   string
	Line   int
	Schema string
	Role   string // the URL's user ("" when it names none)
	Var    string // the variable the URL is read from ("" when not known)
}

// ExitCode is 2: the configuration must change.
func (e *PrismaAdapterSchemaError) ExitCode() int { return exitcode.Usage }

func (e *PrismaAdapterSchemaError) Error() string {
	return fmt.Sprintf("%s:%d: the Prisma config's driver adapter ignores the URL's ?schema=%s: prisma migrate keeps _prisma_migrations where the adapter's connection's search_path says, so dbguard cannot tell which table Prisma reads", output.Escape(e.File), e.Line, output.Escape(e.Schema))
}

// Hint names the fix.
// The statement is the project's own: its role and schema, quoted as
// identifiers, runs as printed in psql (CURRENT_USER when the URL names
// no user: the role it connects as).
func (e *PrismaAdapterSchemaError) Hint() string {
	role := "CURRENT_USER"
	if e.Role != "" {
		role = pgx.Identifier{e.Role}.Sanitize()
	}
	from := "the URL"
	if e.Var != "" {
		from = e.Var
	}
	return fmt.Sprintf("drop ?schema=%s from %s and give the role that schema instead, which the adapter and dbguard both follow: run, connected as that role or a superuser: ALTER ROLE %s SET search_path TO %s; then run the command again",
		output.Escape(e.Schema), output.Escape(from), output.Escape(role), output.Escape(pgx.Identifier{e.Schema}.Sanitize()))
}

// gooseVersion is the version goose 3.30 reads from a migration file's
// name (NumericComponent, collectMigrationsFS): a .sql or .go file whose
// name up to its first _ is an integer strconv.ParseInt takes (a sign
// too: +5_x.sql is version 5) of at least 1; a Go test file (_test.go)
// is none, as goose skips it. A .sql name goose cannot read stops goose
// before it runs anything, so it is no pending migration either.
func gooseVersion(name string) (int64, bool) {
	ext := filepath.Ext(name)
	if ext != ".sql" && ext != ".go" || strings.HasSuffix(name, "_test.go") {
		return 0, false
	}
	before, _, ok := strings.Cut(name, "_")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(before, 10, 64)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}
