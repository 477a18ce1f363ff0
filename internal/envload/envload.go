// Package envload models how real .env loaders read a project, one loader
// at a time: its line syntax, its variable expansion, which files it reads
// for a mode and in what order, where it looks for them, and whether the
// process environment wins. Each loader is a small definition in
// loaders.go; the parsers beside it are ports of the loaders' own parsers
// that keep the line of every definition. The conformance suite
// (testdata/conformance) holds what the real loaders read for each case,
// recorded by scripts/conformance.sh, and the tests compare against it.
package envload

import (
	"bytes"
	"cmp"
	"fmt"
	"iter"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/output"
)

// Def is one KEY=value a loader's parser read from a file.
type Def struct {
	Key   string
	Value string // as the parser reads it: unquoted, escapes decoded
	File  string // slash path relative to the project root
	Line  int
	Quote byte // the opening quote, 0 when unquoted
	// NoValue marks a bare KEY with no '=' (python-dotenv records it).
	NoValue bool
	// Expanded marks a value the parser has already expanded (godotenv,
	// docker compose expand while they parse).
	Expanded bool
}

// Location is file:line, shown: a control character in the file's name
// (a folder named "x\n::error ...") is escaped (output.Escape).
func (d *Def) Location() string { return fmt.Sprintf("%s:%d", output.Escape(d.File), d.Line) }

// Value is what a loader hands the application for one variable.
type Value struct {
	Value string
	// Def is the definition it came from; nil when it is the process
	// environment's.
	Def *Def
	// Refs are the variables its text referenced ($NAME, ${NAME}), in
	// order, whether or not they were defined.
	Refs []string
	// Command marks a value with $(...) that the loader runs as a command
	// (dotenv-expand 1000+): what it reads cannot be known without running it.
	Command bool
	// Encrypted marks a value the loader decrypts as it loads (dotenvx's
	// encrypted:..., with DOTENV_PRIVATE_KEY or .env.keys, which dbguard
	// never reads): what it names cannot be known.
	Encrypted bool
}

// FromEnvironment reports whether the value is the process environment's.
func (v Value) FromEnvironment() bool { return v.Def == nil }

// Lookup is what the application sees for one variable.
func (r *Reading) Lookup(k string) (Value, bool) {
	if v, ok := r.Var(k); ok {
		return v, true
	}
	if ev, ok := r.env[k]; ok && !r.NoEnv {
		return Value{Value: ev}, true
	}
	return Value{}, false
}

// All is every variable the application sees.
func (r *Reading) All() map[string]Value {
	out := map[string]Value{}
	if !r.NoEnv {
		for k, v := range r.env {
			out[k] = Value{Value: v}
		}
	}
	for k, v := range r.Variables() {
		out[k] = v
	}
	return out
}

// Var is what loading set for one variable, the environment aside.
func (r *Reading) Var(k string) (Value, bool) {
	if r.rebased != nil {
		for i := range r.rebased {
			if r.rebased[i].name == k {
				return r.rebased[i].v, true
			}
		}
		return Value{}, false
	}
	v, ok := r.vars[k]
	return v, ok
}

// Variables are the variables loading set, in no particular order.
func (r *Reading) Variables() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		if r.rebased != nil {
			for i := range r.rebased {
				if !yield(r.rebased[i].name, r.rebased[i].v) {
					return
				}
			}
			return
		}
		for k, v := range r.vars {
			if !yield(k, v) {
				return
			}
		}
	}
}

// SetsEnviron reports whether the loader writes what it reads into the
// process environment (process.env, os.environ, os.Setenv), where the
// driver's PG* completion finds it. A loader that hands the application a
// map (Vite's loadEnv, dotenv_values, pydantic-settings, compose's
// interpolation, go-envparse) leaves the environment as it started: a
// PGHOST in its file never reaches the driver.
func (l *Loader) SetsEnviron() bool { return l.setenv != setMap }

