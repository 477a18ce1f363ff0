package tool

import (
	"path"
	"strings"
)

// The base a path.join or path.resolve in a Prisma config starts from.
const (
	baseNone = iota // relative string literals only
	baseDir         // __dirname or import.meta.dirname: the config file's folder
	baseCwd         // process.cwd(): the folder Prisma runs in
)

// pathCall reads v as path.join(...) or path.resolve(...) of string
// literals, the first of which may be __dirname, import.meta.dirname or
// process.cwd() (Prisma 6's docs write schema: path.join('prisma',
// 'schema.prisma')). It returns the path the call builds, relative to its
// base, and the base. Only the module's own path is read (pathBound): a
// path of the file's own could build anything. An absolute literal (which
// path.resolve would start again from) is not read; one that leaves its
// base (path.join(__dirname, '..', 'db')) is, and, as a string written so,
// is refused later if it leaves the project.
func pathCall(v []jsTok, pathBound bool) (p string, base int, ok bool) {
	if !pathBound || len(v) < 5 || v[0].text != "path" || v[0].kind != tokIdent || v[1].text != "." ||
		v[2].text != "join" && v[2].text != "resolve" || v[3].text != "(" || v[len(v)-1].text != ")" {
		return "", 0, false
	}
	if _, end := balanced(v, 3); end != len(v)-1 {
		return "", 0, false
	}
	resolve := v[2].text == "resolve"
	var parts []string
	args := v[4 : len(v)-1]
	for n := 0; len(args) > 0; n++ {
		end := propertyEnd(args, 0)
		arg := args[:end]
		args = args[min(end+1, len(args)):]
		texts := make([]string, len(arg))
		for i, t := range arg {
			texts[i] = t.text
		}
		switch s := strings.Join(texts, " "); {
		case len(arg) == 1 && arg[0].kind == tokString:
			if arg[0].text == "" || strings.HasPrefix(arg[0].text, "/") || strings.Contains(arg[0].text, "\\") {
				return "", 0, false
			}
			parts = append(parts, arg[0].text)
		case n == 0 && (s == "__dirname" && arg[0].kind == tokIdent || s == "import . meta . dirname"):
			base = baseDir
		case n == 0 && s == "process . cwd ( )":
			base = baseCwd
		default:
			return "", 0, false
		}
	}
	if resolve && base == baseNone {
		base = baseCwd // path.resolve starts from the working directory
	}
	p = path.Join(parts...)
	if p == "" || p == "." {
		return "", 0, false
	}
	return p, base, true
}

// pathModuleBound reports whether path is Node's path module in the file
// (import path from 'node:path', import * as path from 'path', const path
// = require('path')) and nothing else: not declared, assigned or bound
// again, and __dirname and import.meta.dirname not written to.
func pathModuleBound(toks []jsTok) bool {
	text := func(i int) string {
		if i >= 0 && i < len(toks) {
			return toks[i].text
		}
		return ""
	}
	pathMod := func(s string) bool { return s == "path" || s == "node:path" }
	bound := 0
	for i, t := range toks {
		// join and resolve only as path.join( and path.resolve(: not
		// replaced (p2.join = ..., posix['join'] = ..., ({ join: x.join }
		// = ...)) through another name for the module.
		if (t.text == "join" || t.text == "resolve") && !(text(i-1) == "." && text(i-2) == "path" && text(i+1) == "(") {
			return false
		}
		if t.kind == tokString && pathMod(t.text) && !(text(i-1) == "from" && text(i-2) == "path" || text(i-1) == "(" && text(i-2) == "require" && text(i-4) == "path") {
			return false // the module taken a second time, under another name
		}
		if t.kind == tokIdent && (t.text == "__dirname" || t.text == "dirname" && text(i-1) == "." && text(i-2) == "meta") &&
			(jsDeclares(text(i-1)) || text(i+1) == "=" && text(i+2) != "=" || text(i-1) == "as" || text(i-1) == "," || text(i-1) == "{") {
			return false
		}
		if t.kind != tokIdent || t.text != "path" || text(i-1) == "." || text(i+1) == ":" && (text(i-1) == "{" || text(i-1) == ",") {
			continue
		}
		switch {
		case text(i-1) == "import" && text(i+1) == "from" && i+2 < len(toks) && toks[i+2].kind == tokString && pathMod(text(i+2)),
			text(i-1) == "as" && text(i-2) == "*" && text(i-3) == "import" && text(i+1) == "from" && i+2 < len(toks) && toks[i+2].kind == tokString && pathMod(text(i+2)),
			text(i-1) == "const" && text(i+1) == "=" && text(i+2) == "require" && text(i+3) == "(" && i+4 < len(toks) && toks[i+4].kind == tokString && pathMod(text(i+4)) && text(i+5) == ")":
			bound++
		case text(i+1) == "." && (text(i+2) == "join" || text(i+2) == "resolve") && text(i+3) == "(":
		default:
			return false // declared, assigned or handed elsewhere
		}
	}
	return bound == 1
}

