package dburl

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// TestAttackRedactForms: forms of a known password that got through the
// literal masking, and a URL whose slashes a JSON encoder escaped.
func TestAttackRedactForms(t *testing.T) {
	pw := `Ab/c'd%e:f,g@S3cret-mixed`
	AddSecret(pw)
	enc := escapeComponent(pw, "") // Ab%2Fc%27d%25e%3Af%2Cg%40S3cret-mixed
	mixed := strings.Replace(strings.Replace(enc, "%2F", "%2f", 1), "%3A", "%3a", 1)
	tests := []struct{ name, text string }{
		{"mixed-case percent-encoding", "pw=" + mixed + " end"},
		{"mixed-case, query form", "pw=" + strings.Replace(url.QueryEscape(pw), "%2F", "%2f", 1)},
		{"SQL literal doubling the quote", `ALTER ROLE app PASSWORD 'Ab/c''d%e:f,g@S3cret-mixed'`},
		{"percent-encoded twice", "next=" + url.QueryEscape(url.QueryEscape(pw))},
		{"percent-encoded twice, mixed case", "next=" + strings.Replace(lowerHex(escapeComponent(enc, "")), "%252f", "%252F", 1)},
		{"JSON with \\/", `{"password":"Ab\/c'd%e:f,g@S3cret-mixed"}`},
		{"GitHub workflow message escaping", "::error::pw Ab/c'd%25e:f,g@S3cret-mixed"},
		{"GitHub workflow property escaping", "::error title=Ab/c'd%25e%3Af%2Cg@S3cret-mixed::x"},
		{"unknown password in a JSON-escaped URL", `{"url":"postgres:\/\/app:Other-S3cret@db\/app"}`},
	}
	for _, tt := range tests {
		got := RedactText(tt.text)
		if strings.Contains(strings.ToLower(got), "s3cret") {
			t.Errorf("%s: %q shows the password", tt.name, got)
		}
	}
}

// TestAttackRedactGluedForms: a URL or a password keyword glued to what
// comes before it (a table name a Drizzle schema chose, an environment
// variable named DB_PASSWORD, a terminal escape) was printed bare: the
// patterns wanted a word boundary before the scheme and the keyword.
func TestAttackRedactGluedForms(t *testing.T) {
	for _, in := range []string{
		"table _postgres://admin:s3cret@host/db is missing",
		"table 9postgres://admin:s3cret@host/db is missing",
		"table \x1b[2Jpostgres://admin:s3cret@host/db is missing",
		"xpostgresql://admin:s3cret@host/db",
		"DB_PASSWORD=s3cret",
		"table DB_PASSWORD=s3cret is missing",
		"APP_PGPASSWORD=s3cret",
		"my_db_pwd=s3cret",
	} {
		if out := RedactText(in); strings.Contains(out, "s3cret") {
			t.Errorf("RedactText(%q) = %q", in, out)
		}
	}
}

// EnvironSecretVar names the process environment's secrets an env file can
// pull into a URL dbguard shows; libpq's file and host variables, and
// names that only hold a key word inside another, are not secrets.
func TestEnvironSecretVarNames(t *testing.T) {
	for _, n := range []string{"GITHUB_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AWS_SECRET_ACCESS_KEY", "aws_access_key_id",
		"STRIPE_API_KEY", "OPENAI_APIKEY", "SECRET_KEY_BASE", "GPG_PRIVATE_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "SSH_PASSPHRASE",
		"DJANGO_SECRET_KEY", "PGPASSWORD", "DB_PASSWD", "MY_KEY_ID",
		"DB_PASS", "smtp_pass", "SMTP_PASS_PRIMARY", "PASS", "DB_PWD", "DB_PWD_RO", "PWD_DB"} {
		if !EnvironSecretVar(n) {
			t.Errorf("%s: not a secret", n)
		}
	}
	for _, n := range []string{"PGSSLKEY", "PGHOST", "PGSSLCERT", "SSH_AUTH_SOCK", "XDG_SESSION_CLASS", "KEYTIMEOUT", "GNOME_KEYRING_CONTROL", "HOME", "PATH", "DATABASE_URL",
		"PWD", "OLDPWD", "BYPASS_CACHE", "COMPASS_URL", "PASSENGER_APP_ENV"} {
		if EnvironSecretVar(n) {
			t.Errorf("%s: a secret", n)
		}
	}
}

