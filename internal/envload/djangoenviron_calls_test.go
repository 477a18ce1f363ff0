package envload

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDjangoEnvironCallsParse: which file each read_env call names, from
// the calling file (mysite/settings.py) or the working folder, and what is
// a problem rather than a guess.
func TestDjangoEnvironCallsParse(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // "LINE path|name overwrite pathobject"
		problem   string
	}{
		{"beside", "import environ\nenviron.Env.read_env()\n", "2 mysite/.env", ""},
		{"instance", "env = environ.Env()\nenv.read_env(overwrite=True)\n", "2 mysite/.env overwrite", ""},
		{"literal", "environ.Env.read_env('.env.prod')\n", "1 name:.env.prod", ""},
		{"keyword", "environ.Env.read_env(env_file='config/.env', overwrite=False)\n", "1 name:config/.env", ""},
		{"pathlib", "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nenviron.Env.read_env(BASE_DIR / '.env')\n", "3 .env pathobject", ""},
		{"str pathlib", "BASE_DIR = Path(__file__).resolve().parent.parent\nenviron.Env.read_env(str(BASE_DIR / 'config' / 'app.env'))\n", "2 config/app.env", ""},
		{"os.path", "BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nenviron.Env.read_env(os.path.join(BASE_DIR, '.env'))\n", "2 .env", ""},
		{"parents", "environ.Env.read_env(Path(__file__).resolve().parents[0] / '.env')\n", "1 mysite/.env pathobject", ""},
		{"environ.Path minus", "ROOT = environ.Path(__file__) - 2\nenviron.Env.read_env(str(ROOT) + '/.env')\n", "", "computed at run time"},
		{"commented", "# environ.Env.read_env('.env.old')\nenviron.Env.read_env()\n", "2 mysite/.env", ""},
		{"assigned twice", "BASE_DIR = Path(__file__).parent\nBASE_DIR = Path(__file__).parent.parent\nenviron.Env.read_env(BASE_DIR / '.env')\n", "", "computed at run time"},
		{"computed", "environ.Env.read_env(os.environ['ENV_FILE'])\n", "", "computed at run time"},
		// Attack: BASE_DIR set once with =, then moved by another binding:
		// before, read as the first assignment's folder (the root's .env
		// judged, deploy/.env read by the app).
		{"augmented", "BASE_DIR = Path(__file__).resolve().parent.parent\nBASE_DIR /= 'deploy'\nenviron.Env.read_env(BASE_DIR / '.env')\n", "", "computed at run time"},
		{"augmented str", "BASE_DIR = os.path.dirname(__file__)\nif x: BASE_DIR += '/deploy'\nenviron.Env.read_env(os.path.join(BASE_DIR, '.env'))\n", "", "computed at run time"},
		{"walrus", "BASE_DIR = Path(__file__).parent\nif (BASE_DIR := BASE_DIR / 'deploy'): pass\nenviron.Env.read_env(BASE_DIR / '.env')\n", "", "computed at run time"},
		{"tuple", "BASE_DIR = Path(__file__).parent\nX, BASE_DIR = 1, BASE_DIR / 'deploy'\nenviron.Env.read_env(BASE_DIR / '.env')\n", "", "computed at run time"},
		{"for", "BASE_DIR = Path(__file__).parent\nfor BASE_DIR in [BASE_DIR / 'deploy']: pass\nenviron.Env.read_env(BASE_DIR / '.env')\n", "", "computed at run time"},
		{"with as", "BASE_DIR = Path(__file__).parent\nwith ctx() as BASE_DIR: pass\nenviron.Env.read_env(BASE_DIR / '.env')\n", "", "computed at run time"},
		{"compared", "BASE_DIR = Path(__file__).resolve().parent.parent\nassert BASE_DIR == BASE_DIR\nenviron.Env.read_env(BASE_DIR / '.env')\n", "3 .env pathobject", ""},
		{"above the root", "BASE_DIR = Path(__file__).resolve().parent.parent.parent\nenviron.Env.read_env(BASE_DIR / '.env')\n", "", "read_env reads ../.env, which is outside the project"},
		{"absolute", "environ.Env.read_env('/etc/app.env')\n", "", "read_env reads /etc/app.env, which is outside the project"},
		{"join restarts", "environ.Env.read_env(os.path.join(os.path.dirname(__file__), '/etc/app.env'))\n", "", "outside the project"},
		{"overrides", "environ.Env.read_env(DATABASE_URL='postgres://app:s3cret@h/db')\n", "", "sets a variable in the code"},
		{"encoding", "environ.Env.read_env('.env', encoding='latin-1')\n", "", "is not modelled"},
		{"a password is not shown", "environ.Env.read_env('postgres://app:s3cret@h/db' + x)\n", "", "(a value with a URL)"},
	} {
		calls, _, problems := DjangoEnvironCalls("mysite/settings.py", []byte(tc.src))
		var got []string
		for _, c := range calls {
			s := strings.TrimSpace(strings.Join([]string{strconv.Itoa(c.Line), c.Path}, " "))
			if c.Name != "" {
				s += " name:" + c.Name
			}
			if c.Overwrite {
				s += " overwrite"
			}
			if c.PathObject {
				s += " pathobject"
			}
			got = append(got, s)
		}
		if g := strings.Join(got, "\n"); g != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, g, tc.want)
		}
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.At+": "+p.Msg)
		}
		m := strings.Join(msgs, "\n")
		if tc.problem == "" && m != "" || tc.problem != "" && !strings.Contains(m, tc.problem) {
			t.Errorf("%s: problems %q, want %q", tc.name, m, tc.problem)
		}
		if strings.Contains(m, "s3cret") {
			t.Errorf("%s: a password in a problem: %s", tc.name, m)
		}
	}
}

