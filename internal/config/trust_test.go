package config

import (
	"slices"
	"strings"
	"testing"
)

// TestTrustFrom: every trust-bearing setting a pull request sets is
// taken from the base, reported at its line; every other setting stays
// the pull request's.
func TestTrustFrom(t *testing.T) {
	pr, err := Parse("/repo/dbguard.yaml", []byte(`version: 1
database:
  url_var: STAGING_DATABASE_URL
  direct_url_vars: [STAGING_DIRECT_URL]
env:
  prefer: files
  mode: test
poolers:
  - name: p
    match: {port: 5432}
    direct: {host: evil.example}
migrations:
  tool: command
  command: {up: "true"}
  table: t2
  ledger: l2
  dir: db
hook:
  allow: ["**"]
schema:
  shadow_url: ${STAGING_SHADOW_URL}
plan:
  severity: {index-not-concurrent: "off"}
  max_file_size: 1GiB
  max_total_size: 2GiB
`))
	if err != nil {
		t.Fatal(err)
	}
	if set := pr.Untrusted(); len(set) != len(TrustKeys) {
		t.Fatalf("Untrusted: %d of %d keys: %+v", len(set), len(TrustKeys), set)
	}
	changes := pr.TrustFrom(Default("/repo"))
	var keys []string
	for _, c := range changes {
		keys = append(keys, c.Key)
		if c.Line < 2 || c.File != "/repo/dbguard.yaml" {
			t.Errorf("%s at %s:%d", c.Key, c.File, c.Line)
		}
	}
	for _, k := range TrustKeys {
		if !slices.Contains(keys, k.Key) {
			t.Errorf("%s not reported", k.Key)
		}
	}
	want := Default("/repo")
	if pr.Database.URLVar != want.Database.URLVar || pr.URLVarGiven || !slices.Equal(pr.Database.DirectURLVars, want.Database.DirectURLVars) ||
		pr.Env.Prefer != PreferRefuse || len(pr.Poolers) != 0 || pr.Migrations.Tool != "" || pr.Migrations.Command != (Commands{}) ||
		pr.Migrations.Table != DefaultMigrationsTable || pr.Migrations.Ledger != DefaultLedgerTable || !slices.Equal(pr.Hook.Allow, want.Hook.Allow) ||
		pr.Schema.ShadowURL != "" || len(pr.Plan.Severity) != 0 || pr.Plan.MaxFileSize != DefaultMaxFileSize || pr.Plan.MaxTotalSize != DefaultMaxTotalSize {
		t.Errorf("not the base's values: %+v", pr)
	}
	if pr.Env.Mode != "test" || pr.Migrations.Dir != "db" {
		t.Errorf("the pull request's own settings changed: mode %q dir %q", pr.Env.Mode, pr.Migrations.Dir)
	}
	if again := pr.TrustFrom(Default("/repo")); len(again) != 0 {
		t.Errorf("a second judgement finds changes: %+v", again)
	}
	for _, c := range changes {
		if m := c.Message(); !strings.Contains(m, "this pull request changes "+c.Key+"; ci judges with the base branch's value (") || strings.ContainsAny(m, "\n\r") {
			t.Errorf("message %q", m)
		}
	}
}

// TestTrustSameAsBase: a pull request that keeps the base's values
// changes nothing, an empty list being no list.
func TestTrustSameAsBase(t *testing.T) {
	text := []byte("version: 1\nhook:\n  allow: [\"docs/**\"]\nplan:\n  severity: {}\n")
	pr, err := Parse("/r/dbguard.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := Parse("/r/dbguard.yaml", text)
	if ch := pr.TrustFrom(base); len(ch) != 0 {
		t.Fatalf("%+v", ch)
	}
	none, _ := Parse("/r/dbguard.yaml", []byte("version: 1\nplan:\n  severity: {}\npoolers: []\n"))
	if set := none.Untrusted(); len(set) != 0 {
		t.Fatalf("empty values are the defaults: %+v", set)
	}
}

// TestTrustMessageNamesTheVariableJudged: a pull request that adds
// dbguard.yaml with url_var (the project's adoption) is judged with
// DATABASE_URL until merged, and the env check then says DATABASE_URL is
// unset. The warning said "the base branch's value (unset)", which named
// neither; it names the variable judged, and no severity is "none".
func TestTrustMessageNamesTheVariableJudged(t *testing.T) {
	pr, err := Parse("/r/dbguard.yaml", []byte("version: 1\ndatabase:\n  url_var: APP_DATABASE_URL\n  direct_url_vars: [APP_DIRECT_URL]\nplan:\n  severity: {drop-table: \"off\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"database.url_var":         "(unset: DATABASE_URL, or the variable a Prisma schema names)",
		"database.direct_url_vars": "([DATABASE_URL_UNPOOLED, DIRECT_URL, POSTGRES_URL_NON_POOLING, DATABASE_UNPOOLED_URL])",
		"plan.severity":            "(none)",
	}
	for _, c := range pr.TrustFrom(Default("/r")) {
		if w := want[c.Key]; w == "" || !strings.Contains(c.Message(), "the base branch's value "+w+" until") {
			t.Errorf("%s: %q, want the value %s", c.Key, c.Message(), w)
		}
	}
}
