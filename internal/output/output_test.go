package output

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/dburl"
)

func TestRedactorMasksAcrossWrites(t *testing.T) {
	var b strings.Builder
	r := NewRedactor(&b)
	// A URL split over two writes is still masked: lines are redacted whole.
	r.Write([]byte("connecting to postgres://app:hun"))
	if b.String() != "connecting to " {
		t.Errorf("a partial line should be written up to its last space only: %q", b.String())
	}
	r.Write([]byte("ter2@db/app\nnext line "))
	if !strings.HasSuffix(b.String(), "next line ") {
		t.Errorf("a prompt ending in a space should show at once: %q", b.String())
	}
	r.Write([]byte("password = 'hun "))
	r.Write([]byte("ter2'"))
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	want := "connecting to postgres://app:****@db/app\nnext line password = ****"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestRedactorConcurrent(t *testing.T) {
	var b strings.Builder
	r := NewRedactor(&b)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				r.Write([]byte("postgres://u:hunter2@h/db\n"))
			}
		}()
	}
	wg.Wait()
	r.Flush()
	if strings.Contains(b.String(), "hunter2") || strings.Count(b.String(), "\n") != 800 {
		t.Errorf("concurrent writes: %d lines, leak=%v", strings.Count(b.String(), "\n"), strings.Contains(b.String(), "hunter2"))
	}
}

