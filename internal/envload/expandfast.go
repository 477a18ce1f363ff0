package envload

import (
	"fmt"
	"strings"
)

// Expansion in time linear in what it produces.
//
// The ports of dotenv-expand (expandValueV12) and of the expansion @next/env
// bundles (interpolateNext) rewrite a value's whole text once per
// reference, as the JavaScript does, so a chain of n variables each naming
// the one before costs about n² steps per value and n³ per file (2,500
// variables: 2.4 s; 20,000: over two minutes). For the values nearly every
// file holds, the rewriting has a simpler meaning: each reference is
// replaced by its variable's value, itself expanded, in order. Then each
// variable's expansion can be computed once and reused, and the work is
// linear in the bytes produced. The fast paths below take a value only
// when that meaning is provably the rewriting's (see simplePieces and the
// checks at each reference) and otherwise hand it to the port, which stays
// the reference: TestFastExpansionAgrees compares the two on generated
// files. Either way every byte produced is charged to a budget per file
// (expandBudget), whose excess is an error naming the line.

// expandBudget is what expanding one reading's values may cost: the bytes
// the fast paths and the Python and Go loaders produce (all of which a
// loader holds), at most budgetBase and budgetPerByte times the bytes of
// its files, and the bytes the ports scan while they rewrite a text
// (transient), at most twice maxExpandWork, so that a value the ports find
// looping always gets that verdict first, and 16 times the files. A real
// loader on a file past it runs for minutes or out of memory: a 1 MiB
// chain of variables each adding to the one before expands to about a
// gigabyte. Real env files produce a few kilobytes.
func expandBudget(input int) *budget {
	return &budget{left: budgetBase + budgetPerByte*input, work: 2*maxExpandWork + 16*input}
}

const (
	budgetBase    = 8 << 20
	budgetPerByte = 8
)

// budget counts down what an expansion may still cost.
type budget struct{ left, work int }

// spend charges n bytes produced and reports whether the budget still
// holds.
func (b *budget) spend(n int) bool {
	if b == nil {
		return true
	}
	b.left -= n
	return b.left >= 0
}

// scan charges n bytes a port rewrote and reports whether the budget
// still holds.
func (b *budget) scan(n int) bool {
	if b == nil {
		return true
	}
	b.work -= n
	return b.work >= 0
}

// over reports whether the budget ran out.
func (b *budget) over() bool { return b != nil && (b.left < 0 || b.work < 0) }

// overBudgetMsg says why a reading stops at the line where the budget ran
// out. It names no value.
func overBudgetMsg(loader string) string {
	return fmt.Sprintf("expanding the variables up to this line costs more than dbguard's budget (%d MiB and %d times the file's size; each reference copies a value that itself grew): %s would run for minutes or out of memory, so dbguard stops here", budgetBase>>20, budgetPerByte, loader)
}

// piece is a literal run of text or a reference to a variable.
type piece struct {
	text     string // the literal, or the reference as written ("${A}", "$A")
	name     string // the variable referenced; "" for a literal
	unbraced bool   // $A rather than ${A}
}

// simple reports whether every '$' in s starts a reference the rewriting
// reads as just a name: no backslash anywhere (escapes and \$ change what
// matches), every '$' followed by {NAME} or, when unbraced is allowed,
// NAME, and no name holding "null" (dotenv-expand splits an operator-less
// expression on the string "null"). Otherwise the port expands it.
func simple(s string, unbraced bool) bool {
	if strings.IndexByte(s, '\\') >= 0 {
		return false
	}
	for p := range pieces(s) {
		if p.name == "" && strings.IndexByte(p.text, '$') >= 0 || p.unbraced && !unbraced || strings.Contains(p.name, "null") {
			return false
		}
	}
	return true
}

// pieces yields the literals and references of s, each with what follows
// it. A '$' that starts no reference is yielded as a literal of its own.
func pieces(s string) func(yield func(piece, string) bool) {
	return func(yield func(piece, string) bool) {
		for s != "" {
			i := strings.IndexByte(s, '$')
			if i != 0 {
				if i < 0 {
					i = len(s)
				}
				if !yield(piece{text: s[:i]}, s[i:]) {
					return
				}
				s = s[i:]
				continue
			}
			braced := len(s) > 1 && s[1] == '{'
			j := 1
			if braced {
				j = 2
			}
			k := j
			if j < len(s) && (s[j] == '_' || isLetter(s[j])) {
				for k = j + 1; k < len(s) && isWord(s[k]); k++ {
				}
			}
			if k == j || braced && (k >= len(s) || s[k] != '}') {
				if !yield(piece{text: "$"}, s[1:]) {
					return
				}
				s = s[1:]
				continue
			}
			name := s[j:k]
			if braced {
				k++
			}
			if !yield(piece{text: s[:k], name: name, unbraced: !braced}, s[k:]) {
				return
			}
			s = s[k:]
		}
	}
}

