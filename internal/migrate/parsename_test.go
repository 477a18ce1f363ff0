package migrate

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/golang-migrate/migrate/v4/source"
)

// sameParse fails t when parseName and golang-migrate's source.Parse
// disagree on name: the migration, or the error (ErrParse, or the same
// error text for a version out of range).
func sameParse(t *testing.T, name string) {
	t.Helper()
	got, gerr := parseName(name)
	want, werr := source.Parse(name)
	if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) ||
		gerr != nil && (errors.Is(gerr, source.ErrParse) != errors.Is(werr, source.ErrParse) || gerr.Error() != werr.Error()) {
		t.Errorf("%q: parseName %+v, %v; source.Parse %+v, %v", name, got, gerr, want, werr)
	}
}

// TestParseNameAsGolangMigrate: every name built from the pieces a
// migration name is made of (and the ones that break it) parses as
// golang-migrate parses it.
func TestParseNameAsGolangMigrate(t *testing.T) {
	t.Parallel()
	heads := []string{"", "1", "000001", "0", "18446744073709551615", "18446744073709551616", "99999999999999999999", "1a", "a1", "-1", "+1", "١"}
	mids := []string{"", "_", "__", "_a", "_a.b", "_.up.", "_x.up.y.down.z", "_\n", "_a\nb", "a", ".", "_ü", "_\xff", "_\r"}
	tails := []string{"", ".up.sql", ".down.sql", ".up.", ".down.", ".up", ".UP.sql", ".up.sql\n", ".up.sql.bak", ".down.up.sql", ".up.down.", "..up..", ".upsql", "up.sql", ".up.\xff", ".down.tar.gz"}
	n := 0
	for _, h := range heads {
		for _, m := range mids {
			for _, tl := range tails {
				sameParse(t, h+m+tl)
				sameParse(t, h+m+tl+tl)
				n += 2
			}
		}
	}
	for _, name := range []string{"1_.up.sql", "1_a.up.sql\n", "\n1_a.up.sql", "1_a.up.sq\nl", strings.Repeat("9", 40) + "_a.up.sql"} {
		sameParse(t, name)
		n++
	}
	t.Logf("%d names", n)
}

func FuzzParseNameAsGolangMigrate(f *testing.F) {
	for _, s := range []string{"000001_init.up.sql", "1_a.down.sql", "1_x.up.y.down.z", "18446744073709551616_a.up.sql", "1_a\n.up.sql", "README.md", "1_.up."} {
		f.Add(s)
	}
	f.Fuzz(sameParse)
}