// DriverEnv is the process environment after loading, as a driver in
// the same process reads it, for the variables whose names start with
// prefix: the environment the process started with, and what loading set
// when the loader sets the environment.
func (r *Reading) DriverEnv(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range r.env {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	if r.Loader.SetsEnviron() {
		for k, v := range r.Variables() {
			if strings.HasPrefix(k, prefix) {
				out[k] = v.Value
			}
		}
	}
	return out
}

// Location is file:line, or "environment".
func (v Value) Location() string {
	if v.Def == nil {
		return "environment"
	}
	return v.Def.Location()
}

// Reading is what one loader, started in one folder, hands the application.
type Reading struct {
	Loader *Loader
	Dir    string // the working directory it runs in, "." for the root
	Caller string // python-dotenv: the folder of the calling script
	Mode   string
	Files  []string // the files it read, in the order it read them
	// vars are the variables loading set; with the environment (unless
	// NoEnv) they are what the application sees: see Var, Variables,
	// Lookup and All. A reading rebased from another folder's (see
	// keptReading) has them in rebased instead, and vars nil.
	vars    map[string]Value
	rebased []keptVar
	NoEnv   bool // the application sees the file's map alone (dotenv_values)
	env     map[string]string
	// Err is why the loader fails on these files (a *ParseError, never
	// holding a value); its variables then hold what it still sets, if
	// anything.
	Err error
	// Skipped are the lines it passes over without a word.
	Skipped []Skip
	// Defs are every definition in the files it read, used or not.
	Defs []Def
	// Same is an earlier reading this one is known to equal (plain files
	// read in the same order with the same precedence), or nil. Its
	// variables and Defs are then that reading's: read-only.
	Same *Reading
	// interp, for a compose service, is the interpolation environment its
	// values' ${...} were taken from (see RefLookup).
	interp map[string]Value
	// origin is the reading this one was rebased from (see Origin).
	origin *Reading
}

// Origin is the reading r was rebased from (see keptReading): the same
// loader's reading of another folder's plain files whose kept definitions
// (names, values, lines, files' names) are r's, so that r's variables and
// definitions are the origin's with each file's path swapped for the one
// in r's folder. Nil when r was read itself (or is an in-folder Same).
func (r *Reading) Origin() *Reading { return r.origin }

// Skip is a line a loader ignores.
type Skip struct {
	File   string
	Line   int
	Key    string // when the line starts with a usable variable name
	Reason string
}

// Location is file:line, shown (escaped as Def's).
func (s Skip) Location() string { return fmt.Sprintf("%s:%d", output.Escape(s.File), s.Line) }

// ParseError is a file a loader refuses. It never holds any part of a value.
type ParseError struct {
	Loader string
	File   string
	Line   int
	Key    string // the variable being read, when its name is valid
	Msg    string
	hint   string // the next step, when not fixing the line's syntax
}

func (e *ParseError) Error() string {
	key := ""
	if e.Key != "" {
		key = " (" + e.Key + ")"
	}
	return fmt.Sprintf("%s:%d: %s cannot read this line%s: %s", e.File, e.Line, e.Loader, key, e.Msg)
}

// Hint names the next step.
func (e *ParseError) Hint() string {
	if e.hint != "" {
		return e.hint
	}
	return fmt.Sprintf("fix line %d of %s (KEY=value; quote values with spaces, '#' or '$'), then run: dbguard env", e.Line, e.File)
}

// ModeError is a mode a loader refuses outright, whatever the files say.
type ModeError struct {
	Loader, Mode, Reason string
}

func (e *ModeError) Error() string { return e.Reason }

// Hint names the next step.
func (e *ModeError) Hint() string {
	return fmt.Sprintf("%s cannot run in mode %q: name the mode the app runs in, e.g. dbguard env --mode development", e.Loader, e.Mode)
}

// Where is how a loader finds its files.
type Where int

const (
	// InDir reads the files from the working directory only.
	InDir Where = iota
	// Upward reads the first .env found from the caller's folder up to the
	// filesystem root (python-dotenv's find_dotenv).
	Upward
)

// Files gives a reader the bytes of a project file, by slash path relative
// to the project root; ok is false when there is no such file.
type Files func(rel string) (data []byte, ok bool, err error)

// Input is what a loader reads: the project's files and the process
// environment it starts with.
type Input struct {
	Files   Files
	Environ map[string]string
	Mode    string
	// Keep, when set, are the only variables the caller looks at (the URL
	// variables): a reading then keeps their definitions, skipped lines and
	// values (with the variables they refer to, a byte-order-marked twin
	// and PG*), not every variable of every file. Loading still reads all
	// of them. Without it a reading held every definition once per loader:
	// about 400 times the bytes of the env files at peak.
	Keep []string
	// Expect, when set, is about how many files the input will read: its
	// caches of files and their parses are made that size at once. Grown
	// from empty on a monorepo's thousand env files, their new tables were
	// 2% of dbguard env's CPU (each zeroed when first touched).
	Expect int
	// cache holds each file parsed once per dialect; raw its bytes.
	// parsedBytes is how many bytes of files the cache's parses were
	// made from (see Trim).
	cache       map[cacheKey]parsed
	parsedBytes int
	trimAt      int // trimParsed, or the test's own
	raw         map[string]rawFile
	// memo holds readings of plain files by what decides them (see
	// Read): most loaders in most folders read the same thing.
	memo     map[string]*Reading
	sigBuf   []byte
	sigFiles []string // the files of the last plainSignature, ascending
	// kept holds readings of plain files by their loader and the kept
	// definitions of each file (see keptSignature): a monorepo's folders
	// read alike but for the files' names.
	kept     map[*Loader]map[string]keptReading
	keptBuf  []byte
	keptOff  bool            // no kept memo (for the test that compares with it)
	emptyEnv map[string]bool // the environment's empty variables
	keep     map[string]bool // Keep, and each one's byte-order-marked twin
	dirs     map[string]*atNames
	// atDir and atNames are at's last folder and its dirs entry: a
	// folder's loaders ask for its files one after another.
	atDir   string
	atNames *atNames
	names   map[*Loader]fileLists
	won     lastWon // the last lastWins (see readCtx.lastWins)
}

// lastWon is lastWins of one parsed file's definitions.
type lastWon struct {
	first *Def // the definitions' first, and how many
	n     int
	keys  []string
	by    map[string]*Def
}

type rawFile struct {
	data  []byte
	ok    bool
	err   error
	plain bool
	refs  bool // plain but for ${NAME} references (see plainRefsFile)
}

type cacheKey struct {
	dialect string
	file    string
}

type parsed struct {
	ok   bool
	defs []Def
	skip []Skip
	err  error
}

// parse reads a file with a dialect, once per input.
func (in *Input) parse(d *dialect, file string) parsed {
	k := cacheKey{d.name, file}
	if p, ok := in.cache[k]; ok {
		return p
	}
	if in.cache == nil {
		in.cache = make(map[cacheKey]parsed, in.Expect)
	}
	f := in.file(file)
	if d.own != nil && d.own(file) {
		f.plain, f.refs = false, false // not an env file's syntax at all
	}
	if f.refs && d.plainRefs != nil {
		// A dialect that expands while it parses: its own reading of the
		// plain definitions (see plainRefsFile).
		plain := in.parse(dialectDotenv, file)
		p := parsed{ok: true}
		p.defs, p.err = d.plainRefs(in, file, f.data, plain.defs)
		in.cache[k] = p
		in.parsedBytes += len(f.data)
		return p
	}
	if f.plain || f.refs {
		// Every dialect reads a plain file alike, and those that read
		// values as written a plain-refs file: parse it once.
		pk := cacheKey{"plain", file}
		if p, ok := in.cache[pk]; ok {
			in.cache[k] = p
			return p
		}
		k = pk
	}
	var p parsed
	switch {
	case f.err != nil:
		p.err = fmt.Errorf("reading %s: %w", file, f.err)
	case f.ok && (f.plain || f.refs):
		p.ok = true
		p.defs = parsePlain(file, f.data)
	case f.ok:
		p.ok = true
		p.defs, p.skip, p.err = d.parse(in, file, f.data)
	}
	in.cache[k] = p
	in.parsedBytes += len(f.data)
	return p
}

// trimParsed is how many bytes of files an input keeps parsed past a
// Trim. A parse holds about three times its file's bytes in each
// dialect: all 3,000 staged env files of 6 KB held parsed in six
// dialects were most of the hook's 191 MiB peak (docs/performance.md,
// "Round 14: the hook's parses let go folder by folder").
const trimParsed = 1 << 20

// Trim lets go of the input's parses, not its files' bytes, once they
// were made from more than trimParsed bytes of files. A caller whose
// loaders move on to another folder calls it: a folder's loaders share
// its parses, and a file asked for again is parsed again, alike (a parse
// is its bytes' and dialect's alone).
func (in *Input) Trim() {
	if at := cmp.Or(in.trimAt, trimParsed); in.parsedBytes > at {
		clear(in.cache)
		in.parsedBytes = 0
	}
}

// file reads a file once.
func (in *Input) file(name string) rawFile {
	f, seen := in.raw[name]
	if !seen {
		if in.raw == nil {
			in.raw = make(map[string]rawFile, in.Expect)
		}
		f.data, f.ok, f.err = in.Files(name)
		f.plain = f.ok && f.err == nil && plainFile(f.data)
		f.refs = f.ok && f.err == nil && !f.plain && plainRefsFile(f.data)
		in.raw[name] = f
	}
	return f
}

// plainFile reports whether every dialect reads data the same way: each
// line blank, a comment starting with '#', or NAME=value with a plain
// name and a value of printable ASCII that holds no quote, '#', '$', '\',
// backtick or surrounding space; the last line ends in a newline. The
// conformance suite checks the claim (TestPlainFilesAgree).
func plainFile(data []byte) bool { return plainLines(data, false) }

// plainLines is plainFile, with refs also taking values whose every '$'
// starts a ${NAME} reference (see plainRefsFile).
func plainLines(data []byte, refs bool) bool {
	if len(data) > 0 && data[len(data)-1] != '\n' {
		return false
	}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		line := data[:i]
		data = data[i+1:]
		if len(line) == 0 || line[0] == '#' && bytes.IndexByte(line, '=') < 0 && asciiPrintable(line) {
			continue
		}
		eq := bytes.IndexByte(line, '=')
		if eq <= 0 || !plainName(line[:eq]) {
			return false
		}
		v := line[eq+1:]
		if !asciiPrintable(v) || len(v) > 0 && (v[0] == ' ' || v[len(v)-1] == ' ') || bytes.ContainsAny(v, "'\"`#\\") {
			return false
		}
		if bytes.IndexByte(v, '$') >= 0 && (!refs || !onlyPlainRefs(v)) {
			return false
		}
	}
	return true
}