// envVarOr is the variable the value reads, written with a fallback:
// process.env.X ?? 'literal' or process.env.X || 'literal' (and env(...)).
// The URL is X whenever X is set, which it is when dbguard runs Prisma
// (dbguard sets it); where X is set nowhere, dbguard says so, as for
// env('X').
func (p jsProp) envVarOr(undefinedOK bool) (string, bool) {
	v := p.value
	for k := 1; k+2 < len(v); k++ {
		if (v[k].text == "?" && v[k+1].text == "?" || v[k].text == "|" && v[k+1].text == "|") && v[k].kind == tokPunct && v[k+1].kind == tokPunct {
			// || undefined: unset as X is (shadowDatabaseUrl).
			if k+3 != len(v) || v[k+2].kind != tokString && !(undefinedOK && v[k+2].kind == tokIdent && v[k+2].text == "undefined") {
				return "", false
			}
			return jsProp{value: v[:k]}.envVar()
		}
	}
	return "", false
}

// constValue is the value of the const that a datasource's url names
// (url: databaseUrl, or the shorthand { url }): declared once, with const,
// in the file's own scope, and no other declaration of the name anywhere
// (a function's own could shadow it where the config is built). A const
// is never assigned again, so its value is the one written.
func constValue(toks []jsTok, q jsProp) ([]jsTok, bool) {
	name := q.key
	if !q.shorthand {
		if q.valueless || len(q.value) != 1 || q.value[0].kind != tokIdent {
			return nil, false
		}
		name = q.value[0].text
	}
	depths := jsDepths(toks)
	start := -1
	for i := 1; i+1 < len(toks); i++ {
		if toks[i].kind != tokIdent || toks[i].text != name || toks[i-1].text == "." {
			continue
		}
		switch prev := toks[i-1].text; {
		case prev == "const" && depths[i] == 0 && (toks[i+1].text == "=" || toks[i+1].text == ":"):
			if start >= 0 {
				return nil, false
			}
			// const url: string | undefined = ...: a type of names only.
			k := i + 1
			if toks[k].text == ":" {
				for k++; k+1 < len(toks) && toks[k].kind == tokIdent && toks[k+1].text == "|"; k += 2 {
				}
				if k+1 >= len(toks) || toks[k].kind != tokIdent || toks[k+1].text != "=" {
					return nil, false
				}
				k++
			}
			start = k + 1
		case jsDeclares(prev) || prev == "as" || prev == "import" || prev == "," || prev == "{" && toks[i+1].text != ":" || prev == "(":
			// declared again, imported, a destructuring or a parameter
			// ({ url } in the config itself is the shorthand read here)
			if !(prev == "{" || prev == ",") || depths[i] == 0 {
				return nil, false
			}
		}
	}
	if start < 0 {
		return nil, false
	}
	end := start
	for depth := 0; end < len(toks); end++ {
		if t := toks[end]; t.kind == tokPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
		}
		if depth == 0 && valueEnds(toks, end, true) {
			break
		}
	}
	if end >= len(toks) || end < start {
		return nil, false
	}
	v := toks[start : end+1]
	// An env file loaded after the const is read does not reach it.
	alias := dotenvAlias(toks)
	for i := end; i+1 < len(toks); i++ {
		if (toks[i].text == "config" || toks[i].text == "loadEnvFile" || alias != "" && toks[i].text == alias) && toks[i+1].text == "(" {
			return nil, false
		}
	}
	// The value must be one the reader reads whole: a variable, with a
	// string fallback, or a string.
	p := jsProp{key: q.key, value: v, line: q.line}
	if _, ok := p.envVar(); ok {
		return v, true
	}
	if _, ok := p.envVarOr(false); ok {
		return v, true
	}
	return nil, false
}

