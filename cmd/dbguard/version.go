package main

import (
	"fmt"
	"runtime/debug"
)

// Set at build time (make build, goreleaser):
// -ldflags "-X main.version=v1.2.3 -X main.commit=0123456789ab".
var (
	version = "dev"
	commit  = ""
)

// versionString is the version and commit, from the build flags or, for
// `go install ...@v1.2.3` (no ldflags), from the module's build information.
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(version, commit, bi)
}

func versionFrom(v, c string, bi *debug.BuildInfo) string {
	if bi != nil {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && c == "" && len(s.Value) >= 12 {
				c = s.Value[:12]
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("%s (commit %s)", v, c)
}
