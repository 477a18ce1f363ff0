package envcheck

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
)

// judgeReadings turns every loader's reading into the report's readings
// and their sources, and returns which loaders read each file. A file too
// large for anyone, a link out of the project, or one a loader in use
// cannot read, is an error; one an assumed loader cannot read is a warning.
// files is how many env files there are: the size of the returned map.
func (j *judging) judgeReadings(runs []run, rs *readings, vars []string, files int) (map[string][]string, error) {
	// Each reading is judged as it comes (the rest are read meanwhile),
	// but an error stops the judging only once all are in: the context's
	// end and a refused file come first, as if all were read first.
	readBy, err := j.judgeInOrder(runs, rs, vars, files)
	if werr := rs.wait(); werr != nil {
		return nil, werr
	}
	for _, rd := range rs.out {
		if rd.Err == nil {
			// errors.As' targets escape: declared for every reading, they
			// were two allocations each (8,000 on 1,000 env files).
			continue
		}
		var big *TooLargeError
		if errors.As(rd.Err, &big) {
			return nil, big // whoever reads it: refused for all
		}
		// A link out of the project is refused whoever reads it, an
		// assumed loader too: the file it leads to may name another
		// database, and a warning beside another file's URL said "ok".
		var out *OutsideError
		if errors.As(rd.Err, &out) {
			return nil, rd.Err
		}
	}
	if err != nil {
		return nil, err
	}
	return readBy, nil
}

// judgeInOrder judges the readings in the runs' order, each as soon as it
// is read. It stops at the first error, or at a reading that will never
// come (the context ended: readings.wait says so).
func (j *judging) judgeInOrder(runs []run, rs *readings, vars []string, files int) (map[string][]string, error) {
	r := j.r
	// Sized for the files, and each file's first list cut from a shared
	// array with room for eight loaders (the eight of a Node and Python
	// monorepo's .env): grown from empty, the map and the lists were 345
	// KB of small allocations on 1,000 env files.
	readBy := make(map[string][]string, files)
	var spare []string
	done := make(map[*envload.Reading]*LoaderReading, len(runs))
	// One allocation for all: a monorepo has thousands of readings.
	all := make([]LoaderReading, len(runs))
	r.Readings = slices.Grow(r.Readings, len(runs))
	// A folder's runs come together (planRuns), and each reading's label
	// names its folder: the folder's text (escaped) made once for them, not
	// once per label (4,000 labels on 1,000 env files).
	var atDir, at string
	for i, run := range runs {
		rd, ok := rs.get(i)
		if !ok {
			return nil, nil
		}
		name := run.loader.Name
		if run.label != "" {
			name = run.label // "compose service backend (compose.yaml:12)"
		}
		lr := &all[i]
		*lr = LoaderReading{Loader: name, Call: run.loader.Call, Dir: run.dir, Caller: rd.Caller, InUse: run.inUse, Why: run.why,
			Files: rd.Files, Err: rd.Err, reading: rd, configured: len(j.o.Loaders) > 0, container: run.container, published: run.published, names: j.secretNames}
		if at == "" || run.dir != atDir {
			atDir, at = run.dir, where(run.dir)
		}
		lr.where = at
		if rd.Err != nil {
			if run.inUse {
				return nil, rd.Err
			}
			r.warn("loader-error", errLocation(rd.Err), fmt.Sprintf("%s (assumed: no manifest names it) cannot read this file: %v", lr.Label(), errMessage(rd.Err)))
		}
		for _, f := range rd.Files {
			by, ok := readBy[f]
			if slices.Contains(by, lr.Loader) {
				continue
			}
			if !ok {
				if len(spare) < readByRoom {
					spare = make([]string, readByRoom*min(max(files, 1), 512))
				}
				// Three-index: a list that outgrows its room moves out
				// rather than into the next file's.
				by, spare = spare[:0:readByRoom], spare[readByRoom:]
			}
			readBy[f] = append(by, lr.Loader)
		}
		r.Readings = append(r.Readings, lr)
		// A loader that only returns a map shares no sources with one that
		// set the file's PG* variables in the environment: their drivers
		// complete the URL differently.
		if prev := done[rd.Same]; rd.Same != nil && prev != nil && (prev.reading.Loader.SetsEnviron() == rd.Loader.SetsEnviron() || prev.pgSig() == lr.pgSig()) {
			j.share(lr, prev)
			continue
		}
		done[rd] = lr
		if o := rd.Origin(); o != nil && judgeAlike {
			// A reading rebased from another folder's is that reading but
			// for its files' paths: judged as it was, when it was judged
			// cleanly (see judgeLike).
			if prev := done[o]; prev != nil && j.judgeLike(lr, prev, vars) {
				if onJudgedAlike != nil {
					onJudgedAlike()
				}
				continue
			}
		}
		warned, made := len(r.Warnings), len(j.order)
		if err := j.judgeReading(lr, vars); err != nil {
			return nil, err
		}
		lr.clean = len(r.Warnings) == warned && j.judgedCleanly(lr, vars, j.order[made:])
	}
	return readBy, nil
}

