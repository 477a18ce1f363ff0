package tool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// PrismaConfig is what dbguard reads of a project's Prisma config file
// (prisma.config.ts and the other names Prisma 6 and 7 accept), read as
// text, never run: the file is the repository's TypeScript. Prisma 7
// takes the datasource URL from it (the schema's datasource has no url),
// and the schema and migrations folder when it names them.
type PrismaConfig struct {
	File string // relative to the root, slash-separated
	// Schema and Migrations are the paths as written (relative to the
	// config file's folder), at their lines; "" when not set.
	Schema         string
	SchemaLine     int
	Migrations     string
	MigrationsLine int
	// URLVar is the variable datasource.url reads (env('X'),
	// process.env.X), ShadowVar shadowDatabaseUrl's.
	URLVar     string
	URLLine    int
	ShadowVar  string
	ShadowLine int
	// Literal names datasource.url written as a string, at LiteralLine.
	Literal     string
	LiteralLine int
	// EnvFiles are the env files the config loads (import
	// 'dotenv/config', dotenv.config({path})), relative to the folder
	// Prisma runs in (dotenv reads from the working directory, even for
	// .config/prisma.ts: the goldens' dotconfig case), at EnvLine; none when it loads none (Prisma 7, and Prisma 6
	// once a config file is found, load no env file themselves).
	EnvFiles []string
	EnvLine  int
	// OverrideLine is where dotenv.config({ override: true }) makes the
	// env file replace the URL dbguard gives Prisma (0: nowhere).
	OverrideLine int
	// AdapterLine is where the config gives Prisma a driver adapter
	// (adapter, or migrate: { adapter } of Prisma 6's earlier configs);
	// 0: none. prisma migrate then keeps its table where the adapter's
	// connection's search_path says, ignoring the URL's ?schema=.
	AdapterLine int
}

// prismaConfigNames are where Prisma looks for its config file in the
// folder it runs in, in its order (scripts/prisma-config-goldens.sh).
var prismaConfigNames = envload.PrismaConfigNames

// maxPrismaConfig bounds what is read of the config file.
const maxPrismaConfig = 1 << 20

// PrismaConfigError is a config file dbguard cannot read for sure.
type PrismaConfigError struct {
	File string
	Line int
	Msg  string
	Next string
}

// ExitCode is 2: the configuration must be written another way.
func (e *PrismaConfigError) ExitCode() int { return exitcode.Usage }

func (e *PrismaConfigError) Error() string {
	return fmt.Sprintf("%s:%d: %s", output.Escape(e.File), e.Line, e.Msg)
}

// Hint names the next step.
func (e *PrismaConfigError) Hint() string { return e.Next }

// findPrismaConfig is the Prisma config file in the folder rel of root,
// "" for none; out is a name there that leads outside root (a link out),
// which Prisma would run and dbguard does not read, or, ending in a slash,
// a folder Prisma looks in (.config) that is such a link.
func findPrismaConfig(root *os.Root, rel string) (p, out string) {
	d, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", ""
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	if !envload.MayHoldPrismaConfig(names) {
		return "", ""
	}
	for _, n := range prismaConfigNames {
		p := filepath.Join(rel, filepath.FromSlash(n))
		if _, err := root.Lstat(p); err != nil {
			if dir := folderLinksOut(root, rel, n); dir != "" {
				// .config a link out: Prisma finds .config/prisma.ts
				// there and runs it.
				return "", dir + "/"
			}
			continue
		}
		fi, err := root.Stat(p)
		if err == nil && fi.Mode().IsRegular() {
			return p, ""
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", p
		}
	}
	return "", ""
}

// folderLinksOut is the folder on the way from rel to the config name n
// (.config, .config/prisma) that is a link leading outside root, "" for
// none.
func folderLinksOut(root *os.Root, rel, n string) string {
	dir := rel
	for _, part := range strings.Split(path.Dir(n), "/") {
		if part == "." {
			break
		}
		dir = filepath.Join(dir, part)
		fi, err := root.Lstat(dir)
		if err != nil {
			return ""
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if _, err := root.Stat(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return dir
			}
			return ""
		}
	}
	return ""
}

// readPrismaConfig reads the Prisma config file of the folder rel of
// root: nil, nil when there is none.
func readPrismaConfig(root *os.Root, rel string) (*PrismaConfig, error) {
	p, out := findPrismaConfig(root, rel)
	if out != "" {
		if dir, ok := strings.CutSuffix(filepath.ToSlash(out), "/"); ok {
			return nil, &PrismaConfigError{File: dir, Line: 1, Msg: "a folder Prisma looks for its config file in is a link that leads outside the project: Prisma runs the config it finds there, and dbguard reads nothing outside the project",
				Next: fmt.Sprintf("replace the link %s with the folder itself (or remove it), then run the command again", output.Escape(dir))}
		}
		return nil, &PrismaConfigError{File: filepath.ToSlash(out), Line: 1, Msg: "the Prisma config file leads outside the project (a link): Prisma runs it, and dbguard reads nothing outside the project",
			Next: fmt.Sprintf("replace %s with the config file itself, then run the command again", output.Escape(filepath.ToSlash(out)))}
	}
	if p == "" {
		return nil, nil
	}
	if !envload.PrismaConfigLoadable(p) {
		// Prisma finds it first and stops: "Unsupported Prisma config file
		// extension" (the goldens' jsonconfig case).
		return nil, &PrismaConfigError{File: filepath.ToSlash(p), Line: 1, Msg: "Prisma refuses a config file of this kind (it loads .js, .ts, .mjs, .cjs, .mts and .cts), so nothing Prisma would connect to is known",
			Next: fmt.Sprintf("rename %s to prisma.config.ts with export default defineConfig({...}), then run the command again", output.Escape(filepath.ToSlash(p)))}
	}
	f, err := safefile.OpenIn(root, p)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	data, err := safefile.Read(f, maxPrismaConfig)
	if err != nil {
		return nil, &PrismaConfigError{File: filepath.ToSlash(p), Line: 1, Msg: "more than 1 MiB: not a Prisma config dbguard reads",
			Next: "keep prisma.config.ts to its defineConfig({...}), then run the command again"}
	}
	return parsePrismaConfig(filepath.ToSlash(p), string(data))
}

