package dburl

import "testing"

func TestReadKeywordValue(t *testing.T) {
	for _, tt := range []struct {
		s            string
		stop         byte
		value        string
		n            int
		quoted, ends bool
	}{
		{"secret host=h", 0, "secret", 6, false, true},
		{`a\ b c`, 0, "a b", 4, false, true},
		{"p,q) x", ')', "p,q", 3, false, true},
		{`'it''s' x`, 0, "it", 4, true, true},
		{`'it\'s x' y`, 0, "it's x", 9, true, true},
		{`'open`, 0, "open", 5, true, false},
		{"", 0, "", 0, false, true},
	} {
		value, n, quoted, ends := ReadKeywordValue(tt.s, tt.stop)
		if value != tt.value || n != tt.n || quoted != tt.quoted || ends != tt.ends {
			t.Errorf("ReadKeywordValue(%q, %q) = %q, %d, %v, %v; want %q, %d, %v, %v", tt.s, tt.stop, value, n, quoted, ends, tt.value, tt.n, tt.quoted, tt.ends)
		}
	}
}