// judgeAlike turns judgeLike on; the tests turn it off to compare, and
// count its uses with onJudgedAlike.
var (
	judgeAlike    = true
	onJudgedAlike func()
)

// judgedCleanly reports whether a reading just judged can stand for the
// readings rebased from it (judgeLike): its judging warned of nothing,
// found no unusable value, and each source it reads holds nothing of its
// folder but its definition and folder (no Via, no container). It notes
// which of the URL variables' sources the judging made (those in made)
// rather than found made already.
func (j *judging) judgedCleanly(lr *LoaderReading, vars []string, made []*Source) bool {
	if lr.container || len(lr.unusable) > 0 || len(lr.badKeys) > 0 || lr.Err != nil || len(vars) > maxAlikeVars {
		return false
	}
	for i, v := range vars {
		s := lr.Reads[v]
		if s == nil {
			continue
		}
		if len(s.Via) > 0 {
			return false
		}
		if slices.Contains(made, s) {
			lr.made |= 1 << i
		}
	}
	return true
}

// maxAlikeVars is how many URL variables judgeLike keeps track of (a bit
// each in LoaderReading.made).
const maxAlikeVars = 8

// judgeLike judges lr as prev, the reading of another folder lr was
// rebased from, was judged (judgedCleanly), without parsing, completing
// or linting its values again: each URL variable lr reads is prev's
// value, on the same line of the file of the same name in lr's folder,
// with the same PG* variables (envload's kept signature holds them all),
// so its source is prev's with lr's definition and folder. What is not
// the reading's own is checked, not assumed: the same loader, no
// container on either side, each variable present, empty or set alike,
// and each source made new, or found made already (a source another
// folder's loader reads, or another loader's of this folder), as it was
// for prev. Any difference returns false with nothing changed, and lr is
// judged in full.
func (j *judging) judgeLike(lr, prev *LoaderReading, vars []string) bool {
	if !prev.clean || lr.container || lr.reading.Loader != prev.reading.Loader || len(vars) > maxAlikeVars {
		return false
	}
	var keys [maxAlikeVars]sourceKey
	var vals [maxAlikeVars]envload.Value
	var kind [maxAlikeVars]byte // 0 unset, 1 empty, 2 a source
	pg := prev.pgSig()
	for i, v := range vars {
		val, ok := lr.reading.Lookup(v)
		_, empty := prev.Empty[v]
		s := prev.Reads[v]
		switch {
		case !ok:
			if empty || s != nil {
				return false
			}
		case strings.TrimSpace(val.Value) == "":
			if !empty {
				return false
			}
			vals[i], kind[i] = val, 1
		default:
			if s == nil || val.Command || val.Encrypted || len(val.Refs) > 0 || val.Value != s.Def.Value {
				return false
			}
			k := sourceKey{v: v, value: val.Value, pg: pg}
			if val.Def != nil {
				k.file, k.line = val.Def.File, val.Def.Line
			}
			if _, found := j.sources[k]; found == (prev.made&(1<<i) != 0) {
				return false // made here, found there, or the other way
			}
			keys[i], vals[i], kind[i] = k, val, 2
		}
	}
	lr.pg = prev.pg
	lr.clean, lr.made = true, prev.made
	for i, v := range vars {
		switch kind[i] {
		case 1:
			if lr.Empty == nil {
				lr.Empty = map[string]string{}
			}
			lr.Empty[v] = vals[i].Location()
			continue
		case 0:
			continue
		}
		s := j.sources[keys[i]]
		if s != nil {
			s.addReader(lr)
		} else {
			s = new(Source)
			*s = *prev.Reads[v]
			s.Def = Definition{Key: v, Value: vals[i].Value}
			if d := vals[i].Def; d != nil {
				s.Def.File, s.Def.Line, s.Def.Quote = d.File, d.Line, d.Quote
			}
			s.Dir, s.Readers = lr.Dir, nil
			s.addReader(lr)
			j.sources[keys[i]] = s
			j.order = append(j.order, s)
		}
		if lr.Reads == nil {
			lr.Reads = map[string]*Source{}
		}
		lr.Reads[v] = s
	}
	return true
}