func TestTalk(t *testing.T) {
	var b strings.Builder
	talk := Talk{W: &b}
	talk.Errorf("conflict: %d databases.", 2)
	talk.Hintf("run: dbguard env")
	talk.Warnf("careful")
	want := "dbguard: error: conflict: 2 databases\ndbguard: hint: run: dbguard env\ndbguard: warning: careful\n"
	if b.String() != want {
		t.Errorf("got %q", b.String())
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("json", Text, JSON); err != nil || f != JSON {
		t.Errorf("json: %v %v", f, err)
	}
	if _, err := ParseFormat("xml", Text, JSON); err == nil || !strings.Contains(err.Error(), "want text, json") {
		t.Errorf("xml: %v", err)
	}
}

// The passwords dbguard has read are masked as literals, in every form a
// program prints them, not only where a pattern shows them.
func TestRedactorMasksKnownSecrets(t *testing.T) {
	dburl.AddSecret(`Forms S3cret"/é<x`)
	for _, line := range []string{
		`bare Forms S3cret"/é<x`,
		`go json {"password":"Forms S3cret\"/é\u003cx"}`,
		`js json {"password":"Forms S3cret\"/é<x"}`,
		`python json {"password": "Forms S3cret\"/\u00e9<x"}`,
		`php json {"password":"Forms S3cret\"\/é<x"}`,
		`path Forms%20S3cret%22%2F%C3%A9%3Cx`,
		`lower Forms%20S3cret%22%2f%c3%a9%3cx`,
		`query Forms+S3cret%22%2F%C3%A9%3Cx`,
		`keyword password='Forms S3cret"/é<x'`,
	} {
		var b strings.Builder
		r := NewRedactor(&b)
		r.Write([]byte(line + "\n"))
		r.Flush()
		if strings.Contains(b.String(), "S3cret") || !strings.Contains(b.String(), dburl.Mask) {
			t.Errorf("%s\n -> %s", line, b.String())
		}
	}
}

// A password cut across two writes, at any byte, is masked whole; the
// writer holds back no more than the password's beginning.
func TestRedactorSecretAcrossWrites(t *testing.T) {
	const pw = "Split S3cret pw"
	dburl.AddSecret(pw)
	text := "the password is " + pw + " ok\n"
	for i := 1; i < len(text); i++ {
		var b strings.Builder
		r := NewRedactor(&b)
		r.Write([]byte(text[:i]))
		// Up to its last space, as without passwords, but not into one.
		before := text[:min(i, len("the password is "))]
		want := before[:strings.LastIndexByte(before, ' ')+1]
		if i > len("the password is "+pw) {
			want = "the password is **** "
		}
		if i == len("the password ") {
			want = "" // the next write may bring "= value"
		}
		if got := b.String(); got != want {
			t.Errorf("cut at %d: first write shows %q, want %q", i, got, want)
		}
		r.Write([]byte(text[i:]))
		r.Flush()
		if got, want := b.String(), "the password is **** ok\n"; got != want {
			t.Errorf("cut at %d: got %q, want %q", i, got, want)
		}
	}
}

// A prompt still shows at once; only one ending with the beginning of a
// known password waits, for its next write or Flush.
func TestRedactorPromptWithSecrets(t *testing.T) {
	dburl.AddSecret("Prompt S3cret")
	var b strings.Builder
	r := NewRedactor(&b)
	r.Write([]byte("Roll back 2 migrations? [y/N] "))
	if b.String() != "Roll back 2 migrations? [y/N] " {
		t.Errorf("prompt held back: %q", b.String())
	}
	r.Write([]byte("\nsay Prompt "))
	if !strings.HasSuffix(b.String(), "\nsay ") {
		t.Errorf("the beginning of a password should wait: %q", b.String())
	}
	r.Flush()
	if !strings.HasSuffix(b.String(), "\nsay Prompt ") {
		t.Errorf("Flush should write what waited: %q", b.String())
	}
}

// A password shorter than dburl.MinSecretLen, or equal to the user name
// shown next to it, is masked only where a pattern finds it; the longer of
// two passwords starting alike is masked whole.
func TestRedactorSecretLimits(t *testing.T) {
	dburl.AddSecret("abc")
	dburl.AddSecret("apprentice", "apprentice", "db")
	dburl.AddSecret("Limit-S3c")
	dburl.AddSecret("Limit-S3cret")
	var b strings.Builder
	r := NewRedactor(&b)
	r.Write([]byte("abc apprentice postgres://apprentice:apprentice@h/db Limit-S3cret Limit-S3c.\n"))
	r.Flush()
	if want := "abc apprentice postgres://apprentice:****@h/db **** ****.\n"; b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		text, indent string
		width        int
		want         string
	}{
		{"PASS  env  one database", "  ", 100, "PASS  env  one database"},
		{"  read by a, b, c in the root", "    ", 16, "  read by a, b,\n    c in the\n    root"},
		{"a https://a-very-long-url.example/x b", "  ", 10, "a\n  https://a-very-long-url.example/x\n  b"},
		{"ERROR env   x y", "      ", 13, "ERROR env   x\n      y"},
		{"fix: run dbguard migrate create users_change; then x", "  ", 30, "fix: run\n  dbguard migrate create users_change;\n  then x"},
	} {
		if got := Wrap(c.text, c.width, c.indent); got != c.want {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
		}
	}
}

// A long hint becomes several hint lines, cut at "; " but never inside a
// quoted file name, and each fits 100 columns.
func TestHintLinesFit(t *testing.T) {
	var b strings.Builder
	Talk{W: &b}.Hintf("undo the edit (git log -p -- 'm/1_a; b.up.sql' shows it) and put the change in a new migration: dbguard migrate create a_change; if the edit changes nothing, accept it: dbguard migrate accept 1")
	want := "dbguard: hint: undo the edit (git log -p -- 'm/1_a; b.up.sql' shows it) and put the change in a new migration: dbguard migrate create a_change\n" +
		"dbguard: hint: if the edit changes nothing, accept it: dbguard migrate accept 1\n"
	if b.String() != want {
		t.Errorf("got\n%swant\n%s", b.String(), want)
	}
	b.Reset()
	Talk{W: &b}.Hintf("install the server (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql@16), or set schema.shadow_url in dbguard.yaml")
	if strings.Count(b.String(), "\n") != 1 {
		t.Errorf("a hint was cut inside parentheses: %q", b.String())
	}
	b.Reset()
	Talk{W: &b}.Hintf("short; and short")
	if b.String() != "dbguard: hint: short; and short\n" {
		t.Errorf("a hint that fits was cut: %q", b.String())
	}
}

