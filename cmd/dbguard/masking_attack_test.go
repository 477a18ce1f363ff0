package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackUnusedPGPASSWORDIsMasked: a PGPASSWORD no URL takes (the URL
// has its own password) was printed by an exec child as it is: it was
// masked only when some URL without a password happened to be completed
// with it.
func TestAttackUnusedPGPASSWORDIsMasked(t *testing.T) {
	pw := uniqueSecret(t)
	t.Setenv("PGPASSWORD", pw)
	inDir(t, map[string]string{".env": "DATABASE_URL=postgres://app:Url-S3cret-pw@db.internal/app\n"})
	var stdout, stderr bytes.Buffer
	code := run([]string{"dbguard", "exec", "--", "sh", "-c", `echo "child: $PGPASSWORD"`}, strings.NewReader(""), &stdout, &stderr)
	all := stdout.String() + stderr.String()
	if code != 0 || !strings.Contains(stdout.String(), "child: ****") {
		t.Fatalf("exit %d, want 0 and the child's line masked:\n%s", code, all)
	}
	if strings.Contains(all, pw) {
		t.Errorf("the exec child showed PGPASSWORD:\n%s", all)
	}
}

// TestAttackLedgerErrorIsMasked: the ledger's error column kept a RAISE
// message with the password in it, for every role that can read the table.
func TestAttackLedgerErrorIsMasked(t *testing.T) {
	pw := uniqueSecret(t)
	dbURL := roleDB(t, pw)
	inDir(t, map[string]string{
		".env":                          "DATABASE_URL=" + dbURL + "\n",
		"migrations/000001_leak.up.sql": "DO $$ BEGIN\n  RAISE EXCEPTION 'pw is %', '" + pw + "';\nEND $$;\n",
	})
	var stdout, stderr bytes.Buffer
	if code := run([]string{"dbguard", "migrate", "up"}, strings.NewReader(""), &stdout, &stderr); code != exitCheckFailed {
		t.Fatalf("exit %d, want %d:\n%s%s", code, exitCheckFailed, stdout.String(), stderr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var stored string
	if err := conn.QueryRow(ctx, "SELECT string_agg(error, ' | ') FROM dbguard_migrations").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stored, "pw is ****") {
		t.Errorf("ledger error = %q, want the message with the password masked", strings.ReplaceAll(stored, pw, "<pw>"))
	}
	if strings.Contains(stored, pw) {
		t.Errorf("the ledger's error column stores the password")
	}
}

// TestShadowURLPasswordIsMasked: the password of the server schema.shadow_url
// names, read from the process environment variable it names (no longer
// from dbguard.yaml), is in the output's redaction net: an exec child
// printing it bare shows ****. Two routes put it there (learnProject, and
// the process environment's URLs, learnt whatever their name): this holds
// the promise, not one route.
func TestShadowURLPasswordIsMasked(t *testing.T) {
	pw := uniqueSecret(t)
	t.Setenv("SHADOW_DATABASE_URL", "postgres://shadow:"+pw+"@shadow.internal/postgres")
	t.Setenv("SHADOW_PW", pw)
	inDir(t, map[string]string{
		".env":         "DATABASE_URL=postgres://app:Url-S3cret-pw@db.internal/app\n",
		"dbguard.yaml": "version: 1\nschema:\n  shadow_url: ${SHADOW_DATABASE_URL}\n",
	})
	var stdout, stderr bytes.Buffer
	code := run([]string{"dbguard", "exec", "--", "sh", "-c", `echo "child: $SHADOW_PW"`}, strings.NewReader(""), &stdout, &stderr)
	all := stdout.String() + stderr.String()
	if code != 0 || !strings.Contains(stdout.String(), "child: ****") {
		t.Fatalf("exit %d, want 0 and the child's line masked:\n%s", code, all)
	}
	if strings.Contains(all, pw) {
		t.Errorf("the exec child showed the shadow server's password:\n%s", all)
	}
}

// TestAttackPasswordWithWorkflowCommandIsMasked: text from outside is
// escaped before it is printed, "##[" as "\x23#[" and a "::name" starting a
// line as "\x3a:name", so that GitHub's runner reads no workflow command in
// it. A password holding either, quoted by a migration's RAISE at the start
// of the server's message, was printed in that escaped form, which the
// output net did not know: migrate up showed the password.
func TestAttackPasswordWithWorkflowCommandIsMasked(t *testing.T) {
	for _, pw := range []string{"Wf##[" + uniqueSecret(t), "::wf-" + uniqueSecret(t)} {
		t.Setenv("APP_PASSWORD", pw)
		inDir(t, map[string]string{
			".env":                          "DATABASE_URL=" + pgtest.DB(t) + "\n",
			"migrations/000001_leak.up.sql": "DO $$ BEGIN\n  RAISE EXCEPTION '%', '" + pw + "';\nEND $$;\n",
		})
		var stdout, stderr bytes.Buffer
		code := run([]string{"dbguard", "migrate", "up"}, strings.NewReader(""), &stdout, &stderr)
		all := stdout.String() + stderr.String()
		if code != exitCheckFailed || !strings.Contains(stderr.String(), "000001_leak.up.sql: ****") {
			t.Errorf("%q: exit %d, want %d and the message masked:\n%s", pw[:5], code, exitCheckFailed, strings.ReplaceAll(all, pw[5:], "<pw>"))
		}
		if strings.Contains(all, pw[5:]) {
			t.Errorf("%q: migrate up showed the password:\n%s", pw[:5], strings.ReplaceAll(all, pw[5:], "<pw>"))
		}
	}
}
