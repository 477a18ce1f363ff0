package envload

import (
	"hash/maphash"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// jsSpace is JavaScript's \s: what Node's dotenv skips around a line,
// including the byte-order mark U+FEFF.
const jsSpace = `[\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]`

// dotenvLine is dotenv's LINE expression (lib/main.js, unchanged from 16.x
// to 18.x and in the copies Next.js and dotenv-flow carry), with \s spelled
// out as JavaScript means it. Go's regexp picks the same leftmost-first
// match a backtracking engine does.
//
// JavaScript's multiline ^ and $ also hold at U+2028 and U+2029 (line
// terminators to it), where Go's hold only at \n: so "# note<U+2028>
// DATABASE_URL=..." is a definition to Node's dotenv, and a comment to
// every other loader. Here ^ may also be a U+2028 or U+2029, taken into
// the match, and so may $: parseDotenvJS then searches on from the end of
// the match, which is a line start to JavaScript.
var dotenvLine = lazyre.New(strings.NewReplacer(`\s`, jsSpace).Replace(
	`(?m)(?:^|[\x{2028}\x{2029}])\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*` + "`(?:\\\\`|[^`])*`" + `|[^#\r\n]+)?\s*(?:#[^\n\r\x{2028}\x{2029}]*)?(?:$|[\x{2028}\x{2029}])`))

// parseDotenvJS is Node dotenv's parse: every match of LINE, anywhere; lines
// it does not match are skipped silently. It never fails.
func parseDotenvJS(file string, data []byte) ([]Def, []Skip, error) {
	src := strings.ReplaceAll(string(data), "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	lines := newLineIndex(src)
	var defs []Def
	covered := make([]bool, lines.count()+1)
	// FindAll's matches, but each search starts at the end of the one
	// before as at the start of a text (where ^ holds): a match that took
	// a U+2028 as its $ ends where JavaScript's next line starts.
	re := dotenvLine.Regexp()
	for at := 0; at < len(src); {
		m := re.FindStringSubmatchIndex(src[at:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += at
			}
		}
		at = m[1]
		key := src[m[2]:m[3]]
		value := ""
		if m[4] >= 0 {
			value = src[m[4]:m[5]]
		}
		value = strings.TrimFunc(value, isJSSpace)
		var quote byte
		if value != "" {
			quote = value[0]
		}
		value = stripJSQuotes(value)
		if quote == '"' {
			value = strings.ReplaceAll(value, `\n`, "\n")
			value = strings.ReplaceAll(value, `\r`, "\r")
		}
		if quote != '"' && quote != '\'' && quote != '`' {
			quote = 0
		}
		line := lines.of(m[2])
		for l := line; l <= lines.of(m[1]); l++ {
			covered[l] = true
		}
		defs = append(defs, Def{Key: key, Value: value, File: file, Line: line, Quote: quote})
	}
	return defs, lines.uncovered(src, covered, file), nil
}

// stripJSQuotes is value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2'): at each
// line start, a quote and the last matching quote that ends a line; lines
// as JavaScript's ^ and $ see them (\n, U+2028, U+2029).
func stripJSQuotes(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); {
		if i == 0 || v[i-1] == '\n' || i >= 3 && jsSeparator(v[i-3:i]) {
			if q := v[i]; q == '\'' || q == '"' || q == '`' {
				end := -1
				for j := len(v) - 1; j > i; j-- {
					if v[j] == q && (j+1 == len(v) || v[j+1] == '\n' || jsSeparator(v[j+1:min(j+4, len(v))])) {
						end = j
						break
					}
				}
				if end > 0 {
					b.WriteString(v[i+1 : end])
					i = end + 1
					continue
				}
			}
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String()
}

// jsSeparator reports whether s is U+2028 or U+2029, line terminators to
// JavaScript's multiline ^ and $.
func jsSeparator(s string) bool {
	return s == "\u2028" || s == "\u2029"
}

func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// parseNodeNative is Node's own parser (util.parseEnv, node --env-file;
// src/node_dotenv.cc as shipped in Node 20.20), which Vite 6+ uses. It
// removes every '\r', trims only spaces, takes a key up to the next '='
// wherever it is (a line without one joins the next), and keeps a
// byte-order mark as part of the first key.
func parseNodeNative(file string, data []byte) ([]Def, []Skip, error) {
	src := strings.ReplaceAll(string(data), "\r", "")
	lines := newLineIndex(src)
	var defs []Def
	covered := make([]bool, lines.count()+1)
	pos := 0 // offset of content in src
	content := src
	advance := func(n int) { content = content[n:]; pos += n }
	trimLeft := func() {
		t := strings.TrimLeft(content, " ")
		advance(len(content) - len(t))
	}
	trimLeft()
	content = strings.TrimRight(content, " ")
	for content != "" {
		if content[0] == '\n' || content[0] == '#' {
			if nl := strings.IndexByte(content, '\n'); nl >= 0 {
				advance(nl + 1)
				continue
			}
		}
		eq := strings.IndexByte(content, '=')
		if eq < 0 {
			break
		}
		keyStart := pos
		key := strings.Trim(content[:eq], " ")
		if key != "" {
			keyStart = pos + strings.Index(content[:eq], key)
		}
		advance(eq + 1)
		trimLeft()
		if key == "" {
			break
		}
		key = strings.TrimPrefix(key, "export ")
		line := lines.of(keyStart)
		store := func(v string, q byte) {
			defs = append(defs, Def{Key: key, Value: v, File: file, Line: line, Quote: q})
			for l := line; l <= lines.of(pos); l++ {
				covered[l] = true
			}
		}
		if content == "" {
			store("", 0)
			break
		}
		if content[0] == '"' {
			if end := strings.IndexByte(content[1:], '"'); end >= 0 {
				store(strings.ReplaceAll(content[1:end+1], `\n`, "\n"), '"')
				if nl := strings.IndexByte(content[end+2:], '\n'); nl >= 0 {
					advance(end + 2 + nl)
				} else {
					content = ""
				}
				continue
			}
		}
		if q := content[0]; q == '\'' || q == '"' || q == '`' {
			end := strings.IndexByte(content[1:], q)
			if end < 0 {
				nl := strings.IndexByte(content, '\n')
				if nl < 0 {
					break // nothing stored: the quote never closes
				}
				store(content[:nl], 0)
				advance(nl)
				continue
			}
			store(content[1:end+1], q)
			if nl := strings.IndexByte(content[end+2:], '\n'); nl >= 0 {
				advance(end + 2 + nl)
			} else {
				content = ""
			}
			continue
		}
		v := content
		nl := strings.IndexByte(content, '\n')
		if nl >= 0 {
			v = content[:nl]
		}
		if h := strings.IndexByte(v, '#'); h >= 0 {
			v = v[:h]
		}
		store(strings.Trim(v, " "), 0)
		if nl < 0 {
			break
		}
		advance(nl)
	}
	return defs, lines.uncovered(src, covered, file), nil
}

// The expansions of dotenv-expand. Each is a port of the version named,
// checked against the real one by the conformance suite.

// expandV12 is dotenv-expand 12's expand (bundled by Vite): every key of
// parsed in order, a value the process environment already holds (and
// that differs) taken from it, else expanded against the running parsed
// values overlaid by the process environment; finally every key written
// into processEnv.
//
// v1000 is dotenv-expand 1000's change to it: "-" and "+" test whether a
// variable is set rather than non-empty, and a value that refers to itself
// is left as written.
//
// It returns the first key whose expansion never ends (dotenv-expand 1000
// hangs on ${A}x in A), or "", and over when that key is where the
// budget ran out instead (see expandBudget).
//
// Values whose rewriting is plain substitution are expanded by v12Fast,
// each variable once per run; the others by expandValueV12.
func expandV12(keys []string, parsed map[string]string, processEnv map[string]string, runningIsParsed, v1000 bool, b *budget) (stop string, over bool) {
	if stop, over = expandV12Parsed(keys, parsed, processEnv, runningIsParsed, v1000, b); stop != "" {
		return stop, over
	}
	for _, k := range keys {
		processEnv[k] = parsed[k]
	}
	return "", false
}

// expandV12Parsed is expandV12 but for its last step, copying the
// expanded values into processEnv: for a caller that reads only parsed
// afterwards, a file's worth of writes to a large map saved.
func expandV12Parsed(keys []string, parsed map[string]string, processEnv map[string]string, runningIsParsed, v1000 bool, b *budget) (stop string, over bool) {
	running := parsed
	if !runningIsParsed {
		running = make(map[string]string, len(keys))
	}
	fast := &v12Fast{processEnv: processEnv, running: running, v1000: v1000, budget: b}
	fast.memo.sized(len(keys))
	for _, k := range keys {
		v, seeded := parsed[k], false
		if pv := processEnv[k]; pv != "" && pv != v {
			v = pv
		} else {
			x, why := fast.expand(k, v)
			switch why {
			case fastOK:
				v, seeded = x, true
			case fastOver:
				return k, true
			default:
				var ok bool
				if v, ok = expandValueV12(v, processEnv, running, v1000, b); !ok {
					return k, b.over()
				}
			}
		}
		v = strings.ReplaceAll(v, `\$`, "$")
		if old, had := running[k]; !had || old != v {
			fast.memo.changed(k)
		}
		if seeded && !runningIsParsed {
			fast.seed(k, parsed[k], v)
		}
		parsed[k] = v
		if !runningIsParsed {
			running[k] = v
		}
	}
	return "", false
}

// maxExpansions and maxExpandedLen bound the ports' work on one value:
// past them the real loader is looping for ever, or until memory runs out.
// (A chain of a thousand references the real one follows for half a
// minute.) The fast paths need no such bound (each variable is expanded
// once); what a whole reading may cost is expandBudget.
const (
	maxExpansions  = 20000
	maxExpandedLen = 1 << 20
	maxExpandWork  = 64 << 20 // bytes scanned over all replacements
)

var seenSeed = maphash.MakeSeed()

// seenSet remembers texts by hash: the texts themselves grow with each
// replacement, and keeping them all is quadratic.
type seenSet map[uint64]struct{}

func (s seenSet) add(v string)           { s[maphash.String(seenSeed, v)] = struct{}{} }
func (s seenSet) has(v string) (ok bool) { _, ok = s[maphash.String(seenSeed, v)]; return ok }

func expandValueV12(value string, processEnv, running map[string]string, v1000 bool, b *budget) (string, bool) {
	get := func(k string) (string, bool) {
		if v, ok := processEnv[k]; ok {
			return v, true
		}
		v, ok := running[k]
		return v, ok
	}
	result := value
	seen := seenSet{}
	work := 0
	for n := 0; ; n++ {
		if work += len(result); n == maxExpansions || len(result) > maxExpandedLen || work > maxExpandWork || !b.scan(len(result)) {
			return result, false
		}
		start, end, expr := nextDollarV12(result)
		if start < 0 {
			break
		}
		template := result[start:end]
		seen.add(result)
		splitter := ""
		for i := 0; i < len(expr) && splitter == ""; i++ {
			for _, op := range []string{":+", "+", ":-", "-"} {
				if strings.HasPrefix(expr[i:], op) {
					splitter = op
					break
				}
			}
		}
		sep := splitter
		if sep == "" {
			sep = "null" // String.prototype.split(null) splits on "null"
		}
		parts := strings.Split(expr, sep)
		key := parts[0]
		rest := strings.Join(parts[1:], sep)
		var def, val string
		v, set := get(key)
		if !v1000 || splitter != "-" && splitter != "+" {
			set = v != "" // JavaScript truthiness
		}
		if splitter == ":+" || splitter == "+" {
			if set {
				def = rest
			}
		} else {
			def = rest
			val = v
		}
		if v1000 && val != template && strings.Contains(val, template) {
			return result, false // it brings itself back, longer each time
		}
		switch {
		case v1000 && set && splitter == "-":
			result = jsReplace(result, template, val)
		case val != "" && seen.has(val) && !v1000:
			result = jsReplace(result, template, def)
		case val != "":
			result = jsReplace(result, template, val)
		default:
			result = jsReplace(result, template, def)
		}
		if v1000 && seen.has(result) {
			break // 1000 stops when a replacement comes back to a text it had
		}
		if rv, ok := running[key]; ok && result == rv {
			break
		}
	}
	return result, true
}

// nextDollarV12 finds the first match of
// /(?<!\\)\${([^{}]+)}|(?<!\\)\$([A-Za-z_][A-Za-z0-9_]*)/.
func nextDollarV12(s string) (start, end int, expr string) {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i > 0 && s[i-1] == '\\' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			j := i + 2
			for j < len(s) && s[j] != '{' && s[j] != '}' {
				j++
			}
			if j < len(s) && s[j] == '}' && j > i+2 {
				return i, j + 1, s[i+2 : j]
			}
		}
		if i+1 < len(s) && (s[i+1] == '_' || isLetter(s[i+1])) {
			j := i + 2
			for j < len(s) && isWord(s[j]) {
				j++
			}
			return i, j, s[i+1 : j]
		}
	}
	return -1, -1, ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// jsReplace is String.prototype.replace with a string pattern: the first
// occurrence only, and the replacement's $$, $&, $` and $' patterns.
func jsReplace(s, pattern, repl string) string {
	i := strings.Index(s, pattern)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for j := 0; j < len(repl); j++ {
		if repl[j] == '$' && j+1 < len(repl) {
			switch repl[j+1] {
			case '$':
				b.WriteByte('$')
				j++
				continue
			case '&':
				b.WriteString(pattern)
				j++
				continue
			case '`':
				b.WriteString(s[:i])
				j++
				continue
			case '\'':
				b.WriteString(s[i+len(pattern):])
				j++
				continue
			}
		}
		b.WriteByte(repl[j])
	}
	b.WriteString(s[i+len(pattern):])
	return b.String()
}

// expandNext is the dotenv-expand that @next/env bundles (10.x): values
// are expanded from the rightmost unescaped '$' leftwards, each reference
// taken from the environment (which holds the files read before), else
// its :- default, else this file's parsed value; every key is then
// written into the environment.
//
// It returns false where Next.js's recursion never ends (a value that
// refers to itself) or its stack overflows: Next.js then logs "Failed to
// load env" and skips the whole file; over is the key where the budget ran
// out (see expandBudget). Values whose rewriting is plain substitution are
// expanded by nextFast, each variable once per file.
func expandNext(keys []string, parsed map[string]string, environment map[string]string, b *budget) (ok bool, over string) {
	fast := &nextFast{environment: environment, parsed: parsed, budget: b}
	fast.memo.sized(len(keys))
	for _, k := range keys {
		v, ok := environment[k]
		if !ok {
			v = parsed[k]
		}
		x, ok, why := fast.expand(k, v)
		switch why {
		case fastOver:
			return false, k
		case fastNo:
			x, ok = interpolateNext(v, environment, parsed, 0, b)
			if b.over() {
				return false, k
			}
		}
		if !ok {
			return false, ""
		}
		x = strings.ReplaceAll(x, `\$`, "$")
		if parsed[k] != x {
			fast.memo.changed(k)
		}
		parsed[k] = x
	}
	for _, k := range keys {
		environment[k] = parsed[k]
	}
	return true, ""
}

func interpolateNext(v string, environment, parsed map[string]string, depth int, b *budget) (string, bool) {
	if depth > maxExpansions || len(v) > maxExpandedLen || depth*len(v) > maxExpandWork || !b.scan(len(v)) {
		return v, false // JavaScript's stack overflows first: Next skips the file
	}
	last := -1
	for i := 0; i < len(v); i++ {
		if v[i] == '$' && (i == 0 || v[i-1] != '\\') {
			last = i
		}
	}
	if last < 0 {
		return v, true
	}
	// /((?!(?<=\\))\${?([\w]+)(?::-([^}\\]*))?}?)/ on the rightmost group.
	right := v[last:]
	for s := 0; s < len(right); s++ {
		if right[s] != '$' || s > 0 && right[s-1] == '\\' {
			continue
		}
		j := s + 1
		if j < len(right) && right[j] == '{' {
			j++
		}
		k := j
		for k < len(right) && isWord(right[k]) {
			k++
		}
		if k == j {
			continue
		}
		name := right[j:k]
		def := ""
		if strings.HasPrefix(right[k:], ":-") {
			d := k + 2
			for d < len(right) && right[d] != '}' && right[d] != '\\' {
				d++
			}
			def = right[k+2 : d]
			k = d
		}
		if k < len(right) && right[k] == '}' {
			k++
		}
		group := right[s:k]
		repl := environment[name]
		if repl == "" {
			repl = def
		}
		if repl == "" {
			repl = parsed[name]
		}
		return interpolateNext(jsReplace(v, group, repl), environment, parsed, depth+1, b)
	}
	return v, true
}

// lineIndex maps offsets to 1-based line numbers.
type lineIndex struct{ starts []int }

func newLineIndex(s string) lineIndex {
	starts := []int{0}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{starts}
}

func (x lineIndex) count() int { return len(x.starts) }

func (x lineIndex) of(off int) int {
	lo, hi := 0, len(x.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if x.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1
}

// uncovered lists the lines with content that no definition covered and
// that are not comments: the lines a loader skipped.
func (x lineIndex) uncovered(src string, covered []bool, file string) []Skip {
	var out []Skip
	for i, st := range x.starts {
		end := len(src)
		if i+1 < len(x.starts) {
			end = x.starts[i+1] - 1
		}
		text := strings.TrimSpace(src[st:end])
		text = strings.TrimPrefix(text, "\uFEFF")
		if text == "" || text[0] == '#' || covered[i+1] {
			continue
		}
		out = append(out, Skip{File: file, Line: i + 1, Key: leadingName(text), Reason: "not read"})
	}
	return out
}

// leadingName is the variable name a line starts with ("export " aside),
// or "" when it does not start with one.
func leadingName(text string) string {
	text = strings.TrimPrefix(text, "export ")
	text = strings.TrimLeft(text, " \t")
	n := 0
	for n < len(text) && (isWord(text[n])) {
		n++
	}
	if n == 0 || text[0] >= '0' && text[0] <= '9' {
		return ""
	}
	return text[:n]
}
