package dburl

import "testing"

// TestAttackRedactLeftLeaks: values the patterns showed, in part or
// whole, as their producers print them. Unicode blanks around the
// separator (a no-break space, an em space, an ideographic space);
// Python's and the shell's backslash that continues a line between the
// keyword and its value; pprint's long string split into literals on
// the lines below, each indented to the first's quote (Python 3's pprint,
// width 40); an INI file's bare value with blanks, under any password
// keyword (configparser reads it to the line's end); a URL query
// parameter whose name is percent-encoded (libpq's URI parser decodes
// names too: ?pass%77ord= is password=); a raw blank in a URL's password
// (libpq reads userinfo to the '@' before any '/').
func TestAttackRedactLeftLeaks(t *testing.T) {
	for in, want := range map[string]string{
		"x password\u00a0=\u00a0s3cZQ host=db":     "x password\u00a0=\u00a0**** host=db",
		"PASSWORD\u2003=\u2003s3cZQ":               "PASSWORD\u2003=\u2003****",
		"password\u3000:\u3000'sZQ'":               "password\u3000:\u3000'****'",
		`{"password"` + "\u00a0:\u00a0" + `"sZQ"}`: `{"password"` + "\u00a0:\u00a0" + `"****"}`,
		"  password = \\\n    'sZQ XZQ'\n":         "  password = \\\n    ****\n",
		"export PGPASSWORD=\\\n  sZQ\n":            "export PGPASSWORD=\\\n  ****\n",
		"{'host': 'db',\n 'password': 'aaaa bbbb '\n             'ccZQ ddZQ '\n             'eeZQ'}\n": "{'host': 'db',\n 'password': '****'}\n",
		"{'PASSWORD': \"a'b c \"\n             'dZQ'}":                                                 "{'PASSWORD': \"****\"}",
		"[db]\ndb_password = aZQ bZQ cZQ\nhost = db\n":                                                 "[db]\ndb_password = ****\nhost = db\n",
		"  DB_PASS = aZQ bZQ\n":                         "  DB_PASS = ****\n",
		"passwd\t=\taZQ bZQ":                            "passwd\t=\t****",
		"postgres://h/d?pass%77ord=sZQ&sslmode=require": "postgres://h/d?pass%77ord=****&sslmode=require",
		"postgres://h/d?sslmode=require&%70assword=sZQ": "postgres://h/d?sslmode=require&%70assword=****",
		"postgres://h/d?ssl%70assword=sZQ xZQ":          "postgres://h/d?ssl%70assword=**** xZQ",
		"connecting to postgres://u:aZQ bZQ@h/d now":    "connecting to postgres://u:****@h/d now",
		"postgres://u:a b c@h:5432/d":                   "postgres://u:****@h:5432/d",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// TestRedactLeftLeaksNoOverMask: the rules above mask no more than the
// value. A shell's assignment before a command keeps the command; an
// INI line's keyword must start its line; a string on the next line not
// at the quote's column is no continuation; a URL's port is no password,
// and a '/' before the '@' ends a URL; an encoded name that is no secret's
// keeps its value.
func TestRedactLeftLeaksNoOverMask(t *testing.T) {
	for in, want := range map[string]string{
		"PGPASSWORD=sZQ alembic upgrade head":            "PGPASSWORD=**** alembic upgrade head",
		"x db_password = aZQ bZQ":                        "x db_password = **** bZQ",
		"{'password': 'sZQ',\n 'user': 'app'}":           "{'password': '****',\n 'user': 'app'}",
		"{'password': 'sZQ'\n 'user'}":                   "{'password': '****'\n 'user'}",
		"see postgres://localhost:5432 or mail me@x.org": "see postgres://localhost:5432 or mail me@x.org",
		"see https://example.com/a b@c":                  "see https://example.com/a b@c",
		"postgres://h/d?applic%61tion_name=a%20b&x=1":    "postgres://h/d?applic%61tion_name=a%20b&x=1",
		"password\u00a0is\u00a0required":                 "password\u00a0is\u00a0required",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