// parsePlain reads a plain file (see plainFile) as every dialect does.
func parsePlain(file string, data []byte) []Def {
	defs := make([]Def, 0, bytes.Count(data, []byte("=")))
	s := plainScan{data: data}
	for key, value, line, ok := s.next(); ok; key, value, line, ok = s.next() {
		defs = append(defs, Def{Key: string(key), Value: string(value), File: file, Line: line})
	}
	return defs
}

// plainScan reads a plain file's definitions one at a time, in its bytes.
type plainScan struct {
	data []byte
	line int
}

// next is the next NAME=value line: its name, value and line number.
func (s *plainScan) next() (key, value []byte, line int, ok bool) {
	for len(s.data) > 0 {
		s.line++
		i := bytes.IndexByte(s.data, '\n')
		text := s.data[:i]
		s.data = s.data[i+1:]
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		eq := bytes.IndexByte(text, '=')
		return text[:eq], text[eq+1:], s.line, true
	}
	return nil, nil, 0, false
}

func plainName(b []byte) bool {
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		return false
	}
	for _, c := range b {
		if !isWord(c) {
			return false
		}
	}
	return string(b) != "export"
}

func asciiPrintable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// Read runs a loader from a folder (caller: python-dotenv's script folder,
// "" for the same folder) and returns what it hands the application.
func Read(l *Loader, in *Input, dir, caller string) *Reading {
	if caller == "" {
		caller = dir
	}
	r := &Reading{Loader: l, Dir: dir, Caller: caller, Mode: l.mode(in), env: in.Environ}
	if l.refuse != nil {
		if msg := l.refuse(r.Mode); msg != "" {
			r.Err, r.vars = &ModeError{Loader: l.Name, Mode: r.Mode, Reason: msg}, map[string]Value{}
			return r // before any shortcut: whatever the files say
		}
	}
	sig, files := in.plainSignature(l, dir, caller)
	if m := in.memo[string(sig)]; sig != nil && m != nil {
		r.Dir, r.Files, r.vars, r.rebased, r.Defs, r.NoEnv, r.Same = m.Dir, files, m.vars, m.rebased, m.Defs, m.NoEnv, m
		return r
	}
	if sig != nil {
		if in.memo == nil {
			in.memo = map[string]*Reading{}
		}
		in.memo[string(sig)] = r
	}
	var kept []byte
	if sig != nil && in.Keep != nil && !in.keptOff && in.readsHere(l, dir, caller) {
		kept = in.keptSignature()
		if k, ok := in.kept[l][string(kept)]; ok && k.rebase(r, dir, in.sigFiles, files) {
			return r
		}
	}
	r.vars = map[string]Value{}
	c := &readCtx{in: in, r: r, l: l}
	l.read(c)
	in.prune(r, c.others)
	if kept != nil && r.Err == nil && r.Skipped == nil && r.Dir == dir {
		if in.kept[l] == nil {
			if in.kept == nil {
				in.kept = map[*Loader]map[string]keptReading{}
			}
			in.kept[l] = map[string]keptReading{}
		}
		in.kept[l][string(kept)] = keptReading{r: r, dir: dir, files: slices.Clone(in.sigFiles), vars: keptVars(r)}
	}
	return r
}

