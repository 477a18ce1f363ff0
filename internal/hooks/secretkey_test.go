package hooks

import (
	"math/rand/v2"
	"testing"
)

// TestSecretKeyAsTheExpression: secretName and passwordName answer as
// secretKey and passwordKey do, for names made of the words they look
// for, their parts, separators and other characters (non-ASCII ones too,
// which the expressions fold: ſ is an s, K a k).
func TestSecretKeyAsTheExpression(t *testing.T) {
	parts := []string{"PASS", "pass", "PWD", "pwd", "WORD", "PASSWORD", "Passwd", "SECRET", "TOKEN", "API", "KEY", "APIKEY",
		"PRIVATE", "ACCESS", "CREDENTIAL", "S", "_", "__", "DB", "BYPASS", "x1", "ſ", "K", "é", "-", ".", " ", "0"}
	names := []string{"", "_", "PASS", "DB_PASS", "DB_PASS_X", "BYPASS_CACHE", "PASSX", "XPASS", "DB_PWD", "PWD_", "API_KEY", "API__KEY",
		"apikey", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIALS", "db_password", "PAſSWORD", "TOKEN", "SECRET_KEY", "PORT", "DATABASE_URL"}
	rng := rand.New(rand.NewPCG(7, 26))
	for range 20000 {
		n := ""
		for l := rng.IntN(5); l >= 0; l-- {
			n += parts[rng.IntN(len(parts))]
		}
		names = append(names, n)
	}
	for _, n := range names {
		if got, want := secretName(n), secretKey.MatchString(n); got != want {
			t.Errorf("secretName(%q) = %v, the expression says %v", n, got, want)
		}
		if got, want := passwordName(n), passwordKey.MatchString(n); got != want {
			t.Errorf("passwordName(%q) = %v, the expression says %v", n, got, want)
		}
	}
}