// parsePrismaConfig reads the shapes Prisma's docs and templates write:
//
//	import 'dotenv/config'
//	import { defineConfig, env } from 'prisma/config'
//	export default defineConfig({
//	  schema: 'prisma/schema.prisma',
//	  migrations: { path: 'prisma/migrations' },
//	  datasource: { url: env('DATABASE_URL'), shadowDatabaseUrl: env('SHADOW_DATABASE_URL') },
//	})
//
// (or an object literal, `satisfies PrismaConfig`, a const exported by
// name, module.exports =, process.env.X, process.env.X!,
// dotenv.config({ path: '.env.local' })). What it does not understand
// where the datasource, schema, migrations or env files are set is an
// error at its line: a guess would judge a variable Prisma does not read.
func parsePrismaConfig(file, src string) (*PrismaConfig, error) {
	toks, jerr := jsTokens(src)
	if jerr != nil {
		return nil, &PrismaConfigError{File: file, Line: jerr.line, Msg: jerr.msg + ": dbguard reads the config file without running it",
			Next: "write prisma.config.ts as Prisma's docs do (export default defineConfig({...})), then run the command again"}
	}
	c := &PrismaConfig{File: file}
	bad := func(line int, what string) error {
		return &PrismaConfigError{File: file, Line: line, Msg: what + "; dbguard reads the config file without running it, and would guess which database Prisma uses",
			Next: "write it as Prisma's docs do (datasource: { url: env('DATABASE_URL') }, schema: 'prisma/schema.prisma', import 'dotenv/config'), then run the command again"}
	}
	if err := c.envLoads(toks, bad); err != nil {
		return nil, err
	}
	if err := writesOutOfSight(toks, bad); err != nil {
		return nil, err
	}
	if err := reachesOutOfSight(toks, bad); err != nil {
		return nil, err
	}
	obj, err := exportedObject(toks, bad)
	if err != nil {
		return nil, err
	}
	pathBound := pathModuleBound(toks)
	cwdIsDir := configInRunFolder(file)
	for _, prop := range obj {
		if err := unreadKey(prop, bad, "schema", "migrations", "datasource"); err != nil {
			return nil, err
		}
		switch prop.key {
		case "adapter", "migrate":
			c.AdapterLine = prop.line
		case "schema":
			if c.Schema, err = pathValue(prop, pathBound, cwdIsDir, bad); err != nil {
				return nil, err
			}
			c.SchemaLine = prop.line
		case "migrations", "datasource":
			inner, ok := prop.object()
			if !ok {
				return nil, bad(prop.line, prop.key+" is not an object literal")
			}
			// A key written twice: JavaScript keeps the last object whole.
			if prop.key == "datasource" {
				c.URLVar, c.URLLine, c.ShadowVar, c.ShadowLine, c.Literal, c.LiteralLine = "", 0, "", 0, "", 0
			} else {
				c.Migrations, c.MigrationsLine = "", 0
			}
			for _, q := range inner {
				if prop.key == "datasource" && (q.key == "url" || q.key == "shadowDatabaseUrl") {
					// url: NAME or { url }, NAME a const of the file's
					// own scope: its value is read in place.
					if v, ok := constValue(toks, q); ok {
						q.value, q.valueless = v, false
					}
				}
				if err := unreadKey(q, bad, "path", "url", "shadowDatabaseUrl"); err != nil {
					return nil, err
				}
				switch {
				case prop.key == "migrations" && q.key == "path":
					if c.Migrations, err = pathValue(q, pathBound, cwdIsDir, bad); err != nil {
						return nil, err
					}
					c.MigrationsLine = q.line
				case prop.key == "datasource" && (q.key == "url" || q.key == "shadowDatabaseUrl"):
					if s, ok := q.str(); ok {
						if q.key == "url" && s != "" {
							c.Literal, c.LiteralLine = q.key, q.line
						}
						continue
					}
					v, ok := q.envVar()
					if !ok {
						v, ok = q.envVarOr(undefinedIsUndefined(toks))
					}
					if !ok {
						return nil, bad(q.line, "datasource."+q.key+" is not env('NAME'), process.env.NAME nor a string")
					}
					if q.key == "url" {
						c.URLVar, c.URLLine = v, q.line
					} else {
						c.ShadowVar, c.ShadowLine = v, q.line
					}
				case q.key == "...":
					return nil, bad(q.line, prop.key+" spreads another object")
				}
			}
		case "...":
			return nil, bad(prop.line, "the config spreads another object")
		}
	}
	return c, nil
}

// writesOutOfSight refuses code that changes, after the fact, what the
// exported object's values read: an assignment to process.env (or
// process.env handed whole to a function, Object.assign(process.env, ...)),
// an assignment to a datasource, url, schema or path member
// (config.datasource.url = ...), and a declaration of its own env, which
// env('A') would then call instead of Prisma's.
func writesOutOfSight(toks []jsTok, bad func(int, string) error) error {
	text := func(i int) string {
		if i < len(toks) {
			return toks[i].text
		}
		return ""
	}
	assigned := func(i int) bool { // toks[i] is "=" and not ==, => (or a compound +=, ??=)
		return text(i) == "=" && text(i+1) != "=" && text(i+1) != ">" ||
			strings.Contains("+-*/%&|^?", text(i)) && text(i) != "" && (text(i+1) == "=" || text(i+1) == text(i) && text(i+2) == "=")
	}
	pattern := patterns(toks, assigned)
	for i, t := range toks {
		switch {
		case t.text == "process" && text(i+1) == "." && text(i+2) == "env" && (i == 0 || text(i-1) != "."):
			j := i + 3
			switch {
			case text(j) == "." && j+1 < len(toks) && toks[j+1].kind == tokIdent:
				j += 2
			case text(j) == "[" && text(j+2) == "]":
				j += 3
			default:
				return bad(t.line, "process.env is used whole (Object.assign(process.env, ...), a spread, a loop), so which variable Prisma reads is not known")
			}
			if text(j) == "!" {
				j++
			}
			if assigned(j) || assignTarget(toks, pattern, i, j, assigned) {
				return bad(t.line, "the config assigns a variable of process.env, so env('NAME') does not read what the env files say")
			}
			if i > 0 && text(i-1) == "delete" {
				// dotenv.config() after it sets the file's value over the
				// one dbguard gives Prisma, as override: true would.
				return bad(t.line, "the config deletes a variable of process.env, so an env file loaded after it replaces the URL dbguard gives Prisma")
			}
		case t.text == "." && (text(i+1) == "datasource" || text(i+1) == "url" || text(i+1) == "shadowDatabaseUrl" || text(i+1) == "schema" || text(i+1) == "migrations" || text(i+1) == "path") && assigned(i+2):
			return bad(t.line, "the config assigns ."+text(i+1)+" after writing it")
		case t.kind == tokIdent && (t.text == "const" || t.text == "let" || t.text == "var" || t.text == "function" || t.text == "class" || t.text == "as") && text(i+1) == "env" && toks[i+1].kind == tokIdent:
			if t.text == "as" && i >= 2 && text(i-1) == "env" {
				continue // import { env as env }
			}
			return bad(t.line, "the config declares an env of its own, so env('NAME') may not be Prisma's")
		}
	}
	return nil
}

