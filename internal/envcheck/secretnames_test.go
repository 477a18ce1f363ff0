package envcheck

import (
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// The memo of names says no only for a name whose every value
// dburl.EnvironSecret passes, whatever the case, folding or order of the
// readings asking: a word first must not make a later token of the same
// name pass unmasked.
func TestSecretNamesNeverHideASecret(t *testing.T) {
	names := []string{"API_TOKEN", "api_token", "Api_Token", "DB_PASSWORD", "db_pass", "PWD", "BYPASS", "PGPASSWORD",
		"PG_TOKEN", "PGTOKEN", "MY_ſECRET", "MY_\u212aEY", "X_KEY", "x_key", "PASSPHRASE", "AWS_SECRET_NAME", "PORT", "HOST_KEY"}
	values := []string{"", "dev", "development", "localhost", "ghp_Abc123xyz789", "p%40ss\\w0rd", "päss-wörd-1", "\u212aelvin99", "ſecretſ1", "a b c d e f"}
	for _, order := range [][]string{values, reverse(values)} {
		m := secretNames{}
		for _, n := range names {
			for _, v := range order {
				if dburl.EnvironSecret(n, v) && !m.may(n) {
					t.Fatalf("%s=%q is a secret, the memo says the name may hold none", n, v)
				}
			}
			if got, want := m.may(n), dburl.SecretVar(n) || dburl.EnvironSecretVar(n); got != want {
				t.Fatalf("may(%q) = %v, want %v", n, got, want)
			}
		}
	}
	var none secretNames
	if !none.may("PORT") {
		t.Fatal("a nil memo must test every name")
	}
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