func TestFilePath(t *testing.T) {
	top := t.TempDir()
	for _, d := range []string{".git", "sub/deeper"} {
		if err := os.MkdirAll(filepath.Join(top, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outside := t.TempDir()
	t.Chdir(filepath.Join(top, "sub"))
	for in, want := range map[string]string{
		filepath.Join(top, "sub", "deeper", "x.sql"): filepath.Join("deeper", "x.sql"),
		filepath.Join(top, "dbguard.yaml"):           filepath.Join("..", "dbguard.yaml"),
		filepath.Join(outside, "pgpass"):             filepath.Join(outside, "pgpass"),
		"already/relative.yaml":                      "already/relative.yaml",
	} {
		if got := FilePath(in); got != want {
			t.Errorf("FilePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFlushHeldMasksWhatMayBeASecret: the second Ctrl-C's flush writes
// a held partial line masked, and masks a held end that may be the start
// of a registered password (no rest will complete it).
func TestFlushHeldMasksWhatMayBeASecret(t *testing.T) {
	dburl.AddSecret("Held S3cretQV")
	var b bytes.Buffer
	r := NewRedactor(&b)
	io.WriteString(r, "tool: password=abc and then Held S3cr")
	if b.Len() != 0 {
		t.Fatalf("written before the flush: %q", b.String())
	}
	r.FlushHeld(time.Second)
	if got := b.String(); got != "tool: password=**** and then "+dburl.Mask {
		t.Errorf("FlushHeld wrote %q", got)
	}
	// A Write stuck holding the lock does not keep it waiting.
	r.mu.Lock()
	start := time.Now()
	r.FlushHeld(50 * time.Millisecond)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("FlushHeld waited %s for a stuck write", d)
	}
	r.mu.Unlock()
}

// TestFlushHeldThenEndsTheLine: the second Ctrl-C's own line comes after
// what was held and on a line of its own, after a partial line the
// redactor held or one it had written in part (a prompt); after whole
// lines it follows at once; and writes after it are dropped.
func TestFlushHeldThenEndsTheLine(t *testing.T) {
	last := "dbguard: error: a second interrupt ended dbguard\n"
	for _, c := range []struct{ written, want string }{
		{"tool: password=abc then", "tool: password=**** then\n" + last},
		{"Name: ", "Name: \n" + last},
		{"done\n", "done\n" + last},
		{"", last},
	} {
		var b bytes.Buffer
		r := NewRedactor(&b)
		io.WriteString(r, c.written)
		r.FlushHeldThen(time.Second, last)
		io.WriteString(r, "later\n")
		if got := b.String(); got != c.want {
			t.Errorf("after %q: wrote %q, want %q", c.written, got, c.want)
		}
	}
}

// Columns lays rows out as it did with a strings.Repeat per padded cell:
// rows of different lengths, empty cells, multibyte text, and padding
// longer than its constant.
func TestColumnsAsRepeated(t *testing.T) {
	long := strings.Repeat("x", 150)
	cases := [][][]string{
		nil,
		{{}},
		{{"only"}},
		{{"a", "b"}, {"ccc", "d", "e"}, {"", ""}, {"ffff"}},
		{{"é", "日本語", "x"}, {"plain", "y", "z"}, {"ünïcödé", "", "w"}},
		{{long, "a", "b"}, {"c", long, "d"}, {"e", "f", long}},
		{{"  services/s1/app/.env", "in effect"}, {"  x", "not read"}},
	}
	for _, rows := range cases {
		got, want := Columns(rows), columnsRepeated(rows)
		if !slices.Equal(got, want) {
			t.Errorf("Columns(%q) =\n%q, want\n%q", rows, got, want)
		}
	}
}

func columnsRepeated(rows [][]string) []string {
	var widths []int
	for _, r := range rows {
		for i, c := range r[:max(len(r)-1, 0)] {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	out := make([]string, len(rows))
	for k, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		out[k] = b.String()
	}
	return out
}

// A name that starts with two dots ("..cache") is a folder below the
// base like any other: RelTo and RelPath shorten it, and keep what is
// really above the base as it is.
func TestRelToDotDotNames(t *testing.T) {
	base := filepath.FromSlash("/w/proj")
	for _, c := range []struct{ p, want string }{
		{"/w/proj/..cache/x.sql", "..cache/x.sql"},
		{"/w/proj/...", "..."},
		{"/w/proj", "."},
		{"/w/other/x.sql", "/w/other/x.sql"},
		{"/w/proj/../x.sql", "/w/proj/../x.sql"},
	} {
		if got := RelTo(base, filepath.FromSlash(c.p)); got != filepath.FromSlash(c.want) {
			t.Errorf("RelTo(%q, %q) = %q, want %q", base, c.p, got, c.want)
		}
	}
	wd := t.TempDir()
	t.Chdir(wd)
	if got := RelPath(filepath.Join(wd, "..cache", "a.sql")); got != filepath.Join("..cache", "a.sql") {
		t.Errorf("RelPath = %q, want ..cache/a.sql", got)
	}
}

// FromHere names a folder as a command typed here reaches it: below, as
// RelPath does; above or beside, with ".." steps (InWorkdir's "cd .."
// from a subfolder of the tool's used to print this machine's absolute
// path); with only the file system's root shared, as it is.
func TestFromHere(t *testing.T) {
	top := t.TempDir()
	sub := filepath.Join(top, "app", "alembic")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	for _, c := range []struct{ p, want string }{
		{filepath.Join(sub, "versions"), "versions"},
		{sub, "."},
		{filepath.Join(top, "app"), ".."},
		{top, filepath.Join("..", "..")},
		{filepath.Join(top, "web"), filepath.Join("..", "..", "web")},
		{"relative/x", "relative/x"},
	} {
		if got := FromHere(c.p); got != c.want {
			t.Errorf("FromHere(%q) = %q, want %q", c.p, got, c.want)
		}
	}
	// From a folder one below the root, another top folder is absolute.
	t.Chdir(filepath.VolumeName(top) + string(filepath.Separator) + "tmp")
	if got, want := FromHere(filepath.FromSlash("/usr/lib")), filepath.FromSlash("/usr/lib"); got != want {
		t.Errorf("FromHere(/usr/lib) from /tmp = %q, want %q", got, want)
	}
}

// From a folder reached through a link, ".." read by the kernel (an
// editor, git) is the real folder's parent, not the link's: FromHere
// climbs only where both lead to the same place, else names p as it is.
func TestFromHereThroughLink(t *testing.T) {
	top := t.TempDir()
	real := filepath.Join(top, "real", "deep", "proj")
	if err := os.MkdirAll(filepath.Join(real, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(top, "proj")); err != nil {
		t.Skip(err)
	}
	t.Setenv("PWD", filepath.Join(top, "proj", "sub")) // as a shell that cd'd through the link
	t.Chdir(filepath.Join(top, "proj", "sub"))
	wd, _ := os.Getwd()
	if wd != filepath.Join(top, "proj", "sub") {
		t.Skipf("Getwd is %s, not the link's path", wd)
	}
	// The link's parent by name: ".." from the real folder is real/deep.
	other := filepath.Join(top, "other")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := FromHere(other); got != other {
		t.Errorf("FromHere(%q) through a link = %q, want it as it is", other, got)
	}
	// Inside the project through the link, ".." is the same folder either way.
	if got := FromHere(filepath.Join(top, "proj")); got != ".." {
		t.Errorf("FromHere(project) = %q, want ..", got)
	}
	if got := FromHere(filepath.Join(top, "proj", "db", "migrations")); got != filepath.Join("..", "db", "migrations") {
		t.Errorf("FromHere(missing folder) = %q, want ../db/migrations", got)
	}
}
