package envload

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// The forms' expressions, one a keyword (jsForms), find what the
// alternation of them found, which they replaced: the same matches, so the
// same names and the same side-effect imports, on the reader's own cases
// and on random texts made of the forms' pieces, overlapping and nested.
func TestJSFormsAsAlternation(t *testing.T) {
	// alternation is the one expression of forms, as it was written before;
	// its match's text is the concatenation of its groups (one matches).
	alternation := func(forms []*lazyre.Regexp) *regexp.Regexp {
		var alts []string
		for _, f := range forms {
			alts = append(alts, f.String())
		}
		return regexp.MustCompile(strings.Join(alts, "|"))
	}
	type match struct {
		at, end int
		text    string
	}
	viaForms := func(forms []*lazyre.Regexp, src string) []match {
		var out []match
		for _, m := range jsFormMatches(src, forms) {
			text := ""
			for g := 2; g < len(m); g += 2 {
				if m[g] >= 0 {
					text += src[m[g]:m[g+1]]
				}
			}
			out = append(out, match{m[0], m[1], text})
		}
		return out
	}
	viaAlternation := func(re *regexp.Regexp, src string) []match {
		var out []match
		for _, m := range re.FindAllStringSubmatchIndex(src, -1) {
			text := ""
			for g := 2; g < len(m); g += 2 {
				if m[g] >= 0 {
					text += src[m[g]:m[g+1]]
				}
			}
			out = append(out, match{m[0], m[1], text})
		}
		return out
	}
	sets := map[string][]*lazyre.Regexp{
		"dotenv default": jsDotenvDefault, "dotenv named": jsDotenvNamed, "dotenv side": jsDotenvSide,
		"dotenvx default": jsDotenvxDefault, "dotenvx named": jsDotenvxNamed, "dotenvx side": jsDotenvxSide,
	}
	texts := []string{
		"const dotenv = require('dotenv')\nlet { config } = require(\"dotenv\")\nvar d=require( 'dotenv' )\nimport * as e from 'dotenv'\nimport { config as c, configDotenv } from 'dotenv'\n",
		"import 'dotenv/config'\nrequire('dotenv/config.js')\nimport x from '@dotenvx/dotenvx'\nconst { config } = require('@dotenvx/dotenvx')\nimport '@dotenvx/dotenvx/config'\n",
		"var let = require('dotenv'); const { import {config } = require('dotenv'); import { a, const {config} = require('dotenv')",
		"import myvar from 'dotenv'; import let from 'dotenv'; constx = require('dotenv'); const\n\nx\n=\nrequire(\n'dotenv'\n)",
	}
	// Random texts: whole forms (random keywords, names, blanks, modules),
	// forms cut short, and loose pieces, run together so that one can start
	// inside another.
	pieces := []string{"import", "const", "let", "var", "myvar", "letx", "* as ", " ", "\n", "{", "}", "config",
		"=", "require(", ")", "from", "'dotenv'", "'@dotenvx/dotenvx'", ",", ";", "'"}
	modules := []string{"'dotenv'", "\"dotenv\"", "'@dotenvx/dotenvx'", "'dotenv/config'", "\"@dotenvx/dotenvx/config.js\"", "'dotenv/config.js'", "'other'"}
	names := []string{"d", "$e", "let", "var", "import", "config", "{ config }", "{ config as c, configDotenv: x }", "{ import {config }", "{ a, const {config} "}
	blanks := []string{"", " ", "  ", "\n", "\t"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	form := func() string {
		switch rng.IntN(4) {
		case 0:
			return "import" + pick(blanks) + pick([]string{"", "* as "}) + pick(names) + pick(blanks) + "from" + pick(blanks) + pick(modules)
		case 1:
			return pick([]string{"const", "let", "var", "letx"}) + pick(blanks) + pick(names) + pick(blanks) + "=" + pick(blanks) + "require(" + pick(blanks) + pick(modules) + pick(blanks) + ")"
		case 2:
			return pick([]string{"import", "require("}) + pick(blanks) + pick(modules)
		}
		return pick(pieces)
	}
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			f := form()
			if rng.IntN(4) == 0 {
				f = f[:rng.IntN(len(f)+1)]
			}
			b.WriteString(f)
			b.WriteString(pick(blanks))
		}
		texts = append(texts, b.String())
	}
	found := map[string]int{}
	for name, forms := range sets {
		re := alternation(forms)
		for _, src := range texts {
			want, got := viaAlternation(re, src), viaForms(forms, src)
			if !slices.Equal(got, want) {
				t.Fatalf("%s in %q: the forms found %v, their alternation %v", name, src, got, want)
			}
			found[name] += len(got)
		}
	}
	// The random texts reach every form's matches, not only the cases'.
	for name := range sets {
		if found[name] < 100 {
			t.Errorf("%s: only %d matches in the texts", name, found[name])
		}
	}
}