// startsWord reports whether s starts with a word character (a name
// before it would run on).
func startsWord(s string) bool { return s != "" && isWord(s[0]) }

// memoKey is one variable's expansion in one kind of context: whether a
// word character follows it (an unbraced reference at its end would run
// into it), and whether it is the whole text being expanded (the "edge",
// where dotenv-expand's stop test can fire).
type memoKey struct {
	name     string
	nextWord bool
	edge     bool
}

type memoEntry struct {
	val   string // the value looked up when it was computed
	text  string // its expansion
	steps int    // references replaced on the way, its own included
}

// joiner builds a text from pieces, as a strings.Builder does, but hands
// back a text of one piece as it is: in a chain each value is a lone
// reference whose expansion would otherwise be copied once per variable.
type joiner struct {
	b    strings.Builder
	lone string
	n    int
}

func (j *joiner) add(s string) {
	switch j.n {
	case 0:
		j.lone = s
	case 1:
		j.b.Grow(len(j.lone) + len(s))
		j.b.WriteString(j.lone)
		fallthrough
	default:
		j.b.WriteString(s)
	}
	j.n++
}

func (j *joiner) len() int {
	if j.n <= 1 {
		return len(j.lone)
	}
	return j.b.Len()
}

func (j *joiner) String() string {
	if j.n <= 1 {
		return j.lone
	}
	return j.b.String()
}

// nameMemo is what the memo knows of one variable.
type nameMemo struct {
	entries [2][2]*memoEntry // by nextWord, edge
	user    string           // the first variable whose expansion looked it up
	users   []string         // the others
	busy    bool             // being expanded (a reference back is a cycle)
}

// memo holds expansions with what each one looked up, so that a variable
// whose value changes (dotenv-expand's running values, Vite's and Next's
// parsed map as each key is expanded) drops every expansion built on it.
type memo struct {
	names map[string]*nameMemo
	slab  []nameMemo // records not yet handed out: one allocation for many
	// The record looked up last: a run looks each variable up several
	// times in a row (expanded, marked changed, seeded, then referenced
	// by the next one in a chain), each a hash of its name otherwise.
	lastName string
	last     *nameMemo
}