// readByRoom is the room for loaders each file's readBy list starts with.
const readByRoom = 8

// readersRoom is the room a source's readers and a loaders' row's
// readings start with.
const readersRoom = 4

// share gives a reading the sources of the earlier one it equals (same
// plain files, same order); the maps are that reading's, never written
// again.
func (j *judging) share(lr, prev *LoaderReading) {
	lr.Reads, lr.Empty, lr.unusable, lr.badKeys = prev.Reads, prev.Empty, prev.unusable, prev.badKeys
	for _, k := range lr.badKeys {
		j.badBy[k] = append(j.badBy[k], lr)
	}
	for _, s := range prev.Reads {
		s.addReader(lr)
	}
}

// judgeReading judges what one loader reads for each URL variable.
func (j *judging) judgeReading(lr *LoaderReading, vars []string) error {
	for _, v := range vars {
		val, ok := lr.reading.Lookup(v)
		switch {
		case !ok:
		case strings.TrimSpace(val.Value) == "":
			if lr.Empty == nil {
				lr.Empty = map[string]string{}
			}
			lr.Empty[v] = val.Location()
		default:
			s, err := j.source(v, val, lr)
			if err != nil {
				return err
			}
			if s != nil {
				if lr.Reads == nil {
					lr.Reads = map[string]*Source{}
				}
				lr.Reads[v] = s
			}
		}
	}
	return nil
}

// groupDatabases sorts the sources in effect into databases and names,
// for each, the loaders that read it.
func (r *Report) groupDatabases() {
	var inEffect, envSources []*Source
	for _, s := range r.Sources {
		s.db = 0
		if s.InEffect {
			inEffect = append(inEffect, s)
			if s.FromEnvironment() {
				envSources = append(envSources, s)
			}
		}
	}
	r.Databases = r.group(inEffect)
	r.EnvDatabases = r.group(envSources)
	// Each source notes its database (Source.db) rather than a map by
	// source: 1,500 insertions and 8,000 lookups on 1,000 env files.
	for i, db := range r.Databases {
		for _, s := range db.Sources {
			s.db = i + 1
		}
	}
	readersOf := make([][]*LoaderReading, len(r.Databases))
	for _, lr := range r.Readings {
		// Reads holds only URL variables (judgeReading), and labels names
		// each loader once in the readings' order whatever the order of a
		// reading's variables: ranging over them, not looking each URL variable
		// up, was 20,000 lookups on 1,000 env files.
		seen := -1
		for _, s := range lr.Reads {
			if i := s.db - 1; i >= 0 && i != seen {
				readersOf[i], seen = append(readersOf[i], lr), i
			}
		}
	}
	for i := range r.Databases {
		r.Databases[i].Readers, r.Databases[i].readerIn = labelList(readersOf[i])
	}
}

// judging collects sources across readings: one per variable, location
// and value.
type judging struct {
	o           Options
	r           *Report
	driver      dburl.Environment
	sources     map[sourceKey]*Source
	order       []*Source
	completions map[string]completed
	// bad are values that are not connection strings as some loaders read
	// them, by key, and who reads them so.
	bad   map[sourceKey]*ValueError
	badBy map[sourceKey][]*LoaderReading
	// parsed are the connection strings judged so far, by text: a
	// monorepo's thousand env files hold a few URLs, each parsed,
	// classified and registered with the redactor once. A parsed URL is
	// read-only (dburl clones one before changing it).
	parsed map[string]parsedURL
	// secretNames is shared by every reading (see LoaderReading.pgEnv).
	secretNames secretNames
}

// parsedURL is what judge makes of a connection string's text alone.
type parsedURL struct {
	url      *dburl.URL
	endpoint dburl.Endpoint
	id       dburl.Identity
}

