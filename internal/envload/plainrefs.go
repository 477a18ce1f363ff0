package envload

import (
	"bytes"
	"strings"
)

// Files plain but for ${NAME} references.
//
// A chain of variables each naming the one before (VAR_00001=${VAR_00000})
// is no plain file (see plainFile): its values hold '$'. Yet nothing in it
// is syntax any dialect reads differently: every line is NAME=value with a
// value of printable ASCII, and each '$' starts ${NAME}, a name of capitals,
// digits and '_' not starting with a digit. The dialects that read values as
// written (dotenv's, Node's, python-dotenv's and go-envparse's parsers;
// their loaders expand later, each in its own way) then read the file as
// parsePlain does, and the two that expand while they parse (godotenv,
// compose) replace each ${NAME} by a plain lookup: that is all their
// patterns match in such a value. Parsing, once per dialect and mostly
// in regular expressions, was about 40% of resolving a 1 MiB chain.
// TestPlainRefsFilesAgree checks the claim against the ports.

// plainRefsFile reports whether data is a plain file (see plainFile) but
// for ${NAME} references in its values.
func plainRefsFile(data []byte) bool { return plainLines(data, true) }

// plainRef is the length of the ${NAME} reference s starts with (NAME
// [A-Z_][A-Z0-9_]*: godotenv's pattern takes no lower case, compose's no
// leading digit), or 0.
func plainRef[T string | []byte](s T) int {
	if len(s) < 4 || s[0] != '$' || s[1] != '{' || !(s[2] == '_' || s[2] >= 'A' && s[2] <= 'Z') {
		return 0
	}
	for i := 3; i < len(s); i++ {
		switch c := s[i]; {
		case c == '}':
			return i + 1
		case c == '_' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
		default:
			return 0
		}
	}
	return 0
}

// onlyPlainRefs reports whether every '$' in v starts a plain reference.
func onlyPlainRefs(v []byte) bool {
	for {
		i := bytes.IndexByte(v, '$')
		if i < 0 {
			return true
		}
		n := plainRef(v[i:])
		if n == 0 {
			return false
		}
		v = v[i+n:]
	}
}

// substPlainRefs replaces each ${NAME} in v by lookup(NAME).
func substPlainRefs(v string, lookup func(string) string) string {
	i := strings.IndexByte(v, '$')
	if i < 0 {
		return v
	}
	var b strings.Builder
	for i >= 0 {
		b.WriteString(v[:i])
		n := plainRef(v[i:])
		b.WriteString(lookup(v[i+2 : i+n-1]))
		v = v[i+n:]
		i = strings.IndexByte(v, '$')
	}
	b.WriteString(v)
	return b.String()
}

// expandPlainRefs is how godotenv and compose read a plain-refs file:
// parsePlain's definitions, each value's references replaced in file order
// by env's value, when env is not nil and holds the name (compose asks the
// process environment first; godotenv never does), else the file's value
// so far, else "". Each replacement is charged to the file's budget, as
// the ports charge theirs; past it the reading stops at that line.
func expandPlainRefs(loader, file string, data []byte, defs []Def, env map[string]string) ([]Def, error) {
	out := make([]Def, 0, len(defs))
	vars := make(map[string]string, len(defs))
	b := expandBudget(len(data))
	lookup := func(k string) string {
		v, ok := env[k]
		if !ok {
			v = vars[k]
		}
		if !b.spend(len(v)) {
			return ""
		}
		return v
	}
	for _, d := range defs {
		d.Value = substPlainRefs(d.Value, lookup)
		if b.over() {
			return out, overBudget(loader, &Def{Key: d.Key, File: file, Line: d.Line})
		}
		vars[d.Key] = d.Value
		d.Expanded = true
		out = append(out, d)
	}
	return out, nil
}
