package tool

import "testing"

// TestAttackGooseVersionAsGooseReadsIt: dbguard read a goose migration's
// version with ^(\d+)_, goose 3.30 with strconv.ParseInt of the name up
// to its first _ (NumericComponent). +3_x.sql, which goose applies as
// version 3, was no migration to dbguard (a pending migration hidden from
// status and ci), and 4_x_test.go, which goose skips, was pending for
// ever.
func TestAttackGooseVersionAsGooseReadsIt(t *testing.T) {
	for name, want := range map[string]int64{
		"00001_users.sql":            1,
		"+3_steal.sql":               3, // goose: version 3
		"+0003_steal.sql":            3,
		"20240101000000_x.go":        20240101000000,
		"4_users_test.go":            0, // goose skips Go test files
		"0_zero.sql":                 0, // goose refuses: must be > 0
		"-5_neg.sql":                 0,
		"5.sql":                      0, // no _: goose refuses to run
		"5_x.txt":                    0,
		"99999999999999999999_x.sql": 0, // out of int64: goose refuses
	} {
		got, ok := gooseVersion(name)
		if ok != (want != 0) || got != want {
			t.Errorf("gooseVersion(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
}