// readsHere reports whether the loader's reading of the last
// plainSignature's files is one from dir itself: python-dotenv reads from
// the folder it finds its file in (a parent's, or the caller's), which the
// kept memo's swap of paths would not move it to.
func (in *Input) readsHere(l *Loader, dir, caller string) bool {
	if l.where != Upward {
		return true
	}
	return caller == dir && len(in.sigFiles) == 1 && path.Dir(in.sigFiles[0]) == dir
}

// keptSignature is what decides a loader's reading of plain files (see
// plainSignature) once the caller keeps only some variables: with the
// loader (the memo's first key), for each file in ascending precedence its
// name and the kept
// definitions with their lines. A plain value refers to nothing, so the
// other definitions make no difference; two folders with the same
// signature read the same but for the files' paths (see keptReading).
// Only valid until the next call (the input's buffer). The files are
// plain, so their definitions are read from their bytes as parsePlain
// reads them: a folder whose reading is then rebased parses none of its
// files (on bench.sh env's tree, two parses a run instead of 1,000).
func (in *Input) keptSignature() []byte {
	b := in.keptBuf[:0]
	for _, rel := range in.sigFiles {
		b = append(b, 0, 1)
		b = append(b, path.Base(rel)...)
		s := plainScan{data: in.file(rel).data}
		for key, value, line, ok := s.next(); ok; key, value, line, ok = s.next() {
			if in.keeps(string(key)) {
				b = append(b, 0)
				b = strconv.AppendInt(b, int64(line), 10)
				b = append(b, 0)
				b = append(b, key...)
				b = append(b, 0)
				b = append(b, value...)
			}
		}
	}
	in.keptBuf = b
	return b
}