// judge is judge for a definition whose text may have been judged before
// (in another file, by another variable).
func (j *judging) judge(v string, d Definition, dir string) (*Source, error) {
	if p, ok := j.parsed[d.Value]; ok {
		return &Source{Var: v, Def: d, Dir: dir, URL: p.url, Endpoint: p.endpoint, ID: p.id}, nil
	}
	s, err := judge(v, d, dir, j.o.Rules)
	if err == nil {
		if j.parsed == nil {
			j.parsed = map[string]parsedURL{}
		}
		j.parsed[d.Value] = parsedURL{s.URL, s.Endpoint, s.ID}
	}
	return s, err
}

// sourceKey is one value of one variable at one place ("" and 0 for the
// process environment), with the PG* variables the loader set beside it:
// the driver completes the URL from them.
type sourceKey struct {
	v, file, value, pg string
	line               int
}

func (j *judging) source(v string, val envload.Value, lr *LoaderReading) (*Source, error) {
	key := sourceKey{v: v, value: val.Value, pg: lr.pgSig()}
	if lr.container && j.containerDiffers(val.Value, lr) {
		// A container completes and reaches hosts otherwise (composeHost).
		key.pg += "\x00container"
	}
	if val.Def != nil {
		key.file, key.line = val.Def.File, val.Def.Line
	}
	if s, ok := j.sources[key]; ok {
		s.addReader(lr)
		return s, nil
	}
	if val.Command {
		j.r.warn("command", val.Location(), fmt.Sprintf("%s: %s runs the $(...) in this value as a shell command; dbguard never runs what an env file says, so it cannot tell which database this names", v, lr.Label()))
		j.r.setUnknowable(v, val.Location(), "write the URL in the file as text (or set "+v+" in the environment that runs dbguard), then run: dbguard env")
		return nil, nil
	}
	if val.Encrypted {
		j.r.warn("encrypted", val.Location(), fmt.Sprintf("%s: %s decrypts this value (encrypted:...) as it loads, with DOTENV_PRIVATE_KEY or .env.keys; dbguard never decrypts, so it cannot tell which database this names (an app started with %s in its environment keeps that one: judge the decrypted value with npx dotenvx run -- dbguard env)", v, lr.Label(), v))
		j.r.setUnknowable(v, val.Location(), "judge the decrypted value, which dotenvx puts in dbguard's environment: npx dotenvx run -- dbguard env")
		return nil, nil
	}
	d := Definition{Key: v, Value: val.Value}
	if val.Def != nil {
		d.File, d.Line, d.Quote = val.Def.File, val.Def.Line, val.Def.Quote
	}
	s, err := j.judge(v, d, lr.Dir)
	if err == nil && unexpanded(val) && (strings.Contains(s.ID.String(), "$") || strings.Contains(s.URL.User(), "$")) {
		// A literal ${...} in the host, port, database or user names no
		// database; in the password it is a wrong password, which
		// password-differs reports.
		err = &ValueError{Location: d.Location(), Var: v, Err: fmt.Errorf("%s does not expand $VAR or ${VAR}: the application gets the text as written", lr.Loader)}
	}
	if err != nil {
		var ve *ValueError
		if errors.As(err, &ve) {
			if j.bad == nil {
				j.bad = map[sourceKey]*ValueError{}
				j.badBy = map[sourceKey][]*LoaderReading{}
			}
			j.bad[key] = ve
			j.badBy[key] = append(j.badBy[key], lr)
			lr.unusable = append(lr.unusable, v)
			lr.badKeys = append(lr.badKeys, key)
			return nil, nil
		}
		return nil, err
	}
	if !s.FromEnvironment() || val.Def == nil {
		s.Dir = lr.Dir
	}
	for _, ref := range val.Refs {
		from := "unset"
		if rv, ok := lr.reading.RefLookup(ref); ok {
			from = rv.Location()
		}
		s.Via = append(s.Via, ref+" from "+from)
	}
	j.complete(s, lr)
	composeHost(s, lr)
	for _, msg := range s.URL.Lint() {
		j.r.warn("lint", s.Def.Location(), s.Var+": "+msg)
	}
	s.InEffect = true
	s.addReader(lr)
	j.sources[key] = s
	j.order = append(j.order, s)
	return s, nil
}

// unexpanded reports whether a value still holds the variable references
// it was written with: the loader handed them over as text.
func unexpanded(val envload.Value) bool {
	for _, ref := range val.Refs {
		if strings.Contains(val.Value, "${"+ref) || strings.Contains(val.Value, "$"+ref) {
			return true
		}
	}
	return false
}

