package config

import (
	"runtime"
	"testing"
)

// TestNotInside: a folder or file dbguard.yaml names leads out of the
// project in the slash form everywhere, and in the backslash and drive
// forms where the system reads them so (Windows).
func TestNotInside(t *testing.T) {
	cases := map[string]bool{
		"": false, ".": false, "db/migrations": false, "./schema.sql": false,
		"..x/y": false, "a/../b": false,
		"..": true, "../x": true, "a/../../x": true, "/etc/x": true, "./../x": true,
	}
	windows := map[string]bool{`..\evil.sql`: true, `a\..\..\x`: true, `C:evil.sql`: true, `C:\x`: true, `\\host\share\x`: true, `db\migrations`: false}
	for f, out := range windows {
		// Elsewhere a backslash is part of a name, inside the root.
		cases[f] = out && runtime.GOOS == "windows"
	}
	for f, want := range cases {
		if got := notInside(f); got != want {
			t.Errorf("notInside(%q) = %v, want %v", f, got, want)
		}
	}
}
