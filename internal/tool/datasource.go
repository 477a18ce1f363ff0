package tool

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// Datasource is where a Prisma schema's datasource block reads its URLs
// from: url = env("POSTGRES_PRISMA_URL"), directUrl = env("...").
// Prisma Client reads url when the app runs, so that variable, not
// DATABASE_URL, is the one whose database must be the one migrated.
type Datasource struct {
	URLVar     string
	DirectVar  string
	File       string // the schema file, relative to the root, slash-separated
	URLLine    int
	DirectLine int
	// Literal names the first of url and directUrl written as a string
	// (url = "postgresql://..."), at LiteralLine: Prisma connects and
	// migrates there whatever the environment says.
	Literal     string
	LiteralLine int
	// Config is the Prisma config file (prisma.config.ts) when the project
	// has one: Prisma 7 reads url there, and File is that file when its
	// datasource names the URL.
	Config *PrismaConfig
}

// maxPackageJSON bounds what is read of package.json for its
// prisma.schema: far past any real one (npm's own are kilobytes).
const maxPackageJSON = 64 << 20

// maxSchema bounds what is read of one schema file.
const maxSchema = 1 << 20

var (
	// Prisma's identifiers may hold '-', and its function calls may have
	// white space before '(' (prisma-engines' datamodel.pest).
	datasourceStart = lazyre.New(`^\s*datasource\s+[A-Za-z0-9][A-Za-z0-9_-]*\s*\{`)
	datasourceURL   = lazyre.New(`^\s*(url|directUrl)\s*=\s*env\s*\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)`)
	// A string literal: Prisma's docs allow url = "postgresql://...".
	datasourceLiteral = lazyre.New(`^\s*(url|directUrl)\s*=\s*"`)
)

// prismaLines splits as Prisma's grammar does: a line ends at "\n",
// "\r\n" or a lone "\r" (an old Mac file is one line to bufio.ScanLines).
func prismaLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		if i+1 < len(data) || atEOF {
			if i+1 < len(data) && data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		return 0, nil, nil // a "\r" at the end of the buffer: is "\n" next?
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// prismaSpaces makes Prisma's white space (a tab or any Unicode space
// separator: U+00A0, U+3000, ...) the ASCII space the patterns match.
func prismaSpaces(line string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Zs, r) {
			return ' '
		}
		return r
	}, line)
}

