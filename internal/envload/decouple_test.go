package envload

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// A settings.ini that configparser refuses, or a value it cannot
// interpolate, is an error at its line that never shows a value.
func TestDecoupleIniErrorsHoldNoValue(t *testing.T) {
	const secret = "Zm9vYmFyc2VjcmV0"
	for _, tc := range []struct {
		ini  string
		line int
	}{
		{"DATABASE_URL=postgres://app:" + secret + "@db/app\n", 1},
		{"[settings]\nDATABASE_URL=postgres://app:" + secret + "%40@db/app\n", 2},
		{"[settings]\nDATABASE_URL=postgres://app:%(" + strings.ToLower(secret) + ")s@db/app\n", 2},
		{"[settings]\nA=1\n" + secret + "\n", 3},
		{"[settings]\nA=" + secret + "\na=2\n", 3},
		{"[settings]\n[settings]\n", 2},
		{"[settings]\nA=%(B)s\nB=%(A)s\n", 2},
	} {
		_, _, err := parseDecouple("app/settings.ini", []byte(tc.ini))
		pe, ok := err.(*ParseError)
		if !ok {
			t.Errorf("%q: %T %v, want a *ParseError", tc.ini, err, err)
			continue
		}
		if pe.File != "app/settings.ini" || pe.Line != tc.line {
			t.Errorf("%q: error at %s:%d, want line %d", tc.ini, pe.File, pe.Line, tc.line)
		}
		if msg := pe.Error() + pe.Hint(); strings.Contains(msg, secret) || strings.Contains(msg, strings.ToLower(secret)) {
			t.Errorf("%q: error shows the value: %s", tc.ini, msg)
		}
	}
}

// A settings.ini whose %(name)s references multiply (each value ten of
// the one before, ten deep: 10^10 copies) stops at a budget of the file's
// size, at the option's line, in a bounded time.
func TestDecoupleIniInterpolationBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("[settings]\nv0 = " + strings.Repeat("x", 100) + "\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "v%d = %s\n", i, strings.Repeat(fmt.Sprintf("%%(v%d)s", i-1), 10))
	}
	b.WriteString("DATABASE_URL = postgres://u@h/%(v10)s\n")
	_, _, err := parseDecouple("settings.ini", []byte(b.String()))
	pe, ok := err.(*ParseError)
	if !ok || !strings.Contains(pe.Msg, "expand to more than dbguard reads") {
		t.Fatalf("got %v", err)
	}
}

func FuzzDecoupleIni(f *testing.F) {
	for _, s := range []string{"[settings]\nA=1\n", "[DEFAULT]\nh=x\n[settings]\nB: %(h)s%%\n  more\n\n", "; c\n[a]b]\nk=v\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseDecouple("settings.ini", []byte(s)) // no panic, no endless loop
	})
}

// DjangoEnvironValues' readings are django-environ's own, line by line,
// release by release (testdata/djangoenviron: golden.json recorded by make
// conformance with Debian's python3-django-environ 0.4.4; golden-0.7.0,
// -0.10.0 and -0.11.2 with those releases run from their source, git
// archive vX environ, DJANGO_ENVIRON_SRCS).
func TestDjangoEnvironLines(t *testing.T) {
	for _, g := range []struct {
		file, version string
		reading       int // index in DjangoEnvironValues
	}{
		{"golden.json", "0.4.4", 0},
		{"golden-0.7.0.json", "0.7.0", 1},
		{"golden-0.10.0.json", "0.10.0", 2},
		{"golden-0.11.2.json", "0.11.2", 3},
	} {
		data, err := os.ReadFile("testdata/djangoenviron/" + g.file)
		if err != nil {
			t.Fatal(err)
		}
		var golden struct {
			Version string
			Results []struct {
				Line  string
				Value *string
			}
		}
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
		if golden.Version != g.version || len(golden.Results) < 30 {
			t.Fatalf("%s: golden of django-environ %q with %d lines", g.file, golden.Version, len(golden.Results))
		}
		for _, r := range golden.Results {
			got := DjangoEnvironValues(r.Line, "DATABASE_URL")[g.reading]
			switch {
			case r.Value == nil && got.OK:
				t.Errorf("%s %q: django-environ skips it, the model reads %q", g.version, r.Line, got.Value)
			case r.Value != nil && !got.OK:
				t.Errorf("%s %q: django-environ reads %q, the model skips it", g.version, r.Line, *r.Value)
			case r.Value != nil && got.Value != *r.Value:
				t.Errorf("%s %q: django-environ reads %q, the model %q", g.version, r.Line, *r.Value, got.Value)
			}
		}
	}
}

func TestDecoupleImport(t *testing.T) {
	for _, tc := range []struct {
		src          string
		at, explicit int
	}{
		{"import os\nfrom decouple import config\nX = config('A')\n", 2, 0},
		{"from decouple import Csv, config as cfg\n", 1, 0},
		{"import decouple\nX = decouple.config('A')\n", 1, 0},
		{"from decouple import AutoConfig\nconfig = AutoConfig(search_path='/srv')\n", 0, 2},
		{"from decouple import config, RepositoryEnv, Config\n\nconfig = Config(RepositoryEnv('.env.prod'))\n", 1, 3},
		{"import decouple\nc = decouple.AutoConfig('/srv')\n", 1, 2},
		// botocore's Config is not decouple's.
		{"from decouple import config\nfrom botocore.config import Config\nc = Config(region_name='x')\n", 1, 0},
		{"# from decouple import config\nimport os\n", 0, 0},
		{"from decouple import config, AutoConfig as AC\nprint(config('A'))\nc = AC('/srv')\n", 1, 3},
	} {
		at, explicit := DecoupleImport([]byte(tc.src))
		if at != tc.at || explicit != tc.explicit {
			t.Errorf("%q: import at %d, explicit at %d; want %d, %d", tc.src, at, explicit, tc.at, tc.explicit)
		}
	}
}

// 200,000 options in one section read in linear time (a duplicate check
// that scanned the section per line took minutes).
func TestDecoupleIniManyOptions(t *testing.T) {
	var b strings.Builder
	b.WriteString("[settings]\n")
	for i := range 200000 {
		fmt.Fprintf(&b, "k%d = v\n", i)
	}
	defs, _, err := parseDecouple("settings.ini", []byte(b.String()))
	if err != nil || len(defs) != 200000 {
		t.Fatalf("%d options, %v", len(defs), err)
	}
}