// unreadKey refuses a property that may set one of the keys the reader
// needs without the reader seeing its value: a computed key
// (['datasource']), or a shorthand, method or accessor of such a key
// ({ datasource }, get url() {...}), which JavaScript applies in the order
// written, over a value read before.
func unreadKey(prop jsProp, bad func(int, string) error, keys ...string) error {
	switch {
	case prop.key == "[":
		return bad(prop.line, "a computed property name ([...]) where Prisma reads "+strings.Join(keys, ", "))
	case prop.valueless && slices.Contains(keys, prop.key):
		return bad(prop.line, prop.key+" is a shorthand, a method or an accessor, not a value written in place")
	}
	return nil
}

// stringValue is prop's value when it is a string literal.
func stringValue(prop jsProp, bad func(int, string) error) (string, error) {
	s, ok := prop.str()
	if !ok {
		return "", bad(prop.line, prop.key+" is not a string literal")
	}
	return s, nil
}

// configInRunFolder reports whether the config file sits in the folder
// Prisma runs in, so that process.cwd() and __dirname are one folder: not
// .config/prisma.ts nor prisma.config/index.ts.
func configInRunFolder(file string) bool {
	name := path.Base(file)
	return (strings.HasPrefix(name, "prisma.config.") || strings.HasPrefix(name, "prisma7.config.")) && path.Base(path.Dir(file)) != ".config"
}

// pathValue is prop's value when it is a string literal or a path.join or
// path.resolve of string literals from the config file's folder
// (__dirname, import.meta.dirname): relative to that folder, as Prisma
// resolves it. From process.cwd() only where that is the config's folder
// (cwdIsDir): they differ for .config/prisma.ts.
func pathValue(prop jsProp, pathBound, cwdIsDir bool, bad func(int, string) error) (string, error) {
	if s, ok := prop.str(); ok {
		return s, nil
	}
	if p, base, ok := pathCall(prop.value, pathBound); ok && (base != baseCwd || cwdIsDir) {
		return p, nil
	}
	return "", bad(prop.line, prop.key+" is not a string literal nor path.join of string literals (from __dirname or import.meta.dirname)")
}

// envPath is an env file's path as dotenv and process.loadEnvFile read it,
// relative to the folder Prisma runs in: a string literal, or path.join or
// path.resolve of string literals from process.cwd(), or from __dirname
// where that is the same folder (cwdIsDir).
func envPath(v []jsTok, pathBound, cwdIsDir bool) (string, bool) {
	if len(v) == 1 && v[0].kind == tokString {
		return v[0].text, true
	}
	if p, base, ok := pathCall(v, pathBound); ok && (base != baseDir || cwdIsDir) {
		return p, true
	}
	return "", false
}

// dotenvHome reports whether the path v builds, handed to dotenv, starts
// with ~: dotenv's _resolveHome reads it from the home folder (a literal
// '~/x', path.join('~', 'x')). path.resolve's starts with / (a folder
// named ~ of the working folder), as does a join from __dirname or
// process.cwd().
func dotenvHome(v []jsTok, pathBound bool) bool {
	if len(v) == 1 && v[0].kind == tokString {
		return strings.HasPrefix(v[0].text, "~")
	}
	p, base, ok := pathCall(v, pathBound)
	return ok && base == baseNone && strings.HasPrefix(p, "~")
}