// readDatasource reads the datasource block of the Prisma schema in
// workdir: prisma/schema.prisma, or the .prisma files of the prisma/schema
// folder (prismaSchemaFolder). Files are opened through root, never
// followed out of it, never waited on (a FIFO), and read up to 1 MiB:
// the schema is the repository's. It is nil when there is no schema or
// its datasource names no variable.
func readDatasource(rootDir, workdir string) (*Datasource, error) {
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return nil, nil
	}
	defer root.Close()
	rel, err := filepath.Rel(rootDir, workdir)
	if err != nil || !safefile.Within(rootDir, workdir) {
		return nil, nil
	}
	// A Prisma config file (Prisma 6 and 7) names the schema, and in
	// Prisma 7 the datasource URL: read as text, never run.
	pc, err := readPrismaConfig(root, rel)
	if err != nil {
		return nil, err
	}
	// Where Prisma's CLI looks, in its order: the config's schema, else
	// package.json's "prisma": {"schema": ...} (a file or a folder, and
	// then nowhere else), prisma/schema.prisma, the prisma/schema folder,
	// schema.prisma.
	var files []string
	if pc != nil && pc.Schema != "" {
		p, err := pc.schemaPath(rootDir)
		if err != nil {
			return nil, err
		}
		rp, _ := filepath.Rel(rootDir, p)
		if names, err := listPrisma(root, rp); err == nil {
			files = names
		} else {
			files = []string{rp}
		}
	} else if named, at, ok := packageSchemaUp(root, rel); ok {
		// The nearest package.json at or above the workdir (Prisma's
		// readPackageUp), its schema relative to its own folder.
		p := filepath.Join(at, named)
		if filepath.IsAbs(named) || !inside(rootDir, filepath.Join(rootDir, p)) {
			// Prisma reads its schema there, and which variable the app
			// reads is in it: nothing dbguard could judge would be sure.
			pkg := filepath.ToSlash(filepath.Join(at, "package.json"))
			return nil, &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf(`%s's "prisma": {"schema": ...} leads outside the project (%s): Prisma reads its datasource there, and dbguard reads nothing outside the project`, output.Escape(pkg), output.Escape(named)),
				Next: fmt.Sprintf(`move the schema inside the project and name it in %s ("schema": "prisma/schema.prisma"), then run the command again`, output.Escape(pkg))}
		}
		if names, err := listPrisma(root, p); err == nil {
			files = names
		} else {
			files = []string{p}
		}
	} else {
		// schema.prisma first, as Prisma's getDefaultSchema looks (5.x to
		// 7.x); the prisma/schema folder is Prisma 5 and 6.5's last place.
		files = []string{filepath.Join(rel, "schema.prisma"), filepath.Join(rel, "prisma", "schema.prisma")}
		if names, err := listPrisma(root, filepath.Join(rel, "prisma", "schema")); err == nil {
			files = append(files, names...)
		}
	}
	var schema *Datasource
	for _, f := range files {
		if schema = datasourceIn(root, f); schema != nil {
			break
		}
	}
	if pc == nil {
		return schema, nil
	}
	if pc.URLVar == "" && pc.Literal == "" {
		if schema == nil {
			return &Datasource{Config: pc}, nil
		}
		schema.Config = pc
		return schema, nil
	}
	// The config's url is Prisma 7's; Prisma 6 reads a config's datasource
	// only with engine: 'classic' and otherwise the schema's url (the
	// goldens: 6.19.3 ignores it). Naming two things, the two versions
	// would connect to two databases: which one runs is not in the files.
	if schema != nil && (schema.Literal == "url" || schema.URLVar != "" && (schema.URLVar != pc.URLVar || pc.Literal != "")) {
		return nil, &PrismaConfigError{File: pc.File, Line: max(pc.URLLine, pc.LiteralLine),
			Msg:  fmt.Sprintf("the Prisma config's datasource url and %s:%d's url differ: Prisma 7 connects to the first, Prisma 6 to the second", output.Escape(schema.File), max(schema.URLLine, schema.LiteralLine)),
			Next: fmt.Sprintf("remove url from the datasource of %s (Prisma 7 reads only the config's), then run the command again", output.Escape(schema.File))}
	}
	if schema != nil && schema.Literal != "" {
		schema.Config = pc // directUrl = "postgresql://...": the schema's trap
		return schema, nil
	}
	ds := &Datasource{File: pc.File, URLVar: pc.URLVar, URLLine: pc.URLLine, Config: pc}
	if pc.Literal != "" {
		ds.Literal, ds.LiteralLine = pc.Literal, pc.LiteralLine
	}
	if schema != nil && schema.DirectVar != "" {
		// Prisma 6 migrates through directUrl: judged too.
		ds.DirectVar, ds.DirectLine = schema.DirectVar, schema.DirectLine
	}
	return ds, nil
}

// packageSchema is the schema package.json in the folder rel names
// ("prisma": {"schema": "db/schema.prisma"}), read through root, not
// waited on, at most maxPackageJSON bytes.
func packageSchema(root *os.Root, rel string) (string, bool) {
	f, err := safefile.OpenIn(root, filepath.Join(rel, "package.json"))
	if err != nil {
		return "", false
	}
	defer f.Close()
	var pkg struct {
		Prisma struct {
			Schema string `json:"schema"`
		} `json:"prisma"`
	}
	// Whole, as Prisma's CLI reads it: cut at the schema files' cap, a
	// long package.json was no JSON, and a decoy prisma/schema.prisma was
	// judged instead of the schema it names.
	data, err := safefile.Read(f, maxPackageJSON)
	if err != nil || json.Unmarshal(data, &pkg) != nil || pkg.Prisma.Schema == "" {
		return "", false
	}
	return filepath.FromSlash(pkg.Prisma.Schema), true
}