// sized makes room for n variables' records at once.
func (m *memo) sized(n int) {
	m.names = make(map[string]*nameMemo, n)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// of is name's record, made on first use.
func (m *memo) of(name string) *nameMemo {
	n := m.find(name)
	if n == nil {
		if m.names == nil {
			m.names = map[string]*nameMemo{}
		}
		if len(m.slab) == 0 {
			m.slab = make([]nameMemo, 256)
		}
		n = &m.slab[0]
		m.slab = m.slab[1:]
		m.names[name] = n
		m.lastName, m.last = name, n
	}
	return n
}

// find is name's record, or nil.
func (m *memo) find(name string) *nameMemo {
	if m.last != nil && m.lastName == name {
		return m.last
	}
	n := m.names[name]
	if n != nil {
		m.lastName, m.last = name, n
	}
	return n
}

func (n *nameMemo) get(k memoKey, val string) (*memoEntry, bool) {
	e := n.entries[b2i(k.nextWord)][b2i(k.edge)]
	if e == nil || e.val != val {
		return nil, false
	}
	return e, true
}

// put stores an expansion for its context and for the contexts it also
// holds in: one computed where a word follows, or at the edge, passed
// checks the others do not make, and came out the same.
func (n *nameMemo) put(k memoKey, e *memoEntry) {
	for nw := 0; nw <= b2i(k.nextWord); nw++ {
		for edge := 0; edge <= b2i(k.edge); edge++ {
			n.entries[nw][edge] = e
		}
	}
}

// addUser records that by's expansion looked n up.
func (n *nameMemo) addUser(by string) {
	if n.user == "" {
		n.user = by
		return
	}
	n.users = append(n.users, by)
}

// changed drops every expansion of name, and those built on them.
func (m *memo) changed(name string) {
	if n := m.find(name); n == nil || n.user == "" && n.users == nil && n.entries == [2][2]*memoEntry{} {
		return // nothing built on it yet: each variable's first value
	}
	stack := []string{name}
	for len(stack) > 0 {
		n := m.find(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		if n == nil {
			continue
		}
		n.entries = [2][2]*memoEntry{}
		if n.user != "" {
			stack = append(stack, n.user)
		}
		stack = append(stack, n.users...)
		n.user, n.users = "", nil
	}
}

// v12Fast is expandValueV12 for values whose rewriting is plain
// substitution, memoised over one expandV12 run.
type v12Fast struct {
	processEnv, running map[string]string
	v1000               bool
	memo                memo
	budget              *budget
}

// fail is why the fast path gives a value back to the port.
type fail int

const (
	fastOK   fail = iota
	fastNo        // not provably plain substitution: the port decides
	fastOver      // the budget ran out
)

func (f *v12Fast) get(k string) string {
	if v, ok := f.processEnv[k]; ok {
		return v
	}
	return f.running[k]
}

// seed records key's expansion where later references to it look it up:
// dotenv-expand 1000 looks a key up by its raw value (processEnv), which
// expands to what the top of the run just produced for it (at the edge,
// where no word follows: the strictest context but one). So a chain of
// values each adding to the one before is held once, not twice.
func (f *v12Fast) seed(key, raw, text string) {
	if f.get(key) == raw {
		f.memo.of(key).put(memoKey{key, false, true}, &memoEntry{val: raw, text: text})
	}
}

// plainText reports whether s holds nothing a rewriting reads: no '$' and
// no backslash (which escapes a '$' after it).
func plainText(s string) bool {
	return strings.IndexByte(s, '$') < 0 && strings.IndexByte(s, '\\') < 0
}

// expand is expandValueV12(value) for key when it returns fastOK. A
// reference back to key itself is the port's: its text is the first the
// rewriting has seen.
func (f *v12Fast) expand(key, value string) (string, fail) {
	if strings.IndexByte(value, '$') < 0 && strings.IndexByte(value, '\\') < 0 {
		return value, fastOK
	}
	if !simple(value, true) {
		return "", fastNo
	}
	n := f.memo.of(key)
	n.busy = true
	defer func() { n.busy = false }()
	var b joiner
	for p, rest := range pieces(value) {
		if p.name == "" {
			b.add(p.text)
			continue
		}
		edge := rest == "" && b.len() == 0
		// key is recorded as a user of what it refers to: seed keeps
		// key's expansion, which a later change to one of them (A taking
		// the environment's value after B = ${A} was expanded) must drop.
		t, _, why := f.ref(p, startsWord(rest), edge, key)
		if why == fastOK && !f.budget.spend(len(t)) {
			why = fastOver
		}
		if why != fastOK {
			return "", why
		}
		b.add(t)
	}
	return b.String(), fastOK
}

// ref is the text a reference is replaced by, fully expanded, in its
// context; by is the expansion it is part of (nil at the top).
//
// What makes it the rewriting's answer: the text before a reference never
// holds a '$' (so the first match is always the next reference, and the
// first occurrence of its template is that match), values hold no
// replacement pattern ($&, $$, ...), and with no cycle among the variables
// no text ever comes back, so neither the "seen" tests nor dotenv-expand
// 1000's stop on a repeated text fire. The one test that can fire is the
// stop when the text equals the variable's running value: only possible
// when that value holds a '$' and the reference is the whole text (the
// "edge"), which is left to the port.
func (f *v12Fast) ref(p piece, nextWord, edge bool, by string) (string, int, fail) {
	if p.unbraced && nextWord {
		return "", 0, fastNo // $A followed by a word character: a longer name
	}
	n := f.memo.of(p.name)
	if n.busy {
		return "", 0, fastNo // a cycle: the "seen" tests decide
	}
	val := f.get(p.name)
	plain := plainText(val)
	if !plain && !f.budget.spend(len(val)) { // the search below, and the copy
		return "", 0, fastOver
	}
	if f.v1000 && val != p.text && strings.Contains(val, p.text) {
		return "", 0, fastNo // the port reports the hang
	}
	rk, hasRk := f.running[p.name]
	rkDollar := hasRk && strings.IndexByte(rk, '$') >= 0
	if rkDollar && val != rk {
		return "", 0, fastNo
	}
	if by != "" {
		n.addUser(by)
	}
	if val == "" {
		return "", 1, fastOK
	}
	if edge && rkDollar {
		// The text is now the running value, and the rewriting stops:
		// what it stops with (the value as a replacement pattern, or the
		// default when the value is a text it has seen) is the port's.
		return "", 0, fastNo
	}
	if plain {
		return val, 1, fastOK // nothing in it to expand: itself, not a copy
	}
	k := memoKey{p.name, nextWord, edge}
	if e, ok := n.get(k, val); ok {
		return e.text, e.steps, fastOK
	}
	if !simple(val, true) {
		return "", 0, fastNo
	}
	n.busy = true
	defer func() { n.busy = false }()
	var b joiner
	steps := 1
	for q, rest := range pieces(val) {
		if q.name == "" {
			b.add(q.text)
			continue
		}
		last := rest == ""
		nw := nextWord
		if !last {
			nw = startsWord(rest)
		}
		t, m, why := f.ref(q, nw, edge && last && b.len() == 0, p.name)
		if why == fastOK && !f.budget.spend(len(t)) {
			why = fastOver
		}
		if why != fastOK {
			return "", 0, why
		}
		b.add(t)
		steps += m
	}
	e := &memoEntry{val: val, text: b.String(), steps: steps}
	n.put(k, e)
	return e.text, steps, fastOK
}

// nextFast is interpolateNext for values whose rewriting is plain
// substitution (only ${NAME} references, no defaults, no backslash),
// memoised over one expandNext run. Next's rewriting recurses once per
// reference replaced, so it keeps the port's depth limit (JavaScript's
// stack): a value that needs more steps than maxExpansions skips the file.
type nextFast struct {
	environment, parsed map[string]string
	memo                memo
	budget              *budget
}

func (f *nextFast) get(k string) string {
	if v := f.environment[k]; v != "" {
		return v
	}
	return f.parsed[k]
}

// expand is interpolateNext(v) for key when it returns fastOK; ok false
// is the port's false (the file is skipped). A reference back to key is
// the port's.
func (f *nextFast) expand(key, v string) (out string, ok bool, why fail) {
	if strings.IndexByte(v, '$') < 0 && strings.IndexByte(v, '\\') < 0 {
		return v, true, fastOK
	}
	if !simple(v, false) {
		return "", false, fastNo
	}
	n := f.memo.of(key)
	n.busy = true
	defer func() { n.busy = false }()
	var b joiner
	steps := 0
	for p := range pieces(v) {
		if p.name == "" {
			b.add(p.text)
			continue
		}
		t, m, why := f.ref(p.name, "")
		if why == fastOK && !f.budget.spend(len(t)) {
			why = fastOver
		}
		if why != fastOK {
			return "", false, why
		}
		b.add(t)
		steps += m
	}
	if steps > maxExpansions || b.len() > maxExpandedLen {
		return "", false, fastOK // JavaScript's stack overflows first
	}
	return b.String(), true, fastOK
}

// ref is a reference's replacement, fully expanded, and the steps it took.
// In this simple form every text is only literals and ${NAME}: replacing
// any reference first (Next takes the rightmost, and replaces the first
// occurrence of its text) gives the same final text, as long as no
// variable leads back to itself.
func (f *nextFast) ref(name, by string) (string, int, fail) {
	n := f.memo.of(name)
	if n.busy {
		return "", 0, fastNo
	}
	val := f.get(name)
	if by != "" {
		n.addUser(by)
	}
	if plainText(val) {
		return val, 1, fastOK // the value itself, not a copy
	}
	k := memoKey{name: name}
	if e, ok := n.get(k, val); ok {
		return e.text, e.steps, fastOK
	}
	if !simple(val, false) {
		return "", 0, fastNo
	}
	n.busy = true
	defer func() { n.busy = false }()
	var b joiner
	steps := 1
	for q := range pieces(val) {
		if q.name == "" {
			b.add(q.text)
			continue
		}
		t, m, why := f.ref(q.name, name)
		if why == fastOK && !f.budget.spend(len(t)) {
			why = fastOver
		}
		if why != fastOK {
			return "", 0, why
		}
		b.add(t)
		steps = min(steps+m, maxExpansions+1) // saturate: past it the value is skipped anyway
	}
	e := &memoEntry{val: val, text: b.String(), steps: steps}
	n.put(k, e)
	return e.text, steps, fastOK
}