// failures returns an error when no loader reads a usable connection
// string from a definition some loader reads as a broken one, or when
// nothing usable is read at all and some loader cannot read its files: the
// file is wrong for everyone. Otherwise each broken reading is a warning
// naming the loaders that read it so.
func (j *judging) failures(vars []string) error {
	keys := make([]sourceKey, 0, len(j.bad))
	for k := range j.bad {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		x, y := keys[a], keys[b]
		if x.file != y.file {
			return x.file < y.file
		}
		if x.line != y.line {
			return x.line < y.line
		}
		return x.v+x.value < y.v+y.value
	})
	for _, k := range keys {
		ve := j.bad[k]
		fine := false
		for _, s := range j.order {
			if s.Var == ve.Var && s.Def.Location() == ve.Location {
				fine = true
			}
		}
		if !fine {
			// A loader that refuses the line says best what is wrong.
			for _, lr := range j.r.Readings {
				if lr.Err != nil && errLocation(lr.Err) == ve.Location {
					return lr.Err
				}
			}
			return ve
		}
	}
	for _, k := range keys {
		ve := j.bad[k]
		j.r.warn("unusable", ve.Location, fmt.Sprintf("%s reads %s here as a value that is not a usable PostgreSQL connection string (%v), while other loaders read it whole",
			labels(j.badBy[k]), ve.Var, ve.Err))
	}
	if len(j.order) == 0 {
		for _, lr := range j.r.Readings {
			if lr.Err != nil {
				return lr.Err
			}
		}
	}
	return nil
}

// labels names loaders for people, grouped by folder: "dotenv, vite in
// the project root; godotenv in backend/".
func labels(lrs []*LoaderReading) string {
	s, _ := labelParts(lrs, false)
	return s
}

// labelList is labels one folder an entry, each a part of labels' text,
// and where in each its folder's " in " is. It is not that text cut at
// "; ": a folder may be named "a; b", and cut there it was two made-up
// readers. With no readings it is one empty entry, as the cut text was.
func labelList(lrs []*LoaderReading) (list []string, in []int) {
	s, ends := labelParts(lrs, true)
	list = make([]string, 0, max(len(ends)/2, 1))
	in = make([]int, 0, max(len(ends)/2, 1))
	start := 0
	for k := 0; k < len(ends); k += 2 {
		list, in = append(list, s[start:ends[k+1]]), append(in, ends[k]-start)
		start = ends[k+1] + len("; ")
	}
	if len(ends) == 0 {
		list, in = append(list, s), append(in, -1)
	}
	return list, in
}

// labelParts writes labels' text and, when asked, for each folder's part
// of it where its " in " starts and where it ends.
func labelParts(lrs []*LoaderReading, wantEnds bool) (string, []int) {
	var dirs []string
	var names [][]string // by dirs' index
	at := map[string]int{}
	last := -1 // the last reading's folder: a folder's readings come together
	// Each folder's names start with room for eight (a Node and Python
	// folder's loaders), cut from one array: grown from nil, they were
	// four allocations a folder (2,000 for a database read in 500).
	var spare []string
	for _, lr := range lrs {
		if last < 0 || dirs[last] != lr.Dir {
			i, ok := at[lr.Dir]
			if !ok {
				i = len(dirs)
				if len(spare) < readByRoom {
					spare = make([]string, readByRoom*min(max(len(lrs)/readByRoom, 1), 512))
				}
				// Three-index: a list that outgrows its room moves out
				// rather than into the next folder's.
				dirs, names = append(dirs, lr.Dir), append(names, spare[:0:readByRoom])
				spare = spare[readByRoom:]
				at[lr.Dir] = i
			}
			last = i
		}
		if !slices.Contains(names[last], lr.Loader) {
			names[last] = append(names[last], lr.Loader)
		}
	}
	var b strings.Builder
	var ends []int
	if wantEnds {
		ends = make([]int, 0, 2*len(dirs))
	}
	for i, d := range dirs {
		if i > 0 {
			b.WriteString("; ")
		}
		for j, n := range names[i] {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(n)
		}
		if wantEnds {
			ends = append(ends, b.Len())
		}
		b.WriteString(" in ")
		b.WriteString(where(d))
		if wantEnds {
			ends = append(ends, b.Len())
		}
	}
	return b.String(), ends
}

