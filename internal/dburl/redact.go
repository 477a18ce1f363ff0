package dburl

import (
	"regexp"
	"strings"
)

var (
	// userinfoRE finds scheme://user:password@ in free text. The password
	// part is greedy up to the last '@' before white space, so a password
	// with a raw '@' in it is masked whole rather than in part.
	userinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://[^\s:/?#@]*):\S*@`)
	// passwordRE finds password=... and sslpassword=... in keyword/value
	// strings, URL query strings and PGPASSWORD=... (PGSSLPASSWORD=...)
	// assignments.
	passwordRE = regexp.MustCompile(`(?i)\b((?:pg)?(?:ssl)?(?:password|passwd|passwort|pwd|pass)\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^\s&'"]*)`)
)

// secretKeys are the keywords whose values are never shown.
var secretKeys = map[string]bool{"password": true, "sslpassword": true}

// looksSecret reports whether a keyword or parameter that libpq does not
// know is one a person meant for a secret (passwd=, pwd=, db_password=,
// token=): its value is not shown either, and Parse refuses the keyword
// form of a misspelled password.
func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"pass", "pwd", "secret", "token"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// isSecretKey reports whether a keyword's value is never shown.
func isSecretKey(key string) bool { return secretKeys[key] || looksSecret(key) }

// RedactText masks every password it can find in free text: URL userinfo,
// password= keywords and parameters. It is for text dbguard did not build
// itself, such as error messages from drivers and child processes; for a
// parsed connection string use [URL.Redacted].
func RedactText(s string) string {
	s = userinfoRE.ReplaceAllString(s, "${1}:"+Mask+"@")
	return passwordRE.ReplaceAllString(s, "${1}"+Mask)
}

// Redact parses s and returns its redacted form. A string that cannot be
// parsed may hold a password anywhere, so only its scheme is shown.
func Redact(s string) string {
	if u, err := Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		return s[:i] + "://" + Mask + " (unparsable, hidden)"
	}
	return Mask + " (unparsable, hidden)"
}