// packageSchemaUp is the schema the package.json nearest the folder rel
// names, and that package.json's folder (relative to root), as Prisma's
// CLI finds it: readPackageUp from the folder it runs in, the first
// package.json up the tree deciding (one without "prisma" means the
// default places, whatever a package.json above it says), its schema
// relative to its own folder (scripts/prisma-migrations-dir-goldens.sh:
// pkg_up_one, pkg_up_two, pkg_up_relative, pkg_up_shadowed). The search
// stops at root: dbguard reads nothing above the project.
func packageSchemaUp(root *os.Root, rel string) (named, at string, ok bool) {
	for d := filepath.Clean(rel); ; d = filepath.Dir(d) {
		if fi, err := root.Stat(filepath.Join(d, "package.json")); err == nil && !fi.IsDir() {
			named, ok = packageSchema(root, d)
			return named, d, ok
		}
		if d == "." || d == string(filepath.Separator) {
			return "", "", false
		}
	}
}

// packageSchemaFrom is packageSchemaUp for the folder dir of the project
// at rootDir: the schema's path, and the package.json that names it.
func packageSchemaFrom(rootDir, dir string) (schema, pkg string, ok bool) {
	if rootDir == "" {
		rootDir = dir
	}
	rel, err := filepath.Rel(rootDir, dir)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", "", false
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return "", "", false
	}
	defer root.Close()
	named, at, ok := packageSchemaUp(root, rel)
	if !ok {
		return "", "", false
	}
	if filepath.IsAbs(named) {
		return named, filepath.Join(rootDir, at, "package.json"), true
	}
	return filepath.Join(rootDir, at, named), filepath.Join(rootDir, at, "package.json"), true
}

// listPrisma lists the .prisma files of a schema folder and its
// subfolders (Prisma 6 reads them all: the goldens' *_schema_folder_nested
// found a datasource in base/), sorted; links to folders are not followed,
// and at most maxSchemaEntries entries, maxSchemaDepth folders deep, are
// read.
func listPrisma(root *os.Root, dir string) ([]string, error) {
	var out []string
	seen := 0
	if err := listPrismaIn(root, dir, 0, &seen, &out); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

const (
	maxSchemaEntries = 100000
	maxSchemaDepth   = 32
)

func listPrismaIn(root *os.Root, dir string, depth int, seen *int, out *[]string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// All of it, a batch at a time (the names kept are the input's): a
	// folder's first entries in its own order are not the schema.
	var sub []string
	for {
		entries, err := d.ReadDir(256)
		for _, e := range entries {
			if *seen++; *seen > maxSchemaEntries {
				return fmt.Errorf("%s: more than %d entries in the schema folder", output.Escape(dir), maxSchemaEntries)
			}
			switch {
			case e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".prisma"):
				*out = append(*out, filepath.Join(dir, e.Name()))
			case e.IsDir() && depth < maxSchemaDepth:
				sub = append(sub, filepath.Join(dir, e.Name()))
			}
		}
		if errors.Is(err, io.EOF) || err == nil && len(entries) == 0 {
			break
		}
		if err != nil {
			return err
		}
	}
	for _, s := range sub {
		if err := listPrismaIn(root, s, depth+1, seen, out); err != nil {
			return err
		}
	}
	return nil
}

// datasourceFolder is the folder of the schema folder dir's file that
// holds the datasource (a subfolder's, base/ in the goldens' nested
// layouts), where Prisma 6 puts migrations; dir itself when none does.
func datasourceFolder(dir string) string {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return dir
	}
	defer root.Close()
	names, err := listPrisma(root, ".")
	if err != nil {
		return dir
	}
	for _, n := range names {
		if datasourceIn(root, n) != nil {
			return filepath.Join(dir, filepath.Dir(n))
		}
	}
	return dir
}

// datasourceIn reads the first datasource block of one schema file.
func datasourceIn(root *os.Root, rel string) *Datasource {
	f, err := safefile.OpenIn(root, rel)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxSchema))
	sc.Buffer(make([]byte, 0, 64<<10), maxSchema)
	sc.Split(prismaLines)
	var ds *Datasource
	in := false
	for n := 1; sc.Scan(); n++ {
		line := prismaSpaces(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 && !strings.Contains(line[:i], `"`) {
			line = line[:i]
		}
		switch {
		case !in && datasourceStart.MatchString(line):
			in = true
			ds = &Datasource{File: filepath.ToSlash(rel)}
		case in && strings.HasPrefix(strings.TrimSpace(line), "}"):
			if ds.URLVar == "" && ds.DirectVar == "" && ds.Literal == "" {
				return nil
			}
			return ds
		case in:
			m := datasourceURL.FindStringSubmatch(line)
			if m == nil {
				if l := datasourceLiteral.FindStringSubmatch(line); l != nil && ds.Literal == "" {
					ds.Literal, ds.LiteralLine = l[1], n
				}
				continue
			}
			if m[1] == "url" {
				ds.URLVar, ds.URLLine = m[2], n
			} else {
				ds.DirectVar, ds.DirectLine = m[2], n
			}
		}
	}
	return nil
}