// shadowed adds the definitions of URL variables that loaders read past
// (a later file, the environment) and that name another database.
func (j *judging) shadowed(vars []string) {
	type at struct {
		v, file string
		line    int
	}
	used := make(map[at]bool, len(j.order))
	for _, s := range j.order {
		used[at{s.Var, s.Def.File, s.Def.Line}] = true
	}
	// The readings by file, made for the first definition judged here: in
	// a monorepo whose every definition is read somewhere there is none,
	// and making it was 1% of dbguard env's CPU on 1,000 env files.
	var readers map[string][]*LoaderReading
	seen := map[at]bool{}
	for _, lr := range j.r.Readings {
		if lr.reading.Same != nil {
			continue // the same definitions as the reading it shares
		}
		for _, d := range lr.reading.Defs {
			if !slices.Contains(vars, d.Key) || strings.TrimSpace(d.Value) == "" || !d.Expanded && strings.Contains(d.Value, "$") {
				continue // unexpanded: what it names depends on a loader none uses here
			}
			k := at{d.Key, d.File, d.Line}
			if used[k] || seen[k] {
				continue
			}
			seen[k] = true
			s, err := judge(d.Key, Definition{Key: d.Key, Value: d.Value, File: d.File, Line: d.Line, Quote: d.Quote}, lr.Dir, j.o.Rules)
			if err != nil {
				continue // not in effect anywhere: nothing connects with it
			}
			j.complete(s, nil)
			j.order = append(j.order, s)
			if readers == nil {
				readers = map[string][]*LoaderReading{}
				for _, lr := range j.r.Readings {
					for _, f := range lr.Files {
						readers[f] = append(readers[f], lr)
					}
				}
			}
			for _, lr2 := range readers[d.File] {
				if w, ok := lr2.Reads[d.Key]; ok && !sameDatabase(s, w) {
					j.r.warn("shadowed", d.Location(), fmt.Sprintf("%s here names %s, but %s reads %s from %s; a tool that reads only this file would still use this line",
						d.Key, s.ID, lr2.Label(), w.ID, w.Def.Location()))
					break
				}
			}
		}
	}
}

// ordered lists the environment's sources first, then the files' by path
// and line.
func (j *judging) ordered() []*Source {
	out := append([]*Source{}, j.order...)
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.FromEnvironment() != y.FromEnvironment() {
			return x.FromEnvironment()
		}
		if x.Def.File != y.Def.File {
			return fileLess(x.Def.File, y.Def.File)
		}
		return x.Def.Line < y.Def.Line
	})
	return out
}

func fileLess(a, b string) bool {
	if da, db := dirOf(a), dirOf(b); da != db {
		return dirLess(da, db)
	}
	return a < b
}

func (s *Source) addReader(lr *LoaderReading) {
	if l := lr.Label(); len(s.Readers) == 0 || s.Readers[len(s.Readers)-1] != l {
		if s.Readers == nil {
			// Room for the few loaders of a folder that read the same
			// value: grown from one, it was ~3 allocations a source.
			s.Readers = make([]string, 0, readersRoom)
		}
		s.Readers = append(s.Readers, l)
	}
}

// judge parses a definition and works out the database it names.
func judge(v string, d Definition, dir string, rules []dburl.Rule) (*Source, error) {
	if strings.HasPrefix(d.Value, envload.DotenvxEncrypted) {
		// Not shown: dburl's message would say what the text is not.
		return nil, &ValueError{Location: d.Location(), Var: v, Err: errors.New("it is encrypted by dotenvx (encrypted:...), which only dotenvx decrypts: this loader hands the application the text as written")}
	}
	u, err := dburl.Parse(d.Value)
	if err != nil {
		// A password written with an unquoted blank (password=x y) is
		// refused here and by libpq, whose complaint names its tail.
		dburl.AddUnparsedSecrets(d.Value)
		return nil, &ValueError{Location: d.Location(), Var: v, Err: err}
	}
	s := &Source{Var: v, Def: d, Dir: dir, URL: u, Endpoint: dburl.Classify(u, rules)}
	// Every password dbguard reads is masked as literal text from here on
	// (output's safety net), wherever it would be printed.
	dburl.AddURLSecrets(u)
	dburl.AddURLSecrets(s.Endpoint.Direct)
	if s.Endpoint.Direct != nil {
		s.ID = s.Endpoint.Direct.Identity()
	} else {
		s.ID = u.Identity()
	}
	return s, nil
}

