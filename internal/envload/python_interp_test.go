package envload

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// pyVariable is python-dotenv's _posix_variable, which interpolatePython
// matches by hand.
var pyVariable = regexp.MustCompile(`\$\{([^}:]*)(?::-([^}]*))?\}`)

// interpolatePythonRegexp is interpolatePython as it was written with the
// regular expression: the reference it must agree with.
func interpolatePythonRegexp(v string, lookup func(string) (string, bool), b *budget) (_ string, ok bool) {
	ok = true
	out := pyVariable.ReplaceAllStringFunc(v, func(m string) string {
		sub := pyVariable.FindStringSubmatch(m)
		val, set := lookup(sub[1])
		if !set {
			val = sub[2]
		}
		if ok = ok && b.spend(len(val)); !ok {
			return ""
		}
		return val
	})
	return out, ok
}

// TestInterpolatePythonAgrees compares the hand-written matcher with the
// regular expression on generated values (fixed seed), budgets included.
func TestInterpolatePythonAgrees(t *testing.T) {
	vars := map[string]string{"A": "1", "B": "", "AB": "${A}", "a b": "sp"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	const chars = "${}:-AB ab$${:-}}x"
	rng := rand.New(rand.NewPCG(26, 7))
	cases := []string{"", "$", "${", "${}", "${A}", "${A:-x}", "${A:x}", "${C:-d}", "${A:-}", "${:-}", "${A", "$${A}}", "${A:-${B}}", "x${A}y${AB}z", "${A:-x", "${A:}${B}"}
	for range 200000 {
		v := make([]byte, rng.IntN(14))
		for i := range v {
			v[i] = chars[rng.IntN(len(chars))]
		}
		cases = append(cases, string(v))
	}
	for _, v := range cases {
		for _, left := range []int{1 << 20, 1, 0} {
			got, gotOK := interpolatePython(v, lookup, &budget{left: left, work: 1 << 20})
			want, wantOK := interpolatePythonRegexp(v, lookup, &budget{left: left, work: 1 << 20})
			if got != want || gotOK != wantOK {
				t.Fatalf("interpolating %q with %d bytes of budget: %q, %v; the regular expression gives %q, %v", v, left, got, gotOK, want, wantOK)
			}
		}
	}
}