// keptReading is a loader's reading of plain files in one folder, for
// another folder with the same kept signature.
type keptReading struct {
	r     *Reading
	dir   string
	files []string  // its plainSignature files, ascending
	vars  []keptVar // r's variables, for rebase to copy in one move
}

// keptVars are r's variables as a rebased reading holds them, their
// definitions still r's.
func keptVars(r *Reading) []keptVar {
	vars := make([]keptVar, 0, len(r.vars))
	for name, v := range r.vars {
		vars = append(vars, keptVar{name: name, v: v})
	}
	return vars
}

// rebase makes r (a reading from dir of the files ascending, read in the
// order files) k's reading with each file's path swapped for the one in
// the same place: what the loader would have read there. It returns false,
// leaving r as it was, when the two do not line up file for file.
func (k keptReading) rebase(r *Reading, dir string, ascending, files []string) bool {
	if len(ascending) != len(k.files) || len(files) != len(k.r.Files) {
		return false
	}
	swap := func(rel string) (string, bool) {
		for i, f := range k.files {
			if f == rel {
				return ascending[i], true
			}
		}
		return "", false
	}
	for i, f := range k.r.Files {
		if g, ok := swap(f); !ok || g != files[i] {
			return false
		}
	}
	defs := make([]Def, len(k.r.Defs))
	for i, d := range k.r.Defs {
		var ok bool
		if d.File, ok = swap(d.File); !ok {
			return false
		}
		defs[i] = d
	}
	// The variables (the kept ones: the URL variables, what they refer
	// to, PG*; two or three), each with its own copy of its definition,
	// in one array: a map for each rebased reading was 0.9 MB of the 1.4
	// MB rebase allocated on 1,000 env files (a map's first group holds
	// eight), and hashing its names was most of rebase's instructions.
	vars := slices.Clone(k.vars)
	for i := range vars {
		x := &vars[i]
		if x.v.Def != nil {
			x.def = *x.v.Def
			var ok bool
			if x.def.File, ok = swap(x.def.File); !ok {
				return false
			}
			x.v.Def = &x.def
		}
	}
	r.Dir, r.Files, r.vars, r.rebased, r.Defs, r.NoEnv, r.origin = dir, files, nil, vars, defs, k.r.NoEnv, k.r
	return true
}

// keptVar is one variable of a rebased reading: its name, its value and
// the value's definition, which the value points at.
type keptVar struct {
	name string
	v    Value
	def  Def
}

// keeps reports whether the caller looks at variable k (see Input.Keep).
func (in *Input) keeps(k string) bool {
	if in.Keep == nil {
		return true
	}
	if in.keep == nil {
		in.keep = map[string]bool{}
		for _, v := range in.Keep {
			in.keep[v], in.keep["\uFEFF"+v] = true, true
		}
	}
	return in.keep[k] || strings.HasPrefix(k, "PG")
}

