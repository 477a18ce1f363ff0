package doctor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/pg"
)

func TestSameDatabase(t *testing.T) {
	ep := func(db string, oid uint32, sys, tl string) *Endpoint {
		return &Endpoint{Database: db, OID: oid, SystemID: sys, Timeline: tl, connected: true}
	}
	tests := []struct {
		a, b *Endpoint
		want string
	}{
		{ep("app", 5, "", ""), ep("app", 5, "", ""), "same database (current_database(), database oid agree)"},
		{ep("app", 5, "1", "t1"), ep("app", 5, "1", "t1"), "same database (system_identifier, neon.timeline_id, current_database(), database oid agree)"},
		{ep("app", 5, "1", ""), ep("app", 5, "2", ""), "DIFFERENT databases (different servers: system_identifier 1 vs 2)"},
		{ep("neondb", 5, "", "t1"), ep("neondb", 5, "", "t2"), "DIFFERENT databases (different Neon timelines t1 vs t2)"},
		{ep("app", 5, "", ""), ep("app", 6, "", ""), "DIFFERENT databases (app oid 5 vs app oid 6)"},
		{ep("app", 5, "", ""), &Endpoint{}, "cannot tell (an endpoint did not answer)"},
	}
	for _, tt := range tests {
		if got := sameDatabase(tt.a, tt.b); got != tt.want {
			t.Errorf("sameDatabase = %q, want %q", got, tt.want)
		}
	}
}

func TestTextIs80ColumnsAndColourOnlyWhenAsked(t *testing.T) {
	r := &Report{EnvErr: errors.New(strings.Repeat("a long explanation of what went wrong ", 8))}
	r.problem(1, strings.Repeat("word ", 40), strings.Repeat("hint ", 40))
	for _, colour := range []bool{false, true} {
		var b strings.Builder
		if err := r.WriteText(&b, colour); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.Contains(out, "\x1b[") != colour {
			t.Errorf("colour=%v but escape codes present=%v", colour, !colour)
		}
		if colour {
			continue
		}
		for _, line := range strings.Split(out, "\n") {
			if len(line) > 80 {
				t.Errorf("line of %d columns: %q", len(line), line)
			}
		}
	}
}

// --strict makes env warnings problems, as in env and ci: it used to be
// accepted and ignored.
func TestStrict(t *testing.T) {
	root := t.TempDir()
	// A raw '@' in the password: a lint warning, one database.
	if err := os.WriteFile(filepath.Join(root, ".env"), []byte("DATABASE_URL=postgres://u:p@ss@db.invalid/app?connect_timeout=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default(root)
	for _, strict := range []bool{false, true} {
		o := Options{Config: cfg, Env: envcheck.OptionsFor(cfg, "", nil), Strict: strict,
			Connect: pg.ConnectOptions{ConnectTimeout: 50 * time.Millisecond}}
		r := Run(context.Background(), o)
		warned := false
		for _, p := range r.Problems {
			if strings.Contains(p.Text, "raw \"@\"") {
				warned = true
				if (p.Code == 1) != strict {
					t.Errorf("strict=%v: the warning has code %d", strict, p.Code)
				}
			}
		}
		if !warned {
			t.Errorf("strict=%v: no warning among %+v", strict, r.Problems)
		}
	}
}

// TestAttackServerTextEscaped: what a server says (its version string, a
// database's name, an error) reaches the terminal escaped: the only escape
// sequences doctor prints are its own colours, and none without colour.
func TestAttackServerTextEscaped(t *testing.T) {
	r := &Report{EnvErr: errors.New("no env files"), Endpoints: []*Endpoint{
		{Label: "direct", URL: "postgres://h/d", Version: "16.1\x1b[2J", Database: "app\x1b]0;pwned\x07", connected: true},
		{Label: "pooled", URL: "postgres://h:6432/d", Err: errors.New("FATAL: no\r\n::error file=app.go::x\x1b[2J")},
	}}
	var b strings.Builder
	if err := r.WriteText(&b, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\r\x07") {
		t.Errorf("a control character reached the output:\n%q", out)
	}
	for _, want := range []string{`16.1\x1b[2J`, `app\x1b]0;pwned\x07`, `no; ::error file=app.go::x\x1b[2J`} {
		if !strings.Contains(out, want) {
			t.Errorf("%q not shown escaped:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("a line starts a workflow command: %q", line)
		}
	}
}
