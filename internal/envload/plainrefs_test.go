package envload

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// agreeOnPlainRefs checks the claim Input.parse rests on for a file plain
// but for ${NAME} references: each dialect's shortcut reads it as the
// dialect's port does, definitions, lines, expansion and errors alike.
func agreeOnPlainRefs(t *testing.T, data []byte, env map[string]string) bool {
	t.Helper()
	if !plainRefsFile(data) || plainFile(data) {
		return false
	}
	in := &Input{Environ: env, Files: func(string) ([]byte, bool, error) { return data, true, nil }}
	for _, d := range dialects {
		port, pskip, perr := d.parse(&Input{Environ: env}, ".env", data)
		fast := in.parse(d, ".env")
		if !fast.ok || len(fast.skip) != 0 || len(pskip) != 0 {
			t.Fatalf("%s: the shortcut read %q as ok=%v with %d skipped lines, the port with %d", d.name, data, fast.ok, len(fast.skip), len(pskip))
		}
		if got, want := defsShown(fast.defs), defsShown(port); got != want {
			t.Fatalf("env %q, file %.300q:\n%s's port reads %.500s\nthe shortcut reads %.500s", env, data, d.name, want, got)
		}
		if got, want := fmt.Sprint(fast.err), fmt.Sprint(perr); got != want {
			t.Fatalf("file %.300q: %s's port fails with %s\nthe shortcut with %s", data, d.name, want, got)
		}
	}
	return true
}

func defsShown(defs []Def) string {
	var b strings.Builder
	for _, d := range defs {
		fmt.Fprintf(&b, "%s=%q@%d q%d e%v n%v; ", d.Key, d.Value, d.Line, d.Quote, d.Expanded, d.NoValue)
	}
	return b.String()
}

func TestPlainRefsFilesAgree(t *testing.T) {
	cases, _ := filepath.Glob("testdata/conformance/cases/*.txtar")
	for _, file := range cases {
		c := loadCase(t, file)
		for _, data := range c.files {
			agreeOnPlainRefs(t, data, map[string]string{})
		}
	}
	none := map[string]string{}
	for _, s := range []string{
		"A=${B}\n", "B=1\nA=${B}\n", "A=x${B}y${C}z\nB=${A}\n", "A=${A}\n", "A=${_}\n", "A=${B1}${B1}\n",
		"B=1\nA=postgres://u:${B}@h/db\n", "A=${B}}\n", "A={${B}\n", "B=1\nB=${B}${B}\n",
	} {
		if !agreeOnPlainRefs(t, []byte(s), none) {
			t.Errorf("plainRefsFile(%q) = false", s)
		}
	}
	for _, s := range []string{"A=$B\n", "A=${b}\n", "A=${1B}\n", "A=${B\n", "A=$${B}\n", "A=${B:-x}\n", "A=${}\n", "A=$\n", "A=1\n", "A=${B}"} {
		if plainRefsFile([]byte(s)) && !plainFile([]byte(s)) {
			t.Errorf("plainRefsFile(%q) = true", s)
		}
	}
	// Random plain-refs files, fixed seeds, with and without an
	// environment holding some of the names (values with '$' too: a
	// looked-up value is never expanded again).
	envs := []map[string]string{none, {"A": "env", "B": "", "C": "${A}$x"}}
	rng := rand.New(rand.NewPCG(26, 6))
	const valueChars = "abcXYZ019:/@?=%&.-_+,;!()[]{}~* <>|^"
	names := []string{"A", "B", "C", "DATABASE_URL", "_X1", "export_A", "_b"}
	n := 0
	for range 4000 {
		var b strings.Builder
		for l := rng.IntN(8); l >= 0; l-- {
			switch rng.IntN(6) {
			case 0:
				b.WriteString("\n")
				continue
			case 1:
				b.WriteString("# $note\n")
				continue
			}
			b.WriteString(names[rng.IntN(len(names))] + "=")
			var v []byte
			for i := rng.IntN(5); i >= 0; i-- {
				if rng.IntN(3) == 0 {
					v = append(v, "${"+names[rng.IntN(len(names))]+"}"...)
					continue
				}
				v = append(v, valueChars[rng.IntN(len(valueChars))])
			}
			b.Write(v)
			b.WriteString("\n")
		}
		if agreeOnPlainRefs(t, []byte(b.String()), envs[rng.IntN(len(envs))]) {
			n++
		}
	}
	if n < 1000 {
		t.Errorf("only %d of the random files are plain-refs files", n)
	}
}

// TestPlainRefsBudget: a chain of variables each one longer than the one
// before runs out of godotenv's and compose's budget at the same line in
// the shortcut as in the ports, and a chain of the same ones within it
// reads alike.
func TestPlainRefsBudget(t *testing.T) {
	for _, n := range []int{300, 4500} {
		var b strings.Builder
		b.WriteString("V0=start\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "V%d=${V%d}x\n", i, i-1)
		}
		data := []byte(b.String())
		if !agreeOnPlainRefs(t, data, map[string]string{}) {
			t.Fatal("a growing chain is no plain-refs file")
		}
		in := &Input{Environ: map[string]string{}, Files: func(string) ([]byte, bool, error) { return data, true, nil }}
		over := strings.Contains(fmt.Sprint(in.parse(dialectGodotenv, ".env").err), "budget")
		if over != (n > 1000) {
			t.Errorf("%d variables: over the budget = %v", n, over)
		}
	}
}