// envLoads finds the env files the config loads: import 'dotenv/config'
// (or require), dotenv.config()/config() with no path or a string path,
// process.loadEnvFile(path). Another loader (dotenv-flow, @next/env) or a
// path that is not a string literal is an error.
func (c *PrismaConfig) envLoads(toks []jsTok, bad func(int, string) error) error {
	pathBound, cwdIsDir := pathModuleBound(toks), configInRunFolder(c.File)
	alias := dotenvAlias(toks)
	add := func(f string, line int) {
		c.EnvFiles = append(c.EnvFiles, f)
		if c.EnvLine == 0 {
			c.EnvLine = line
		}
	}
	for i, t := range toks {
		if t.kind != tokString {
			continue
		}
		prev := ""
		if i > 0 {
			prev = toks[i-1].text
		}
		importing := prev == "import" || prev == "from" || prev == "(" && i > 1 && (toks[i-2].text == "require" || toks[i-2].text == "import")
		if !importing {
			continue
		}
		switch mod := t.text; {
		case mod == "dotenv/config" || mod == "dotenv/config.js":
			add(".env", t.line)
		case mod == "dotenv" || prismaModule(mod) || mod == "prisma" || mod == "path" || mod == "node:path" || mod == "url" || mod == "node:url" || strings.HasPrefix(mod, "@prisma/adapter-"):
			// Prisma's, dotenv (read below) and Node's path helpers; not
			// node:process, node:fs nor a file of the repository, which
			// could change the environment or the env files Prisma reads.
		case strings.Contains(mod, "dotenv") || strings.Contains(mod, "@next/env") || mod == "vite":
			return bad(t.line, fmt.Sprintf("it loads env files with %s", output.Escape(mod)))
		default:
			return bad(t.line, fmt.Sprintf("it imports %s, code dbguard does not read (it may change the environment Prisma reads)", output.Escape(mod)))
		}
	}
	for i := 0; i+1 < len(toks); i++ {
		name := toks[i].text
		call := name == "config" || name == "loadEnvFile" || name == alias && alias != ""
		if !call || toks[i+1].text != "(" || i > 0 && (toks[i-1].text == "function" || toks[i-1].text == "{" || toks[i-1].text == ",") {
			continue
		}
		if name == "config" && i > 1 && toks[i-1].text == "." {
			// dotenv.config(), require('dotenv').config(); not someone else's.
			viaRequire := i > 2 && toks[i-2].text == ")" && toks[i-3].kind == tokString && toks[i-3].text == "dotenv"
			if toks[i-2].text != "dotenv" && !viaRequire {
				continue
			}
		}
		line := toks[i].line
		args, end := balanced(toks, i+1)
		i = end
		switch {
		case len(args) == 0:
			add(".env", line)
		case name == "loadEnvFile" && func() bool { _, ok := envPath(args, pathBound, cwdIsDir); return ok }():
			p, _ := envPath(args, pathBound, cwdIsDir)
			add(p, line)
		case (name == "config" || name == alias) && args[0].text == "{":
			props, err := objectLiteral(args, 0)
			if err != nil {
				return bad(line, "dotenv.config's options are not an object literal")
			}
			path := ".env"
			for _, p := range props {
				switch p.key {
				case "path":
					s, ok := envPath(p.value, pathBound, cwdIsDir)
					if !ok {
						return bad(p.line, "dotenv.config's path is not a string literal nor path.resolve(process.cwd(), string literals)")
					}
					if dotenvHome(p.value, pathBound) {
						return bad(p.line, "dotenv.config's path starts with ~, which dotenv reads from the home folder, outside the project (dbguard reads nothing there)")
					}
					path = s
				case "override":
					if len(p.value) != 1 || p.value[0].text != "false" {
						c.OverrideLine = p.line
					}
				case "...":
					return bad(p.line, "dotenv.config's options spread another object")
				}
			}
			add(path, line)
		default:
			return bad(line, fmt.Sprintf("%s(...) is given what dbguard cannot read", name))
		}
	}
	return nil
}

// exportedObject is the object literal the file exports: export default
// defineConfig({...}), export default {...} (satisfies PrismaConfig),
// export default NAME with const NAME = ..., module.exports = ....
// There is one export, in the file's own scope (not in a function or a
// declare module block), and the literal is the whole value exported: a
// ({...}).x, {...} || y or a NAME assigned again or handed to code
// elsewhere would export something else.
func exportedObject(toks []jsTok, bad func(int, string) error) ([]jsProp, error) {
	depths := jsDepths(toks)
	text := func(i int) string {
		if i >= 0 && i < len(toks) {
			return toks[i].text
		}
		return ""
	}
	start, exports := -1, 0
	for i := range toks {
		if depths[i] != 0 || toks[i].kind != tokIdent {
			continue
		}
		switch {
		case text(i) == "export" && text(i+1) == "default":
			exports++
			if start < 0 {
				start = i + 2
			}
		case text(i) == "module" && text(i+1) == "." && text(i+2) == "exports" && text(i+3) == "=" && text(i+4) != "=":
			exports++
			if start < 0 {
				start = i + 4
			}
		case text(i) == "export" && (text(i+1) == "=" || text(i+1) == "{" || text(i+1) == "*"):
			return nil, bad(toks[i].line, "the config exports with export =, export {...} or export *, which dbguard does not read")
		}
	}
	if start < 0 || start >= len(toks) {
		return nil, bad(1, "no export default")
	}
	line := toks[start].line
	if exports > 1 {
		return nil, bad(line, "the config exports more than once")
	}
	declared := false
	// export default NAME: the const it names, declared once in the
	// file's scope, and named nowhere else.
	if toks[start].kind == tokIdent && text(start+1) != "(" {
		name := toks[start].text
		found, others := -1, 0
		for i := range toks {
			if toks[i].kind != tokIdent || toks[i].text != name || i == start || text(i-1) == "." {
				continue
			}
			if depths[i] == 0 && found < 0 && (text(i-1) == "const" || text(i-1) == "let" || text(i-1) == "var") {
				found = i
				continue
			}
			others++
		}
		if found < 0 {
			return nil, bad(line, fmt.Sprintf("export default %s names nothing declared in the file", output.Escape(name)))
		}
		if found > start {
			// var config = ... after the export: Prisma gets undefined.
			return nil, bad(line, fmt.Sprintf("export default %s comes before %s is given its value", output.Escape(name), output.Escape(name)))
		}
		if others > 0 {
			return nil, bad(line, fmt.Sprintf("%s is named again beside its declaration and the export (assigned, declared again or handed to code), so what is exported may not be what it was declared", output.Escape(name)))
		}
		j := found + 1
		if text(j) == ":" { // const config: PrismaConfig = {...}
			for j < len(toks) && text(j) != "=" && text(j) != ";" {
				j++
			}
		}
		if text(j) != "=" || j+1 >= start {
			// No value before the export (const config: T; or the type
			// runs on past it).
			return nil, bad(line, fmt.Sprintf("export default %s names nothing declared in the file", output.Escape(name)))
		}
		start, declared = j+1, true
	}
	i := start
	call := toks[i].kind == tokIdent && text(i) == "defineConfig" && text(i+1) == "("
	if call {
		i += 2
	}
	if i >= len(toks) || toks[i].text != "{" || toks[i].kind != tokPunct {
		return nil, bad(toks[min(i, len(toks)-1)].line, "the export is not defineConfig({...}) nor an object literal")
	}
	props, err := objectLiteral(toks, i)
	if err != nil {
		return nil, bad(toks[i].line, "the exported object is not a literal dbguard reads")
	}
	_, end := balanced(toks, i)
	if call {
		if text(end+1) != ")" {
			return nil, bad(toks[i].line, "defineConfig is given more than the object literal")
		}
		end++
	}
	if !valueEnds(toks, end, declared) {
		return nil, bad(toks[min(end+1, len(toks)-1)].line, "the exported object is not the whole value exported (it goes on after its closing bracket)")
	}
	return props, nil
}