// prune leaves in a finished reading only what the caller looks at (see
// Input.Keep): the kept variables, and those their values refer to (the
// report names where each came from). The definitions they point at are
// copied, so that the file's other definitions are not held through them.
// others are the variables set that are not kept (see readCtx.set), the
// last setting of each winning.
func (in *Input) prune(r *Reading, others []setting) {
	if in.Keep == nil {
		return
	}
	vars := map[string]Value{}
	var other map[string]Value // the referenced ones among others
	lookup := func(k string) (Value, bool) {
		if v, ok := r.vars[k]; ok {
			return v, true
		}
		if other == nil {
			want := map[string]bool{}
			for k, v := range r.vars {
				if in.keeps(k) {
					for _, ref := range refs(v.Def.valueOr(v.Value)) {
						want[ref] = true
					}
				}
			}
			other = map[string]Value{}
			for i := len(others) - 1; i >= 0 && len(other) < len(want); i-- {
				if o := others[i]; want[o.def.Key] {
					if _, seen := other[o.def.Key]; !seen {
						other[o.def.Key] = Value{Value: o.value, Def: o.def, Command: strings.Contains(o.def.Value, "$(") && r.Loader.commands,
							Encrypted: r.Loader.decrypts && strings.HasPrefix(o.value, DotenvxEncrypted)}
					}
				}
			}
		}
		v, ok := other[k]
		return v, ok
	}
	var add func(k string, depth int)
	add = func(k string, depth int) {
		v, ok := lookup(k)
		if _, done := vars[k]; !ok || done {
			return
		}
		if v.Def != nil {
			d := v.Def.detached()
			v.Def = &d
		}
		v.Value = strings.Clone(v.Value)
		v.Refs = refs(v.Def.valueOr(v.Value))
		vars[strings.Clone(k)] = v
		if depth == 0 {
			for _, ref := range v.Refs {
				add(ref, 1)
			}
		}
	}
	for k := range r.vars {
		if in.keeps(k) {
			add(k, 0)
		}
	}
	r.vars = vars
}

// detached is a copy of the definition that shares no memory with the
// file it was parsed from: a key or value is a slice of the parser's text,
// and one kept definition would otherwise hold the whole file.
func (d *Def) detached() Def {
	cp := *d
	cp.Key, cp.Value = strings.Clone(d.Key), strings.Clone(d.Value)
	return cp
}

// valueOr is the definition's text, or v when there is no definition.
func (d *Def) valueOr(v string) string {
	if d == nil {
		return v
	}
	return d.Value
}

// plainSignature is what decides a loader's reading when every file it
// reads is plain (see plainFile) and none sets a variable the environment
// holds empty: the files in ascending precedence and whether they beat the
// environment. Syntax, expansion and the way values are set make no
// difference then, so loaders with one signature read the same; "" when
// the shortcut does not apply. files are the files it reads, in its order.
// sig is only valid until the next call (it is the input's buffer).
func (in *Input) plainSignature(l *Loader, dir, caller string) (sig []byte, files []string) {
	if l.ascending == nil {
		return nil, nil
	}
	b := in.sigBuf[:0]
	defer func() { in.sigBuf = b[:0] }()
	in.sigFiles = in.sigFiles[:0]
	if l.overrides {
		b = append(b, "override"...)
	}
	add := func(rel string, f rawFile) bool {
		if f.err != nil || !f.plain || in.setsEmptyEnv(rel) {
			return false
		}
		b = append(b, '|')
		b = append(b, rel...)
		in.sigFiles = append(in.sigFiles, rel)
		return true
	}
	if l.where == Upward {
		for d := caller; ; d = path.Dir(d) {
			if rel, f := in.at(d, ".env"); f.ok {
				if !add(rel, f) {
					return nil, nil
				}
				return b, []string{rel}
			}
			if d == "." || d == "/" || d == "" {
				return append(b, '|'), nil
			}
		}
	}
	lists := in.lists(l, l.mode(in))
	if l.rooted {
		dir = "."
	}
	for _, name := range lists.ascending {
		if rel, f := in.at(dir, name); f.ok || f.err != nil {
			if !add(rel, f) {
				return nil, nil
			}
		}
	}
	for _, name := range lists.files {
		if rel, f := in.at(dir, name); f.ok {
			if files == nil {
				// Room for a folder's usual pair (.env and .env.local):
				// grown from one, the pair was two allocations.
				files = make([]string, 0, 2)
			}
			files = append(files, rel)
		}
	}
	return append(b, '|'), files
}

// at is file(join(dir, name)), without building the path twice.
func (in *Input) at(dir, name string) (string, rawFile) {
	names := in.atNames
	if names == nil || dir != in.atDir {
		names = in.dirs[dir]
		if names == nil {
			if in.dirs == nil {
				// About a folder for every two files (.env and .env.local
				// in a monorepo's services); it grows past that.
				in.dirs = make(map[string]*atNames, in.Expect/2)
			}
			names = &atNames{}
			in.dirs[dir] = names
		}
		in.atDir, in.atNames = dir, names
	}
	for i := range names.files {
		if a := &names.files[i]; a.name == name {
			return a.rel, a.f
		}
	}
	a := atFile{name: name, rel: join(dir, name)}
	a.f = in.file(a.rel)
	if names.files == nil {
		names.files = make([]atFile, 0, 8)
	}
	names.files = append(names.files, a)
	return a.rel, a.f
}

// atNames are the names at was asked for in one folder, with its answers.
// A folder's loaders ask for the same few names (~35 asks for ~5 names
// in each of bench.sh env's folders): a list passed in order cost less
// than a map's hashing, and its group of eight slots per folder.
type atNames struct{ files []atFile }

