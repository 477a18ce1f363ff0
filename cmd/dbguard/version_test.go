package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}}
	for _, tc := range []struct {
		name, v, c string
		bi         *debug.BuildInfo
		want       string
	}{
		{"make build: ldflags win", "v0.2.0", "fedcba987654", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}, Settings: rev}, "v0.2.0 (commit fedcba987654)"},
		{"go install module@v0.2.0", "dev", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}}, "v0.2.0 (commit unknown)"},
		{"go build in a checkout with VCS stamping", "dev", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.2.1-0.20250101000000-0123456789ab+dirty"}, Settings: rev}, "v0.2.1-0.20250101000000-0123456789ab+dirty (commit 0123456789ab)"},
		{"go build -buildvcs=false", "dev", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev (commit unknown)"},
		{"no build information", "dev", "", nil, "dev (commit unknown)"},
	} {
		if got := versionFrom(tc.v, tc.c, tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