// valueEnds reports whether the expression whose last token is toks[end]
// ends there: a ; or the file's end, a statement on a later line, a
// comma of a declaration list, after an optional satisfies or as type.
func valueEnds(toks []jsTok, end int, declared bool) bool {
	j := end + 1
	// Each as or satisfies, then its type: a name (as const, satisfies
	// PrismaConfig, T<U>) or an object type written in place (as const
	// satisfies { schema: string }).
	for j < len(toks) && (toks[j].text == "satisfies" || toks[j].text == "as") {
		j++
		if j < len(toks) && toks[j].text == "{" {
			_, close := balanced(toks, j)
			if close >= len(toks) {
				return false
			}
			j = close + 1
			continue
		}
		for ; j < len(toks); j++ {
			if toks[j].text == "<" {
				for depth := 0; j < len(toks); j++ {
					if toks[j].text == "<" {
						depth++
					} else if toks[j].text == ">" {
						if depth--; depth == 0 {
							break
						}
					}
				}
				continue
			}
			if toks[j].kind != tokIdent && toks[j].text != "." || toks[j].text == "as" || toks[j].text == "satisfies" {
				break
			}
		}
	}
	switch {
	case j >= len(toks) || toks[j].text == ";" || declared && toks[j].text == ",":
		return true
	case toks[j].kind == tokIdent && toks[j].line > toks[j-1].line:
		switch toks[j].text {
		case "as", "satisfies", "instanceof", "in":
			return false
		}
		return true
	}
	return false
}

// jsDepths is each token's bracket depth: 0 in the file's own scope.
func jsDepths(toks []jsTok) []int {
	d := make([]int, len(toks))
	depth := 0
	for i, t := range toks {
		if t.kind == tokPunct && (t.text == ")" || t.text == "]" || t.text == "}") {
			depth--
		}
		d[i] = depth
		if t.kind == tokPunct && (t.text == "(" || t.text == "[" || t.text == "{") {
			depth++
		}
	}
	return d
}

// prismaModule reports whether mod is Prisma's own config module, whose
// env and defineConfig the reader reads.
func prismaModule(mod string) bool { return mod == "prisma/config" || mod == "@prisma/config" }

