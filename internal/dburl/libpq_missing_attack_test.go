package dburl_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// psqlSays is what the real psql prints for the connection string conn,
// which it refuses before connecting anywhere.
func psqlSays(t *testing.T, conn string) string {
	t.Helper()
	dir, err := pgtest.BinDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	cmd := exec.Command(filepath.Join(dir, "psql"), "-w", conn)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PGCONNECT_TIMEOUT=1"}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("psql accepted %q: %s", conn, out)
	}
	return string(out)
}

// TestAttackRedactLibpqMissingEquals (round 14): libpq refuses a
// password written with an unquoted blank, and psql 15 (psycopg2 too)
// prints only `missing "=" after "sZQ2" in connection info string`: the
// password's second word, with no string before it for the patterns to
// read. It showed. Where dbguard read the string and could not parse it
// (an env file's DATABASE_URL, an argument), the words after the value
// are registered and the complaint's word masked; where the string is in
// the same text before the complaint (a traceback's source line), the
// word is masked in both. A word that follows no password shows.
func TestAttackRedactLibpqMissingEquals(t *testing.T) {
	conn := "host=/nonexistent password=sZQ1 sZQ2 port=5432"
	said := psqlSays(t, conn)
	if !strings.Contains(said, `missing "=" after "sZQ2" in connection info string`) {
		t.Fatalf("psql said %q", said)
	}
	inText := "    psycopg2.connect(\"" + conn + "\")\n" + "psycopg2.OperationalError: " + strings.TrimPrefix(said, "psql: error: ")
	if got := dburl.RedactText(inText); strings.Contains(got, "ZQ") || !strings.Contains(got, "port=5432") {
		t.Errorf("in one text:\n%s\nmasked:\n%s", inText, got)
	}
	typo := psqlSays(t, "hots host=/nonexistent password=x")
	if got := dburl.RedactText(typo); got != typo {
		t.Errorf("a typo's word was masked: %q", got)
	}
	// The registered string: psql's line alone.
	if got := dburl.RedactText(said); !strings.Contains(got, "sZQ2") {
		t.Fatalf("masked before the string was read: %q", got)
	}
	dburl.AddUnparsedSecrets(conn)
	if got := dburl.RedactText(said); strings.Contains(got, "ZQ") {
		t.Errorf("psql said %q, masked %q", said, got)
	}
	if got := dburl.RedactText("echo 'sZQ1 sZQ2'"); strings.Contains(got, "ZQ") {
		t.Errorf("the password as the person meant it: %q", got)
	}
}
