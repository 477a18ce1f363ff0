package main

import (
	"errors"
	"testing"
)

// TestServiceHintCdQuoted: --all-services' hint for a service without
// one of its own was `cd my api && dbguard migrate status`, the path
// bare, which sh runs as cd my (review9a at 139e3a89).
func TestServiceHintCdQuoted(t *testing.T) {
	for path, want := range map[string]string{
		"my api":  "cd 'my api' && dbguard migrate status",
		"-worker": "cd ./-worker && dbguard migrate status",
		"apps/db": "cd apps/db && dbguard migrate status",
	} {
		e := &serviceError{Service: "s", Path: path, Err: errors.New("x")}
		if got := e.Hint(); got != want {
			t.Errorf("%q: %q, want %q", path, got, want)
		}
	}
}