// dotenvAlias is the one other name dotenv's config is imported under
// (import { config as loadEnv } from 'dotenv', const { config: loadEnv } =
// require('dotenv')), "" for none; its calls are read as config's.
func dotenvAlias(toks []jsTok) string {
	alias := ""
	for i := 0; i+4 < len(toks); i++ {
		if toks[i].text != "config" || toks[i].kind != tokIdent || toks[i+1].text != "as" && toks[i+1].text != ":" || toks[i+2].kind != tokIdent {
			continue
		}
		// The clause's module: import {...} from 'dotenv' or {...} = require('dotenv').
		j := i + 3
		for j < len(toks) && toks[j].text != "}" && toks[j].text != ";" {
			j++
		}
		dotenv := j+2 < len(toks) && toks[j+1].text == "from" && toks[j+2].kind == tokString && toks[j+2].text == "dotenv" ||
			j+4 < len(toks) && toks[j+1].text == "=" && toks[j+2].text == "require" && toks[j+3].text == "(" && toks[j+4].kind == tokString && toks[j+4].text == "dotenv"
		if !dotenv {
			continue
		}
		if alias != "" && alias != toks[i+2].text {
			return "" // two names: the reader refuses both
		}
		alias = toks[i+2].text
	}
	switch alias {
	case "config", "env", "defineConfig", "path", "process", "dotenv", "loadEnvFile":
		return ""
	}
	return alias
}

// undefinedIsUndefined reports whether every undefined in the file is a
// value after || or ?? (or a ternary's ?): a let undefined = '...' at the
// module's scope, or a parameter or destructuring of that name, would
// make || undefined a URL.
func undefinedIsUndefined(toks []jsTok) bool {
	for i, t := range toks {
		if t.kind == tokIdent && t.text == "undefined" && (i == 0 || toks[i-1].text != "|" && toks[i-1].text != "?") {
			return false
		}
	}
	return true
}

// assignTarget reports whether the member toks[i:j] is written other than
// by a plain assignment: ++ and -- before or after it, the target of a
// for-in or for-of, or a place in a destructuring pattern ([x] = [...],
// ({ a: x } = {...}), for ([x] of ...)), each of which sets it. pattern is
// patterns(toks, assigned).
func assignTarget(toks []jsTok, pattern []bool, i, j int, assigned func(int) bool) bool {
	text := func(k int) string {
		if k >= 0 && k < len(toks) {
			return toks[k].text
		}
		return ""
	}
	// Out of parentheses, a non-null ! and a TypeScript as T around it:
	// (process.env.X as any) = ... is an assignment too.
	for {
		switch {
		case text(j) == ")" || text(j) == "!":
			j++
			continue
		case (text(j) == "as" || text(j) == "satisfies") && j+1 < len(toks) && toks[j+1].kind == tokIdent:
			j += 2
			continue
		}
		break
	}
	for text(i-1) == "(" {
		i--
	}
	return assigned(j) || text(j) == "+" && text(j+1) == "+" || text(j) == "-" && text(j+1) == "-" ||
		text(i-1) == "+" && text(i-2) == "+" || text(i-1) == "-" && text(i-2) == "-" ||
		text(j) == "of" || text(j) == "in" || pattern[i]
}

// patterns marks each token inside an array or object literal that is a
// destructuring pattern: the literal, or one around it, is followed by =,
// of or in (a default value's reads inside a pattern are refused with it). One pass each way, so a file
// of many nested brackets costs its length.
func patterns(toks []jsTok, assigned func(int) bool) []bool {
	closes := make([]int, len(toks))
	var open []int
	for i, t := range toks {
		switch {
		case t.kind == tokPunct && (t.text == "(" || t.text == "[" || t.text == "{"):
			open = append(open, i)
			closes[i] = len(toks)
		case t.kind == tokPunct && (t.text == ")" || t.text == "]" || t.text == "}") && len(open) > 0:
			closes[open[len(open)-1]] = i
			open = open[:len(open)-1]
		}
	}
	in := make([]bool, len(toks)) // in[k]: toks[k] is inside a pattern
	open = open[:0]
	for i, t := range toks {
		if len(open) > 0 {
			// Through parentheses too: [(x)] = [...] sets x.
			in[i] = in[open[len(open)-1]] || patternOpen(toks, open[len(open)-1], closes, assigned)
		}
		switch {
		case t.kind == tokPunct && (t.text == "(" || t.text == "[" || t.text == "{"):
			open = append(open, i)
		case t.kind == tokPunct && (t.text == ")" || t.text == "]" || t.text == "}") && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	return in
}

// patternOpen reports whether the bracket at k opens an array or object
// literal followed by =, of or in.
func patternOpen(toks []jsTok, k int, closes []int, assigned func(int) bool) bool {
	if toks[k].text == "(" {
		return false
	}
	end := closes[k] + 1
	return end < len(toks) && (assigned(end) || toks[end].text == "of" || toks[end].text == "in")
}