// atFile is at's answer for a name in a folder: the path and the file,
// which file reads once and never changes, kept beside the path so that
// a loader's files cost one lookup each, not two (plainSignature asks at
// for ~17,000 names on 1,000 env files).
type atFile struct {
	name, rel string
	f         rawFile
}

type fileLists struct{ ascending, files []string }

// lists are a loader's file names for the input's mode, built once.
func (in *Input) lists(l *Loader, mode string) fileLists {
	if fl, ok := in.names[l]; ok {
		return fl
	}
	if in.names == nil {
		in.names = map[*Loader]fileLists{}
	}
	fl := fileLists{l.ascending(mode), l.Files(mode)}
	in.names[l] = fl
	return fl
}

// setsEmptyEnv reports whether a plain file defines a variable the process
// environment holds empty: loaders treat that differently (dotenv keeps
// the empty value, dotenv-expand replaces it), so no shortcut.
func (in *Input) setsEmptyEnv(rel string) bool {
	if in.emptyEnv == nil {
		in.emptyEnv = map[string]bool{}
		for k, v := range in.Environ {
			if v == "" {
				in.emptyEnv[k] = true
			}
		}
	}
	if len(in.emptyEnv) == 0 {
		return false
	}
	for _, d := range in.parse(dialectDotenv, rel).defs {
		if in.emptyEnv[d.Key] {
			return true
		}
	}
	return false
}

type readCtx struct {
	in *Input
	r  *Reading
	l  *Loader
	// others are the variables set that the caller does not keep (see
	// Input.Keep), in the order they were set: kept in a slice rather
	// than in Vars, a map, which cost more than anything else in reading
	// a large file. prune picks out the ones kept variables refer to.
	others []setting
}

// setting is one variable set that the caller does not keep: what set
// would have put in Vars, in a third of a Value's bytes (a 1 MiB file
// has about 45,000 of them, per loader).
type setting struct {
	def   *Def
	value string
}

// grow makes room in others for a file's n definitions at once.
func (c *readCtx) grow(n int) {
	if c.in.Keep != nil {
		c.others = slices.Grow(c.others, n)
	}
}

// file parses one file of the run folder (name relative to it) with the
// loader's dialect; ok is false when it does not exist or cannot be read.
func (c *readCtx) file(name string) ([]Def, bool) {
	return c.fileAt(join(c.r.Dir, name))
}

// fileAt is file for a slash path relative to the project root (a
// script's ../../.env, cleaned).
func (c *readCtx) fileAt(rel string) ([]Def, bool) {
	p := c.in.parse(c.l.dialect, rel)
	if !p.ok && p.err == nil {
		return nil, false
	}
	c.r.Files = append(c.r.Files, rel)
	c.grow(len(p.defs))
	if c.in.Keep == nil {
		c.r.Skipped = append(c.r.Skipped, p.skip...)
		c.r.Defs = append(c.r.Defs, p.defs...)
	} else {
		for _, sk := range p.skip {
			if sk.Key != "" && c.in.keeps(sk.Key) {
				sk.Key = strings.Clone(sk.Key)
				c.r.Skipped = append(c.r.Skipped, sk)
			}
		}
		for _, d := range p.defs {
			if c.in.keeps(d.Key) {
				c.r.Defs = append(c.r.Defs, d.detached())
			}
		}
	}
	if p.err != nil && c.r.Err == nil {
		c.r.Err = p.err
		if pe, ok := p.err.(*ParseError); ok {
			cp := *pe
			cp.Loader = c.l.Name
			c.r.Err = &cp
		}
	}
	return p.defs, true
}

// size is the bytes of a file the input has read (0 when it has not).
func (c *readCtx) size(rel string) int { return len(c.in.raw[rel].data) }

// budget is the expansion budget of the files read so far (see
// expandBudget).
func (c *readCtx) budget() *budget {
	n := 0
	for _, f := range c.r.Files {
		n += c.size(f)
	}
	return expandBudget(n)
}

// overBudget is the error of a reading whose expansion ran out of budget
// at definition d.
func overBudget(loader string, d *Def) *ParseError {
	return &ParseError{Loader: loader, File: d.File, Line: d.Line, Key: nameOnly(d.Key), Msg: overBudgetMsg(loader),
		hint: fmt.Sprintf("line %d of %s ends a chain of references too long to expand: shorten the chain (or remove the variables no one reads), then run: dbguard env", d.Line, d.File)}
}