// TestDjangoEnvironDBCalls: the variable env.db() reads.
func TestDjangoEnvironDBCalls(t *testing.T) {
	_, dbs, problems := DjangoEnvironCalls("s.py", []byte("a = env.db()\nb = env.db('REPLICA_URL')\nc = env.db_url(var=\"X\")\nd = env.db(name)\n"))
	var got []string
	for _, d := range dbs {
		got = append(got, d.At+" "+d.Var)
	}
	if g := strings.Join(got, ", "); g != "s.py:1 DATABASE_URL, s.py:2 REPLICA_URL, s.py:3 X" {
		t.Errorf("got %s", g)
	}
	if len(problems) != 1 || problems[0].At != "s.py:4" {
		t.Errorf("problems %v", problems)
	}
}

// TestAttackDjangoEnvironDBOtherName: django-environ's Env is whatever
// the code names it; env.db() was found only on a name "env", so
// cfg = environ.Env() and cfg.db("PROD_DATABASE_URL") connected the app to
// another variable's database while dbguard env said "ok: one database in
// effect", with no warning. Every name an Env (or FileAwareEnv) is
// assigned to is read, and Env() called in place; a db method of anything
// else is not (pymongo's client.db).
func TestAttackDjangoEnvironDBOtherName(t *testing.T) {
	code := "import environ\n" +
		"cfg = environ.Env(DEBUG=(bool, False))\n" +
		"a = cfg.db(\"PROD_DATABASE_URL\")\n" +
		"E: environ.Env = environ.FileAwareEnv()\n" +
		"b = E.db_url('SECRET_DB_URL')\n" +
		"c = environ.Env().db('INLINE_URL')\n" +
		"d = Env( ).db()\n" +
		"e = client.db('not_django')\n" +
		"f = self.env.db('ATTR_URL')\n"
	_, dbs, problems := DjangoEnvironCalls("s.py", []byte(code))
	var got []string
	for _, d := range dbs {
		got = append(got, d.At+" "+d.Var)
	}
	if g := strings.Join(got, ", "); g != "s.py:3 PROD_DATABASE_URL, s.py:5 SECRET_DB_URL, s.py:6 INLINE_URL, s.py:7 DATABASE_URL, s.py:9 ATTR_URL" {
		t.Errorf("got %s", g)
	}
	if len(problems) != 0 {
		t.Errorf("problems %v", problems)
	}
}

// TestAttackDjangoEnvironCallsLinear: a file of many calls on one line, or
// a long chain of .parent, is read in time linear in its size.
func TestAttackDjangoEnvironCallsLinear(t *testing.T) {
	oneLine := []byte("x = 1; " + strings.Repeat("env.read_env(); env.db(); ", 40000) + "\n")
	chain := []byte("BASE_DIR = Path(__file__)" + strings.Repeat(".parent", 100000) + "\nenviron.Env.read_env(BASE_DIR / '.env')\n")
	for name, src := range map[string][]byte{"one line": oneLine, "chain": chain} {
		start := time.Now()
		calls, dbs, _ := DjangoEnvironCalls("s.py", src)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s (%d bytes): %v", name, len(src), d)
		}
		if name == "one line" && (len(calls) != 40000 || len(dbs) != 40000 || calls[39999].Line != 1) {
			t.Errorf("%s: %d calls, %d env.db", name, len(calls), len(dbs))
		}
	}
	// env.db before read_env: each counted from the top.
	_, dbs, _ := DjangoEnvironCalls("s.py", []byte("a = env.db()\n\n\nenv.read_env()\n"))
	if len(dbs) != 1 || dbs[0].At != "s.py:1" {
		t.Errorf("env.db at %v", dbs)
	}
}
