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
// which Prisma would run and dbguard does not read.
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

// readPrismaConfig reads the Prisma config file of the folder rel of
// root: nil, nil when there is none.
func readPrismaConfig(root *os.Root, rel string) (*PrismaConfig, error) {
	p, out := findPrismaConfig(root, rel)
	if out != "" {
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
	obj, err := exportedObject(toks, bad)
	if err != nil {
		return nil, err
	}
	for _, prop := range obj {
		if err := unreadKey(prop, bad, "schema", "migrations", "datasource"); err != nil {
			return nil, err
		}
		switch prop.key {
		case "schema":
			if c.Schema, err = stringValue(prop, bad); err != nil {
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
				if err := unreadKey(q, bad, "path", "url", "shadowDatabaseUrl"); err != nil {
					return nil, err
				}
				switch {
				case prop.key == "migrations" && q.key == "path":
					if c.Migrations, err = stringValue(q, bad); err != nil {
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
			if assigned(j) {
				return bad(t.line, "the config assigns a variable of process.env, so env('NAME') does not read what the env files say")
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

// envLoads finds the env files the config loads: import 'dotenv/config'
// (or require), dotenv.config()/config() with no path or a string path,
// process.loadEnvFile(path). Another loader (dotenv-flow, @next/env) or a
// path that is not a string literal is an error.
func (c *PrismaConfig) envLoads(toks []jsTok, bad func(int, string) error) error {
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
		case mod == "dotenv" || mod == "prisma/config" || mod == "@prisma/config" || strings.HasPrefix(mod, "node:") || strings.HasPrefix(mod, "@prisma/adapter-"):
		case strings.Contains(mod, "dotenv") || strings.Contains(mod, "@next/env") || mod == "vite":
			return bad(t.line, fmt.Sprintf("it loads env files with %s", output.Escape(mod)))
		}
	}
	for i := 0; i+1 < len(toks); i++ {
		name := toks[i].text
		call := name == "config" || name == "loadEnvFile"
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
		case name == "loadEnvFile" && len(args) == 1 && args[0].kind == tokString:
			add(args[0].text, line)
		case name == "config" && args[0].text == "{":
			props, err := objectLiteral(args, 0)
			if err != nil {
				return bad(line, "dotenv.config's options are not an object literal")
			}
			path := ".env"
			for _, p := range props {
				switch p.key {
				case "path":
					s, ok := p.str()
					if !ok {
						return bad(p.line, "dotenv.config's path is not a string literal")
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
func exportedObject(toks []jsTok, bad func(int, string) error) ([]jsProp, error) {
	start := -1
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].text == "export" && toks[i+1].text == "default" {
			start = i + 2
			break
		}
		if toks[i].text == "module" && i+3 < len(toks) && toks[i+1].text == "." && toks[i+2].text == "exports" && toks[i+3].text == "=" {
			start = i + 4
			break
		}
	}
	if start < 0 || start >= len(toks) {
		return nil, bad(1, "no export default")
	}
	line := toks[start].line
	// export default NAME: the const it names.
	if toks[start].kind == tokIdent && (start+1 >= len(toks) || toks[start+1].text != "(") {
		name := toks[start].text
		found := false
		for i := 0; i+2 < len(toks); i++ {
			if (toks[i].text == "const" || toks[i].text == "let" || toks[i].text == "var") && toks[i+1].text == name {
				j := i + 2
				if toks[j].text == ":" { // const config: PrismaConfig = {...}
					for j < len(toks) && toks[j].text != "=" {
						j++
					}
				}
				if j < len(toks) && toks[j].text == "=" {
					start, found = j+1, true
					break
				}
			}
		}
		if !found {
			return nil, bad(line, fmt.Sprintf("export default %s names nothing declared in the file", output.Escape(name)))
		}
	}
	i := start
	if i < len(toks) && toks[i].kind == tokIdent && (toks[i].text == "defineConfig") && i+1 < len(toks) && toks[i+1].text == "(" {
		i += 2
	}
	if i >= len(toks) || toks[i].text != "{" {
		return nil, bad(toks[min(i, len(toks)-1)].line, "the export is not defineConfig({...}) nor an object literal")
	}
	props, err := objectLiteral(toks, i)
	if err != nil {
		return nil, bad(toks[i].line, "the exported object is not a literal dbguard reads")
	}
	return props, nil
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

// jsTokens splits src into tokens. A string left open is an error; a
// regular expression literal is read as punctuation and words (a config
// file has none where the reader looks).
func jsTokens(src string) ([]jsTok, *jsError) {
	var out []jsTok
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, &jsError{line, "a comment is never closed"}
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '\'' || c == '"' || c == '`':
			start := line
			var b strings.Builder
			j := i + 1
			templated := false
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
							return nil, &jsError{line, "a string holds an escape dbguard does not read"}
						}
						b.WriteRune(r)
						j += n - 1
					default:
						b.WriteByte(src[j])
					}
				case src[j] == '\n' && c != '`':
					return nil, &jsError{start, "a string is never closed"}
				case c == '`' && src[j] == '$' && j+1 < len(src) && src[j+1] == '{':
					templated = true
					b.WriteByte(src[j])
				default:
					if src[j] == '\n' {
						line++
					}
					b.WriteByte(src[j])
				}
			}
			if j >= len(src) {
				return nil, &jsError{start, "a string is never closed"}
			}
			kind := tokString
			if templated {
				kind = tokOther
			}
			out = append(out, jsTok{kind, b.String(), start})
			i = j + 1
		case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i
			for j < len(src) && (src[j] == '_' || src[j] == '$' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9' || src[j] >= 0x80) {
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