// effective is the URL variable's value dbguard itself goes by: the
// process environment's, else the first loader in use at the root, else
// any loader's.
func (r *Report) effective() *Source {
	var best *Source
	score := -1
	for _, lr := range r.Readings {
		s := lr.Reads[r.URLVar]
		if s == nil {
			continue
		}
		sc := 0
		switch {
		case s.FromEnvironment():
			sc = 3
		case lr.container:
			continue // the app's URL inside a container, not dbguard's on the host
		case lr.Dir == scopeDir(r.Scope) && lr.InUse:
			sc = 2
		case lr.Dir == scopeDir(r.Scope):
			sc = 1
		}
		if sc > score {
			best, score = s, sc
		}
	}
	return best
}

// inEffect are the sources some loader reads.
func (r *Report) inEffect() []*Source {
	var out []*Source
	for _, s := range r.Sources {
		if s.InEffect {
			out = append(out, s)
		}
	}
	return out
}

// sameDatabase compares two definitions. When one goes through a pooler
// whose direct endpoint is unknown, only the database names can be compared.
func sameDatabase(a, b *Source) bool {
	if a.Endpoint.Kind == dburl.PooledUnknown || b.Endpoint.Kind == dburl.PooledUnknown {
		return a.ID.Database == b.ID.Database
	}
	return a.ID == b.ID
}

// group sorts definitions into distinct databases, in order of appearance.
// Those whose database is known are grouped by it first; one behind a
// pooler whose direct endpoint is unknown (known only by its database name)
// then joins a group of that name. Grouping it first would let it join two
// hosts into one database.
func (r *Report) group(sources []*Source) []Database {
	var dbs []Database
	place := func(s *Source, same func(a, b *Source) bool) {
		for i := range dbs {
			if same(s, dbs[i].Sources[0]) {
				dbs[i].Sources = append(dbs[i].Sources, s)
				return
			}
		}
		dbs = append(dbs, Database{ID: s.ID, Sources: []*Source{s}})
	}
	for _, s := range sources {
		if s.Endpoint.Kind != dburl.PooledUnknown {
			place(s, func(a, b *Source) bool { return a.ID == b.ID })
		}
	}
	for _, s := range sources {
		if s.Endpoint.Kind == dburl.PooledUnknown {
			place(s, sameDatabase)
		}
	}
	for _, db := range dbs {
		for _, s := range db.Sources {
			if s.Endpoint.Kind == dburl.PooledUnknown && len(db.Sources) > 1 {
				r.warn("unverified-pooler", s.Def.Location(), fmt.Sprintf("%s goes through a pooler (%s) whose direct endpoint dbguard does not know, so only its database name %q could be compared; add a poolers rule to dbguard.yaml",
					s.Var, s.Endpoint.Reason, s.ID.Database))
			}
		}
	}
	return dbs
}

// chooseMigrate picks the URL migrations use: a direct-URL variable naming
// the database in effect, read by the same loaders, else the database URL
// itself, rewritten to its direct endpoint.
func (r *Report) chooseMigrate() {
	if r.Effective == nil {
		return
	}
	var from *LoaderReading
	for _, lr := range r.Readings {
		if lr.Reads[r.URLVar] == r.Effective {
			from = lr
			break
		}
	}
	for _, v := range r.DirectVars {
		s := from.Reads[v]
		if s == nil || !sameDatabase(s, r.Effective) {
			continue // a conflict: reported already
		}
		if s.Endpoint.Direct == nil {
			r.warn("pooled-direct-var", s.Def.Location(), fmt.Sprintf("%s should hold the direct URL, but it looks pooled (%s)", v, s.Endpoint.Reason))
			continue
		}
		r.Migrate, r.MigrateURL = s, s.Endpoint.Direct
		return
	}
	r.Migrate, r.MigrateURL = r.Effective, r.Effective.Endpoint.Direct
	if r.MigrateURL == nil {
		r.warn("pooled-no-direct", r.Effective.Def.Location(), fmt.Sprintf("%s is pooled (%s) and no direct URL is known; migrations need one: set %s or add a poolers rule to dbguard.yaml",
			r.URLVar, r.Effective.Endpoint.Reason, firstOr(r.DirectVars, "DIRECT_URL")))
	}
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

// setUnknowable notes, the first time, where v is set to a value dbguard
// cannot know, and the command that judges it.
func (r *Report) setUnknowable(v, at, hint string) {
	if _, ok := r.unknowable[v]; ok {
		return
	}
	if r.unknowable == nil {
		r.unknowable = map[string][2]string{}
	}
	r.unknowable[v] = [2]string{at, hint}
}