// reachesOutOfSight refuses code that reaches what decides the URL other
// than through the shapes the reader reads: env and defineConfig bound
// elsewhere than from prisma/config (a function of the file's own, an
// import from another file, a global), process other than
// process.env.NAME, process.loadEnvFile and process.cwd, the global
// object and the ways to it (globalThis, this, Function, eval, a
// constructor, require other than require('module')), and a member read
// by a name the reader cannot see (x[expr]).
func reachesOutOfSight(toks []jsTok, bad func(int, string) error) error {
	text := func(i int) string {
		if i >= 0 && i < len(toks) {
			return toks[i].text
		}
		return ""
	}
	// The tokens of import clauses and require destructurings, and the
	// module each names.
	clause := make([]string, len(toks))
	for i := range toks {
		switch {
		case text(i) == "import" && text(i+1) != "(" && text(i+1) != ".":
			// Up to its module's name; not past a ; or the next import,
			// so that each token is looked at once.
			j := i + 1
			for j < len(toks) && toks[j].kind != tokString && text(j) != ";" && text(j) != "import" {
				j++
			}
			if j < len(toks) && toks[j].kind == tokString {
				for k := i + 1; k < j; k++ {
					clause[k] = text(j)
				}
			}
		case text(i) == "=" && text(i+1) == "require" && text(i+2) == "(" && text(i+4) == ")" && text(i-1) == "}":
			// const { a, b: c } = require('m'): back to its {, over names
			// only.
			for k := i - 1; k >= 0 && text(k) != "{" && (toks[k].kind == tokIdent || text(k) == "," || text(k) == ":" || text(k) == "}" && k == i-1); k-- {
				clause[k] = text(i + 3)
			}
		}
	}
	// closes[i] is the index of the ] that closes the [ at i.
	closes := make([]int, len(toks))
	var open []int
	for i, t := range toks {
		switch {
		case t.kind == tokPunct && t.text == "[":
			open = append(open, i)
		case t.kind == tokPunct && t.text == "]" && len(open) > 0:
			closes[open[len(open)-1]] = i
			open = open[:len(open)-1]
		}
	}
	alias := dotenvAlias(toks)
	// dotenv's config imported by name: every config is then its call.
	dotenvConfig := false
	for i := range toks {
		dotenvConfig = dotenvConfig || clause[i] == "dotenv" && text(i) == "config"
	}
	for i, t := range toks {
		switch {
		case clause[i] == "dotenv" && alias != "" && (t.text == "as" && text(i-1) == "config" && text(i+1) == alias || t.text == alias && (text(i-1) == "as" || text(i-1) == ":") && text(i-2) == "config"):
			// import { config as loadEnv } from 'dotenv': envLoads reads
			// its calls as config's.
		case t.kind == tokIdent && alias != "" && t.text == alias && clause[i] == "" && text(i-1) != "." && text(i+1) != "(":
			return bad(t.line, "the config uses dotenv's config otherwise than calling it, so which env files it loads, and how, is not known")
		case clause[i] == "dotenv" && t.kind == tokIdent && t.text != "dotenv" && t.text != "config" && t.text != "from" && t.text != "const" && t.text != "let" && t.text != "var" && !(t.text == "as" && text(i-1) == "*" && text(i+1) == "dotenv"):
			// import { config as load } from 'dotenv': load({ override:
			// true }) would go unseen.
			return bad(t.line, "the config takes dotenv's loader under another name, so which env files it loads, and how, is not known")
		case t.kind == tokIdent && t.text == "dotenv" && clause[i] == "" && text(i-1) != ".":
			declared := jsDeclares(text(i-1)) && text(i+1) == "=" && text(i+2) == "require" && text(i+4) == "dotenv" && text(i+5) == ")"
			if !declared && !(text(i+1) == "." && text(i+2) == "config" && text(i+3) == "(") {
				return bad(t.line, "the config uses dotenv otherwise than dotenv.config(...), so which env files it loads, and how, is not known")
			}
		case t.kind == tokIdent && t.text == "config" && dotenvConfig && clause[i] == "" && text(i-1) != "." && text(i+1) != "(" && !(text(i+1) == ":" && (text(i-1) == "{" || text(i-1) == ",")):
			return bad(t.line, "the config uses dotenv's config otherwise than calling it, so which env files it loads, and how, is not known")
		case t.kind == tokIdent && t.text == "require" && text(i+1) == "(" && text(i+2) == "dotenv" && text(i+3) == ")":
			viaConfig := text(i+4) == "." && text(i+5) == "config" && text(i+6) == "("
			named := text(i-1) == "=" && (text(i-2) == "}" || text(i-2) == "dotenv" && jsDeclares(text(i-3)))
			if !viaConfig && !named {
				return bad(t.line, "the config uses require('dotenv') otherwise than require('dotenv').config(...) or const dotenv = require('dotenv'), so which env files it loads, and how, is not known")
			}
		case t.kind == tokString && (t.text == "__proto__" || text(i-1) == "[" && text(i+1) == "]" && outOfSightName(t.text)):
			return bad(t.line, fmt.Sprintf("the config reads a member named %s, a way to the environment dbguard does not follow", output.Escape(t.text)))
		case t.kind == tokPunct && t.text == "[" && (i > 0 && (toks[i-1].kind == tokIdent && !jsKeyword(text(i-1)) || text(i-1) == ")" || text(i-1) == "]" || text(i-1) == "}" || text(i-1) == ".") ||
			closes[i] > 0 && (text(closes[i]+1) == ":" || text(closes[i]+1) == "(")):
			// A member read by name (x[...]), or a computed key ({ [k]: v },
			// const { [k]: O } = {}, which takes {}'s member k).
			if text(i+1) != "]" && !(text(i+2) == "]" && (toks[i+1].kind == tokString || toks[i+1].kind == tokOther && toks[i+1].text != "" && toks[i+1].text[0] >= '0' && toks[i+1].text[0] <= '9')) {
				return bad(t.line, "the config reads a member by a computed name (x[...]), which dbguard cannot tell")
			}
		case t.kind != tokIdent:
		case outOfSightName(t.text) && t.text != "process" && t.text != "env" && !(t.text == "module" && text(i+1) == "." && text(i+2) == "exports" && text(i+3) == "=") && !(t.text == "exports" && text(i-1) == "." && text(i-2) == "module"):
			return bad(t.line, fmt.Sprintf("the config uses %s, a way to the environment or to other code that dbguard does not follow", t.text))
		case t.text == "require" || t.text == "import" && text(i+1) == "(":
			if text(i+1) != "(" || i+3 >= len(toks) || toks[i+2].kind != tokString || text(i+3) != ")" {
				return bad(t.line, fmt.Sprintf("%s is given what dbguard cannot read", t.text))
			}
		case t.text == "process":
			ok := text(i+1) == "." && (text(i+2) == "env" && (text(i+3) == "." || text(i+3) == "[") ||
				(text(i+2) == "loadEnvFile" || text(i+2) == "cwd") && text(i+3) == "(")
			if !ok {
				return bad(t.line, "the config uses process otherwise than process.env.NAME, so which variable Prisma reads is not known")
			}
		case (t.text == "env" || t.text == "defineConfig") && text(i-1) != ".":
			switch {
			case clause[i] != "":
				if !prismaModule(clause[i]) {
					return bad(t.line, fmt.Sprintf("the config takes %s from %s, not from prisma/config", t.text, output.Escape(clause[i])))
				}
			case (text(i+1) == "(" || text(i+1) == "<") && !jsDeclares(text(i-1)):
			case text(i+1) == ":" && (text(i-1) == "{" || text(i-1) == ","):
			default:
				return bad(t.line, fmt.Sprintf("the config binds or assigns %s itself, so %s(...) may not be Prisma's", t.text, t.text))
			}
		}
	}
	return nil
}

// outOfSightName reports whether a name leads to the global object, the
// module system, the objects' shared prototype or code built from text:
// what could change the environment Prisma reads, or the config it
// reads, without the reader seeing it.
func outOfSightName(s string) bool {
	switch s {
	case "globalThis", "global", "window", "self", "this", "eval", "Function", "Reflect", "Proxy",
		"constructor", "__proto__", "prototype", "arguments", "module", "exports", "with", "process", "env",
		// Object.getPrototypeOf({}) is Object.prototype: a datasource
		// written there is read by Prisma from a config without one.
		"Object", "getPrototypeOf", "setPrototypeOf":
		return true
	}
	return false
}

// jsDeclares reports whether s declares the name after it.
func jsDeclares(s string) bool {
	switch s {
	case "function", "class", "const", "let", "var", "interface", "type", "enum", "namespace":
		return true
	}
	return false
}

// jsKeyword reports whether s is a word after which [ opens an array.
func jsKeyword(s string) bool {
	switch s {
	case "return", "typeof", "in", "of", "case", "void", "delete", "throw", "new", "yield", "await", "else", "do", "export", "default":
		return true
	}
	return false
}

// jsTok is one token of JavaScript or TypeScript, as far as the config
// reader needs: strings decoded, comments and white space dropped.
type jsTok struct {
	kind int
	text string
	line int
}

const (
	tokPunct = iota
	tokIdent
	tokString
	tokOther // a number, a template with ${...}
)

// jsError is text the tokenizer cannot read, at a line.
type jsError struct {
	line int
	msg  string
}