// vars are the variables the datasource reads, url first.
func (ds *Datasource) vars() []string {
	var out []string
	for _, v := range []string{ds.URLVar, ds.DirectVar} {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// AdoptURLVars makes cfg judge the variables the project's Prisma schema
// reads its URLs from. With url = env("POSTGRES_PRISMA_URL") the app
// reads that variable: judging DATABASE_URL instead would pass a project
// whose app and migrations name two databases. When dbguard.yaml leaves
// database.url_var unset, the schema's url variable becomes it; when
// dbguard.yaml names another, that is a configuration error. directUrl's
// variable is added to the direct-URL variables, first. A project that
// does not run Prisma, or whose tool cannot be resolved (the command
// that needs it says why), is left as it is. A datasource url written in
// the schema as a connection string is a *TrapError: every command that
// judges the project (env, the hook once an env file is staged, ci,
// migrate) stops at it.
func AdoptURLVars(cfg *config.Config) error {
	p, err := Resolve(cfg)
	if err != nil || p.Kind != Prisma || p.Datasource == nil && p.outside == nil {
		return nil
	}
	if p.outside != nil {
		return p.outside
	}
	if traps := p.Traps(); len(traps) > 0 {
		// url = "postgresql://...": the app's Prisma Client and prisma
		// migrate connect there whatever the env files say, so no
		// variable dbguard could judge is the app's: no verdict holds.
		return &TrapError{Kind: p.Kind, Traps: traps}
	}
	ds := p.Datasource
	if pc := ds.Config; pc != nil && len(cfg.Env.Files) == 0 {
		for _, f := range pc.EnvFiles {
			if path.Clean(f) != ".env" {
				// Prisma reads the URL from that file (dotenv.config({path})),
				// and no loader dbguard models from package.json reads it.
				return &PrismaConfigError{File: pc.File, Line: pc.EnvLine,
					Msg:  fmt.Sprintf("the Prisma config loads %s, not the .env file dbguard judges for it", output.Escape(f)),
					Next: fmt.Sprintf("name it in dbguard.yaml (env: {files: [%s]}), then run the command again", output.Escape(path.Join(filepath.ToSlash(output.RelTo(cfg.Root, p.Workdir)), f)))}
			}
		}
	}
	db := &cfg.Database
	if v := ds.URLVar; v != "" && v != db.URLVar {
		if cfg.URLVarGiven {
			return &config.Error{File: cfg.Path, Line: cfg.Line("database", "url_var"), Msg: fmt.Sprintf(
				"database.url_var is %s, but %s:%d reads the app's database URL from %s; dbguard would judge a variable the app does not read. Set url_var: %s (or remove url_var)",
				db.URLVar, ds.File, ds.URLLine, v, v)}
		}
		db.URLVar = v
		db.DirectURLVars = slices.DeleteFunc(db.DirectURLVars, func(d string) bool { return d == v })
	}
	if v := ds.DirectVar; v != "" && v != db.URLVar {
		db.DirectURLVars = append([]string{v}, slices.DeleteFunc(db.DirectURLVars, func(d string) bool { return d == v })...)
	}
	return nil
}

// SchemaPath is the schema file or folder Prisma's CLI reads in dir (an
// absolute path), in its order: the Prisma config's schema, package.json's "prisma": {"schema": ...},
// prisma/schema.prisma, the prisma/schema folder (prismaSchemaFolder),
// schema.prisma; "" when there is none, or when package.json names one
// outside the project (rootDir), which is not read.
func SchemaPath(rootDir, dir string) string {
	var pc *PrismaConfig
	if root, err := os.OpenRoot(rootDir); err == nil {
		rel, rerr := filepath.Rel(rootDir, dir)
		c, err := readPrismaConfig(root, rel)
		root.Close()
		if rerr == nil && err == nil {
			pc = c
		}
	}
	return schemaPathWith(rootDir, dir, pc)
}

// schemaPathWith is SchemaPath with the Prisma config (nil for none)
// already read.
func schemaPathWith(rootDir, dir string, pc *PrismaConfig) string {
	if pc != nil && pc.Schema != "" {
		p, err := pc.schemaPath(rootDir)
		if err != nil {
			return ""
		}
		return p
	}
	if p, _, ok := packageSchemaFrom(rootDir, dir); ok {
		if !filepath.IsAbs(p) || !inside(rootDir, p) {
			return ""
		}
		return p
	}
	return defaultSchema(dir)
}

// defaultSchema is where Prisma's CLI looks in dir when package.json names
// no schema, in getDefaultSchema's order (Prisma 5 to 7): schema.prisma,
// prisma/schema.prisma, then the prisma/schema folder (Prisma 5 to 6.5,
// prismaSchemaFolder); "" for none. A root schema.prisma beside
// prisma/schema.prisma is the one Prisma reads.
func defaultSchema(dir string) string {
	if p := filepath.Join(dir, "schema.prisma"); exists(p) {
		return p
	}
	if p := filepath.Join(dir, "prisma", "schema.prisma"); exists(p) {
		return p
	}
	if p := filepath.Join(dir, "prisma", "schema"); anyName(p, ".prisma") {
		return p
	}
	return ""
}

// prismaMigrationsDir is the folder prisma migrate reads in workdir when
// the Prisma config sets no migrations.path: "migrations" beside the
// schema Prisma's CLI finds, as inferDirectoryConfig puts it
// (packages/internals/src/cli/directoryConfig.ts, 6.19 and 7.x): in the
// folder of a schema file, in a schema folder itself, and in prisma/ when
// there is no schema. A root schema.prisma's migrations are ./migrations,
// package.json's "prisma": {"schema": "db/schema.prisma"}'s db/migrations.
// pc is the Prisma config readDatasource read (nil for none).
//
// Prisma 7 finds the schema in fewer places: not package.json's
// prisma.schema nor the prisma/schema folder (Prisma 6's), and beside the
// config file rather than where it runs. When the two versions would read
// two folders that both exist, which one runs is not in the files: a pull
// request could add the one dbguard checks and edit the other. That is
// refused (exit 2) until one goes (a config's migrations.path would not
// do: Prisma before 6.12 reads none, configMigrationsOnly).
func prismaMigrationsDir(rootDir, workdir string, pc *PrismaConfig) (string, error) {
	v6 := migrationsBeside(schemaPathWith(rootDir, workdir, pc))
	if v6 == "" {
		v6 = filepath.Join(workdir, "prisma", "migrations")
	}
	var v7 string
	if pc != nil && pc.Schema != "" {
		v7 = v6
		if s := schemaPathWith(rootDir, workdir, pc); s != "" && isDir(s) {
			// Prisma 7 reads a schema folder's own migrations, Prisma 6
			// those beside its datasource's file (in a subfolder).
			v7 = filepath.Join(s, "migrations")
		}
	} else {
		base := workdir
		if pc != nil {
			base = filepath.Join(rootDir, filepath.FromSlash(path.Dir(pc.File)))
		}
		for _, p := range []string{filepath.Join(base, "schema.prisma"), filepath.Join(base, "prisma", "schema.prisma")} {
			if exists(p) {
				v7 = migrationsBeside(p)
				break
			}
		}
	}
	if v7 == "" || v7 == v6 || !isDir(v7) {
		return v6, nil // Prisma 7 finds no schema here, or agrees
	}
	if !isDir(v6) {
		return v7, nil
	}
	rel := func(p string) string { return output.Escape(filepath.ToSlash(output.RelTo(rootDir, p))) }
	return "", &exitcode.Advice{Code: exitcode.Usage,
		Msg: fmt.Sprintf("Prisma 6 reads this project's migrations in %s and Prisma 7 in %s (package.json's \"prisma\": {\"schema\"} and the prisma/schema folder are Prisma 6's only): which one prisma migrate runs is not in the files, so dbguard checks neither",
			rel(v6), rel(v7)),
		Next: fmt.Sprintf("remove the folder the project does not use (%s or %s, and package.json's \"prisma\": {\"schema\"} with %s), then run the command again",
			rel(v6), rel(v7), rel(v6))}
}

// configMigrationsOnly is why the migrations folder the Prisma config's
// migrations.path names (dir) is not read: Prisma reads migrations.path
// from 6.12 on, and before that (and Prisma 5, which reads no config)
// the folder beside the schema. When that folder exists too, beside the
// config's, which one prisma migrate runs depends on the version, and a
// pull request adding a config that names a decoy would pass an edit in
// the other. nil when they agree or only the config's exists.
func configMigrationsOnly(rootDir, workdir string, pc *PrismaConfig, dir string) error {
	old, _ := prismaMigrationsDir(rootDir, workdir, &PrismaConfig{File: pc.File, Schema: pc.Schema, SchemaLine: pc.SchemaLine})
	if old == "" {
		old = migrationsBeside(schemaPathWith(rootDir, workdir, pc))
	}
	if old == "" || filepath.Clean(old) == filepath.Clean(dir) || !isDir(old) || !isDir(dir) {
		return nil
	}
	rel := func(p string) string { return output.Escape(filepath.ToSlash(output.RelTo(rootDir, p))) }
	return &PrismaConfigError{File: pc.File, Line: pc.MigrationsLine,
		Msg:  fmt.Sprintf("migrations.path names %s, but %s, where Prisma before 6.12 reads the migrations (it reads no migrations.path), exists too: which one prisma migrate runs depends on the version, so dbguard checks neither", rel(dir), rel(old)),
		Next: fmt.Sprintf("remove the folder the project does not use (%s, or migrations.path), then run the command again", rel(old))}
}

// migrationsBeside is the migrations folder of a schema file or folder
// (inferDirectoryConfig's schemaRootDir); "" for no schema.
func migrationsBeside(schema string) string {
	switch {
	case schema == "":
		return ""
	case isDir(schema):
		// Prisma 6: beside the folder's file with the datasource, in a
		// subfolder too (Prisma 7: the folder's own; prismaMigrationsDir).
		return filepath.Join(datasourceFolder(schema), "migrations")
	}
	return filepath.Join(filepath.Dir(schema), "migrations")
}

// isDir reports whether p is a folder (a link to one too, as Node's
// fs.stat follows it; where it leads is held inside the project after).
func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// DatasourceVars are the variables the Prisma datasource of the project
// at rootDir reads, with Prisma run in workdir, read as AdoptURLVars
// reads them (the schema, the Prisma config, package.json's schema):
// url's and directUrl's, and the file and line of url. For a copy of
// another revision's files too (internal/pullrequest). Empty when there
// is no datasource or it names no variable.
func DatasourceVars(rootDir, workdir string) (url, direct, file string, line int, err error) {
	ds, err := readDatasource(rootDir, workdir)
	if err != nil || ds == nil {
		return "", "", "", 0, err
	}
	return ds.URLVar, ds.DirectVar, ds.File, ds.URLLine, nil
}

// AdoptVars is what AdoptURLVars does with the variables a datasource
// names, on db: url's becomes the URL variable unless urlGiven (then it
// is kept), directUrl's goes first among the direct ones.
func AdoptVars(db *config.Database, urlGiven bool, url, direct string) {
	if url != "" && url != db.URLVar && !urlGiven {
		db.URLVar = url
		db.DirectURLVars = slices.DeleteFunc(slices.Clone(db.DirectURLVars), func(d string) bool { return d == url })
	}
	if direct != "" && direct != db.URLVar {
		db.DirectURLVars = append([]string{direct}, slices.DeleteFunc(slices.Clone(db.DirectURLVars), func(d string) bool { return d == direct })...)
	}
}

// DatasourceDirectLine is the line of directUrl in the file DatasourceVars
// names (the schema), for a message about directUrl; 0 when there is none
// or it is in another file (a Prisma config names url, the schema
// directUrl).
func DatasourceDirectLine(rootDir, workdir string) int {
	ds, err := readDatasource(rootDir, workdir)
	if err != nil || ds == nil || ds.DirectVar == "" || ds.Config != nil && ds.File == ds.Config.File {
		return 0
	}
	return ds.DirectLine
}