// set gives a variable its value from a definition, as the loader's way
// of setting it allows: a process environment holds no NUL byte and no
// empty or '='-bearing name. It returns false when the loader stops there
// (python raises).
func (c *readCtx) set(d *Def, value string) bool {
	bad := d.Key == "" || strings.ContainsAny(d.Key, "=\x00")
	switch c.l.setenv {
	case setNode:
		value, _, _ = strings.Cut(value, "\x00")
	case setGo:
		if bad || strings.Contains(value, "\x00") {
			return true // os.Setenv fails; godotenv ignores the error
		}
	case setPython:
		if bad || strings.Contains(value, "\x00") {
			if c.r.Err == nil {
				c.r.Err = &ParseError{Loader: c.l.Name, File: d.File, Line: d.Line, Key: nameOnly(d.Key), Msg: "os.environ refuses it (a NUL byte or an empty name): load_dotenv raises ValueError"}
			}
			return false
		}
	}
	// Refs are filled in by prune when the caller keeps only some
	// variables: most are never looked at.
	if c.in.Keep != nil && !c.in.keeps(d.Key) {
		c.others = append(c.others, setting{d, value})
		return true
	}
	v := Value{Value: value, Def: d, Command: strings.Contains(d.Value, "$(") && c.l.commands,
		Encrypted: c.l.decrypts && strings.HasPrefix(value, DotenvxEncrypted)}
	if c.in.Keep == nil {
		v.Refs = refs(d.Value)
	}
	c.r.vars[d.Key] = v
	return true
}

// How a loader hands values over.
type setenvKind int

const (
	setMap    setenvKind = iota // a map the application reads: anything goes
	setNode                     // process.env: a NUL byte ends the value
	setGo                       // os.Setenv: refused values are dropped
	setPython                   // os.environ: a refused value raises
)

// env reports whether the process environment sets a variable (empty
// counts as set).
func (c *readCtx) env(k string) (string, bool) {
	v, ok := c.in.Environ[k]
	return v, ok
}

// refs lists the variables a value's text names as $NAME or ${NAME...}.
func refs(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		j := i + 1
		if s[j] == '{' {
			j++
		}
		k := j
		for k < len(s) && isWord(s[k]) {
			k++
		}
		if k > j {
			out = append(out, s[j:k])
		}
	}
	return out
}

func isWord(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lastWins turns definitions into one per key, the last one winning, in
// the order each key first appears (as a JavaScript object keeps them).
func lastWins(defs []Def) (keys []string, byKey map[string]*Def) {
	byKey = make(map[string]*Def, len(defs))
	keys = make([]string, 0, len(defs))
	for i := range defs {
		d := &defs[i]
		if _, seen := byKey[d.Key]; !seen {
			keys = append(keys, d.Key)
		}
		byKey[d.Key] = d
	}
	return keys, byKey
}

// lastWins is lastWins(defs) for a loader, shared with the loader before
// it when both read the same parsed definitions (most loaders of a folder
// read one .env, and a plain one with the same parse): one map of a
// file's keys instead of one per loader. Only the last is kept, so a
// tree's worth of maps is not. keys and by are read-only.
func (c *readCtx) lastWins(defs []Def) ([]string, map[string]*Def) {
	if len(defs) == 0 {
		return lastWins(defs)
	}
	if w := &c.in.won; w.first == &defs[0] && w.n == len(defs) {
		return w.keys, w.by
	}
	keys, by := lastWins(defs)
	keys = keys[:len(keys):len(keys)] // an append copies
	c.in.won = lastWon{&defs[0], len(defs), keys, by}
	return keys, by
}

// join is path.Join for a clean folder and a file name, without the
// cleaning that costs a monorepo's worth of allocations.
func join(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}

// Definitions are the definitions any loader reads in a file, each once
// (by line, key and value): what a secret scan or a template check must
// see. A loader that refuses the file still contributes the lines before
// the one it refuses; none of them is an error here. The file is parsed
// as Input.parse does: a plain file (see plainFile) once for all six
// dialects, not six times (on the hook's staged 6 KB env files that was
// most of its CPU).
func Definitions(file string, data []byte) []Def {
	in := &Input{Environ: map[string]string{}, Files: func(string) ([]byte, bool, error) { return data, true, nil }}
	type at struct {
		line       int
		key, value string
	}
	seen := map[at]bool{}
	var out []Def
	var last []Def
	for _, d := range definitionDialects {
		defs := in.parse(d, file).defs
		if len(defs) > 0 && len(last) == len(defs) && &last[0] == &defs[0] {
			continue // the one parse of a plain file: seen already
		}
		last = defs
		for _, def := range defs {
			if k := (at{def.Line, def.Key, def.Value}); !seen[k] {
				seen[k] = true
				out = append(out, def)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// definitionDialects are the dialects Definitions reads a file in.
var definitionDialects = []*dialect{dialectDotenv, dialectNode, dialectPython, dialectGodotenv, dialectCompose, dialectEnvparse}