// jsTokens splits src into tokens. A string left open is an error; so is
// what the reader cannot split as JavaScript does: a `/` that is no
// comment (a division or a regular expression literal, which the reader
// does not tell apart, and a regular expression holding a quote would make
// it read strings and comments where JavaScript reads code), and a
// character outside ASCII outside strings and comments (JavaScript reads
// U+00A0 as white space and U+2028 as a line end, the reader as part of a
// name). A template's ${...} is read as the code it is.
func jsTokens(src string) ([]jsTok, *jsError) {
	var out []jsTok
	line := 1
	depth := 0      // open { in code
	var subst []int // for each open ${ of a template, the depth it resumes at
	i := 0
	if strings.HasPrefix(src, "\uFEFF") {
		i = len("\uFEFF") // a byte order mark
	}
	// quoted reads the string or template piece that starts at src[j],
	// after its opening quote (or a substitution's closing brace): its
	// text, the index after it, and for a template whether it stopped at
	// a ${.
	quoted := func(j int, c byte) (string, int, bool, *jsError) {
		start := line
		var b strings.Builder
		for ; j < len(src) && src[j] != c; j++ {
			switch {
			case src[j] == '\\' && j+1 < len(src):
				j++
				switch src[j] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case '\n':
					line++
				case 'x', 'u':
					// \x64, \u0064, \u{64}: 'd\u0061tasource' is
					// "datasource" to Prisma's loader.
					r, n, ok := jsEscape(src[j:])
					if !ok {
						return "", 0, false, &jsError{line, "a string holds an escape dbguard does not read"}
					}
					b.WriteRune(r)
					j += n - 1
				default:
					b.WriteByte(src[j])
				}
			case src[j] == '\n' && c != '`':
				return "", 0, false, &jsError{start, "a string is never closed"}
			case c == '`' && src[j] == '$' && j+1 < len(src) && src[j+1] == '{':
				return b.String(), j + 2, true, nil
			default:
				if src[j] == '\n' {
					line++
				}
				b.WriteByte(src[j])
			}
		}
		if j >= len(src) {
			return "", 0, false, &jsError{start, "a string is never closed"}
		}
		return b.String(), j + 1, false, nil
	}
	template := func(j int) *jsError {
		start := line
		text, next, open, err := quoted(j, '`')
		if err != nil {
			return err
		}
		kind := tokString
		if open || j > 0 && src[j-1] == '}' {
			kind = tokOther // a template with ${...}, or the rest of one
		}
		if open {
			subst = append(subst, depth)
		}
		out = append(out, jsTok{kind, text, start})
		i = next
		return nil
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(src[i:], "//"):
			// JavaScript ends it at any line terminator: \r, U+2028 and
			// U+2029 too.
			for i < len(src) && src[i] != '\n' && src[i] != '\r' && !strings.HasPrefix(src[i:], "\u2028") && !strings.HasPrefix(src[i:], "\u2029") {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, &jsError{line, "a comment is never closed"}
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case strings.HasPrefix(src[i:], "<!--") || strings.HasPrefix(src[i:], "-->"):
			// Node reads either as a line comment in a .js or .cjs file.
			return nil, &jsError{line, "an HTML-like comment (<!-- or -->), which Node reads as a comment where dbguard would read code"}
		case c == '/':
			return nil, &jsError{line, "a / outside a string or comment (a division or a regular expression, which dbguard does not tell apart)"}
		case c == '`':
			if err := template(i + 1); err != nil {
				return nil, err
			}
		case c == '}' && len(subst) > 0 && subst[len(subst)-1] == depth:
			subst = subst[:len(subst)-1]
			if err := template(i + 1); err != nil {
				return nil, err
			}
		case c == '\'' || c == '"':
			start := line
			text, next, _, err := quoted(i+1, c)
			if err != nil {
				return nil, err
			}
			out = append(out, jsTok{tokString, text, start})
			i = next
		case strings.HasPrefix(src[i:], "\u2028") || strings.HasPrefix(src[i:], "\u2029"):
			i += len("\u2028") // a line end to JavaScript (lines are counted at \n)
		case c >= 0x80:
			return nil, &jsError{line, "a character outside ASCII outside a string or comment (JavaScript may read it as white space or a line end)"}
		case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] == '$' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			out = append(out, jsTok{tokIdent, src[i:j], line})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] == '.' || src[j] == '_' || src[j] >= '0' && src[j] <= '9' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z') {
				j++
			}
			out = append(out, jsTok{tokOther, src[i:j], line})
			i = j
		case c == '\\':
			// An identifier spelled with an escape (d\u0061tasource) is
			// the same name to JavaScript; the reader does not decode one.
			return nil, &jsError{line, "a name is spelled with a \\u escape"}
		case strings.HasPrefix(src[i:], "..."):
			out = append(out, jsTok{tokPunct, "...", line})
			i += 3
		default:
			switch c {
			case '{':
				depth++
			case '}':
				depth--
			}
			out = append(out, jsTok{tokPunct, string(c), line})
			i++
		}
	}
	return out, nil
}

// jsEscape decodes the escape at the start of s ("x64", "u0064",
// "u{64}", after the backslash): the rune and the bytes it took.
func jsEscape(s string) (rune, int, bool) {
	digits, n := "", 0
	switch {
	case s[0] == 'x' && len(s) >= 3:
		digits, n = s[1:3], 3
	case strings.HasPrefix(s, "u{"):
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return 0, 0, false
		}
		digits, n = s[2:end], end+1
	case s[0] == 'u' && len(s) >= 5:
		digits, n = s[1:5], 5
	default:
		return 0, 0, false
	}
	v, err := strconv.ParseUint(digits, 16, 32)
	if err != nil || v > unicode.MaxRune {
		return 0, 0, false
	}
	return rune(v), n, true
}

