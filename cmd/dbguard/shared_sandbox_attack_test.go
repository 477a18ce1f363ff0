package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackSharedSandboxNotInBinary: the scripts' previews share a few
// sandbox servers that the test process started (sandbox.UseShared), reset
// between runs instead of thrown away. No dbguard binary may take that
// path: a repository that could point dbguard at a server it did not
// create would run the branch's migrations there. The only callers are in
// test files, so the linker leaves the code out of a built dbguard; this
// checks the symbols are absent from the binary the other tests run.
func TestAttackSharedSandboxNotInBinary(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "dbguard")
	buildDbguard(t, bin)
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	var found []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		for _, sym := range []string{"internal/sandbox.UseShared", "internal/sandbox.StartShared", "internal/sandbox.takeSlot", "internal/sandbox.reset"} {
			if strings.HasSuffix(f[2], sym) || strings.Contains(f[2], sym+".") {
				found = append(found, f[2])
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("the dbguard binary holds the shared sandbox's code, so something other than a test can reach it: %s", strings.Join(found, ", "))
	}
	// The check sees symbols at all: Start is in every binary.
	if !strings.Contains(string(out), "internal/sandbox.Start\n") {
		t.Fatalf("go tool nm lists no internal/sandbox.Start: the check above proves nothing")
	}
}