// TestEnvironSecretWords: a variable named as a token or key whose value
// is a word or a name is not masked (it would be masked everywhere dbguard
// writes the word); a generated value, or any *PASSWORD* one, is.
func TestEnvironSecretWords(t *testing.T) {
	for _, c := range []struct {
		name, v string
		want    bool
	}{
		{"DJANGO_SECRET_KEY", "development", false},
		{"DB_HOST_KEY", "localhost", false},
		{"AWS_SECRET_NAME", "production/app", false},
		{"SOME_TOKEN", "postgres", false},
		{"GITHUB_TOKEN", "ghp_Tok3nFromTheRunner9876", true},
		{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSecret9876", true},
		{"STRIPE_API_KEY", "sk_live_str1pekey", true},
		{"SHORT_KEY", "aB3", false},
		{"DB_PASSWORD", "postgres", true},
		{"SSH_PASSPHRASE", "correcthorsebatterystaple", true},
		{"DB_CREDENTIALS", "admin:hunter", true},
		{"SSH_KEY_PATH", "/home/runner/.ssh/id_ed", false},
	} {
		if got := EnvironSecret(c.name, c.v); got != c.want {
			t.Errorf("EnvironSecret(%s, %q) = %v, want %v", c.name, c.v, got, c.want)
		}
	}
}

// TestAttackRedactQuotedValue: a password keyword whose value is in double
// quotes (a Python traceback's source line, a TOML or INI setting, a .NET
// connection string) or holds a JSON-escaped quote was printed: the
// pattern knew single quotes only, and an unquoted value stopped at the
// first '"', masking nothing before a leading one.
func TestAttackRedactQuotedValue(t *testing.T) {
	for _, in := range []string{
		`password = "s3cretXY"`,
		`    engine = connect(host="db", password="s3cretXY")`,
		`password="s3c retXY"`,
		`Password="s3c\"retXY";Host=h`,
		`{"dsn":"host=h password=se\"s3cretXY"}`,
		`PGPASSWORD="s3cretXY" alembic upgrade head`,
	} {
		if out := RedactText(in); strings.Contains(out, "s3cret") || strings.Contains(out, "retXY") {
			t.Errorf("RedactText(%q) = %q", in, out)
		}
	}
	// The JSON around an unquoted value is kept.
	if in, want := `{"dsn":"host=h password=s3cretXY","x":1}`, `{"dsn":"host=h password=****","x":1}`; RedactText(in) != want {
		t.Errorf("RedactText(%q) = %q, want %q", in, RedactText(in), want)
	}
	if in, want := `{"dsn":"host=h password=ab\\","x":1}`, `{"dsn":"host=h password=****","x":1}`; RedactText(in) != want {
		t.Errorf("RedactText(%q) = %q, want %q", in, RedactText(in), want)
	}
}

// TestAttackRedactColonValue: a password keyword before ':' with a quoted
// value (JSON, a Python dict in a traceback, a knexfile's connection as
// util.inspect prints it, YAML) was printed: the pattern wanted '='.
func TestAttackRedactColonValue(t *testing.T) {
	for _, in := range []string{
		`{"password": "s3cretXY"}`,
		`{"password":"s3c\"retXY"}`,
		`    'PASSWORD': 's3cretXY',`,
		`connection: { host: 'db', user: 'app', password: 's3cretXY' }`,
		`  password: "s3cretXY"`,
		`{"db_password" : "s3cretXY"}`,
		`{"PGPASSWORD":"s3cretXY"}`,
	} {
		if out := RedactText(in); strings.Contains(out, "s3cret") || strings.Contains(out, "retXY") {
			t.Errorf("RedactText(%q) = %q", in, out)
		}
	}
	// The quotes are kept, and a value already masked stays as it is.
	for in, want := range map[string]string{
		`{"password": "s3cretXY", "x": 1}`: `{"password": "****", "x": 1}`,
		`{'password': 's3c\'retXY'}`:       `{'password': '****'}`,
		`{"password": "****"}`:             `{"password": "****"}`,
	} {
		if out := RedactText(in); out != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, out, want)
		}
	}
	// A count, and prose, are no secret.
	for _, in := range []string{`{"pass": 12, "fail": 0}`, `could not read password: no such file`, `"status": "pass"`} {
		if out := RedactText(in); out != in {
			t.Errorf("RedactText(%q) = %q", in, out)
		}
	}
}

// TestPasswordColonPrefilterRandom: mayHoldPasswordColon lets through
// every text passwordColonRE matches.
func TestPasswordColonPrefilterRandom(t *testing.T) {
	pieces := []string{"p", "P", "a", "s", "S", "ſ", "w", "o", "r", "d", "t", "pass", "pwd", "word", "wd", "ssl", "pg", `"`, `'`, ":", " ", "\t", "=", "x", "\\", "\n"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if passwordColonRE.MatchString(s) && !mayHoldPasswordColon(s) {
			t.Fatalf("passwordColonRE matches %q, the prefilter skips it", s)
		}
	}
}

// TestAttackRedactRubyHashAndPythonPrefix: a password in a Ruby or PHP
// hash (a Rails database configuration inspected in an error from a
// `tool: command` migration: "password"=>"...", :password => '...') or in
// a Python repr with a prefix (u'...' of Python 2, b'...' of bytes) was
// printed: passwordRE took "password =" and masked only the '>', and
// passwordColonRE wanted the quote right after ':'.
func TestAttackRedactRubyHashAndPythonPrefix(t *testing.T) {
	for _, in := range []string{
		`{"adapter"=>"postgresql", "password"=>"s3cretXY", "host"=>"db"}`,
		`{"password" => "s3cretXY"}`,
		`{:password => 's3cretXY'}`,
		`array('password' => 's3cretXY')`,
		`{'PASSWORD': u's3cretXY', 'HOST': u'db'}`,
		`{'password': b's3cretXY'}`,
	} {
		if out := RedactText(in); strings.Contains(out, "s3cret") || strings.Contains(out, "retXY") {
			t.Errorf("RedactText(%q) = %q", in, out)
		}
	}
	// What follows stays: the host is shown.
	if out := RedactText(`{'PASSWORD': u's3cretXY', 'HOST': u'db'}`); !strings.Contains(out, `'HOST': u'db'`) {
		t.Errorf("the rest was masked too: %q", out)
	}
}