// balanced returns the tokens inside the bracket at toks[open] and the
// index of its closing bracket (len(toks) when never closed).
func balanced(toks []jsTok, open int) ([]jsTok, int) {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch toks[i].text {
		case "(", "[", "{":
			if toks[i].kind == tokPunct {
				depth++
			}
		case ")", "]", "}":
			if toks[i].kind == tokPunct {
				if depth--; depth == 0 {
					return toks[open+1 : i], i
				}
			}
		}
	}
	return toks[min(open+1, len(toks)):], len(toks)
}

// jsProp is one property of an object literal: its key ("..." for a
// spread), line and value tokens.
type jsProp struct {
	key   string
	line  int
	value []jsTok
	// valueless: a shorthand, a method or an accessor, whose value the
	// reader does not see.
	valueless bool
	// shorthand: { url } (valueless too), the value of the name url.
	shorthand bool
}

// objectLiteral reads the properties of the object literal at toks[open].
func objectLiteral(toks []jsTok, open int) ([]jsProp, error) {
	inner, end := balanced(toks, open)
	if end >= len(toks) {
		return nil, fmt.Errorf("never closed")
	}
	var out []jsProp
	for i := 0; i < len(inner); {
		t := inner[i]
		p := jsProp{key: t.text, line: t.line}
		if t.kind != tokIdent && t.kind != tokString && t.text != "..." {
			p.key = "[" // a computed key: which one, the reader cannot tell
		}
		if (t.text == "get" || t.text == "set" || t.text == "async") && i+1 < len(inner) && (inner[i+1].kind == tokIdent || inner[i+1].kind == tokString) {
			p.key, p.valueless = inner[i+1].text, true // get url() {...}
			i++
		}
		i++
		if i < len(inner) && (inner[i].text == ":" || t.text == "...") {
			if inner[i].text == ":" {
				i++
			}
			start := i
			i = propertyEnd(inner, i)
			p.value = inner[start:i]
		} else {
			// shorthand (schema,) or a method (seed() {...}): no value read.
			p.valueless = true
			p.shorthand = t.kind == tokIdent && (i == len(inner) || inner[i].text == ",")
			i = propertyEnd(inner, i)
		}
		out = append(out, p)
		i++ // the comma
	}
	return out, nil
}

// str is the property's value when it is one string literal (as const allowed).
func (p jsProp) str() (string, bool) {
	v := p.value
	if len(v) == 3 && v[1].text == "as" && v[2].text == "const" {
		v = v[:1]
	}
	if len(v) == 1 && v[0].kind == tokString {
		return v[0].text, true
	}
	return "", false
}

// object is the property's value when it is an object literal.
func (p jsProp) object() ([]jsProp, bool) {
	if len(p.value) == 0 || p.value[0].text != "{" {
		return nil, false
	}
	if _, end := balanced(p.value, 0); end != len(p.value)-1 {
		return nil, false // {...}.x, {...} || y
	}
	props, err := objectLiteral(p.value, 0)
	return props, err == nil
}

// envVar is the variable the property's value reads: env('X'),
// env<...>('X'), process.env.X, process.env['X'], each with an optional
// trailing '!'.
func (p jsProp) envVar() (string, bool) {
	v := p.value
	if n := len(v); n > 0 && v[n-1].text == "!" {
		v = v[:n-1]
	}
	texts := make([]string, len(v))
	for i, t := range v {
		texts[i] = t.text
	}
	switch {
	case len(v) >= 4 && texts[0] == "env" && v[0].kind == tokIdent:
		i := 1
		if texts[1] == "<" { // env<{ DATABASE_URL: string }>('DATABASE_URL')
			for i < len(v) && texts[i] != ">" {
				i++
			}
			i++
		}
		if i+2 == len(v)-1 && texts[i] == "(" && v[i+1].kind == tokString && texts[i+2] == ")" && identName(texts[i+1]) {
			return texts[i+1], true
		}
	case len(v) == 5 && texts[0] == "process" && texts[1] == "." && texts[2] == "env" && texts[3] == "." && v[4].kind == tokIdent:
		return texts[4], true
	case len(v) == 6 && texts[0] == "process" && texts[1] == "." && texts[2] == "env" && texts[3] == "[" && v[4].kind == tokString && texts[5] == "]" && identName(texts[4]):
		return texts[4], true
	}
	return "", false
}

// identName reports whether s is a variable name dbguard judges.
func identName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// schemaPath is the config's schema as an absolute path (relative to the
// config file's folder, as Prisma resolves it), refused outside rootDir.
func (c *PrismaConfig) schemaPath(rootDir string) (string, error) {
	return c.inside(rootDir, c.Schema, c.SchemaLine, "schema")
}

// migrationsPath is the config's migrations.path as schemaPath is.
func (c *PrismaConfig) migrationsPath(rootDir string) (string, error) {
	return c.inside(rootDir, c.Migrations, c.MigrationsLine, "migrations.path")
}

func (c *PrismaConfig) inside(rootDir, p string, line int, key string) (string, error) {
	abs := filepath.Join(rootDir, filepath.FromSlash(path.Dir(c.File)), filepath.FromSlash(p))
	if filepath.IsAbs(p) || !inside(rootDir, abs) {
		// Prisma reads there, and which variable the app reads may be in
		// it: nothing dbguard could judge would be sure.
		return "", &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s:%d: %s leads outside the project (%s): Prisma reads there, and dbguard reads nothing outside the project", output.Escape(c.File), line, key, output.Escape(p)),
			Next: fmt.Sprintf("move it inside the project and name it in %s (%s: 'prisma/...'), then run the command again", output.Escape(c.File), key)}
	}
	return abs, nil
}

// prismaConfigIn is the Prisma config file in dir (absolute), "" for none.
func prismaConfigIn(dir string) string {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return ""
	}
	defer root.Close()
	if p, out := findPrismaConfig(root, "."); p != "" || out != "" {
		return filepath.Join(dir, p+out)
	}
	return ""
}

// propertyEnd is the index of the comma that ends the property whose
// tokens start at toks[i] (brackets balanced), or len(toks).
func propertyEnd(toks []jsTok, i int) int {
	for depth := 0; i < len(toks); i++ {
		if t := toks[i]; t.kind == tokPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
			if depth == 0 && t.text == "," {
				return i
			}
		}
	}
	return i
}
