package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// envTree writes bench.sh env's tree under root: 1,000 env files in 500
// folders, in a git work tree.
func envTree(tb testing.TB, root string) {
	tb.Helper()
	for i := 1; i <= 500; i++ {
		d := filepath.Join(root, "services", fmt.Sprintf("s%d", i), "app")
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
		body := fmt.Sprintf("PORT=%d\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n", 3000+i)
		if err := os.WriteFile(filepath.Join(d, ".env"), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, ".env.local"), []byte("DATABASE_URL=postgres://app:pw@DB.internal/app\n"), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkEnv1000 runs `dbguard env` in-process on bench.sh env's tree
// (issue 26's 20 ms target).
// Run: go test -run '^$' -bench Env1000 ./cmd/dbguard
func BenchmarkEnv1000(b *testing.B) {
	root := b.TempDir()
	envTree(b, root)
	b.Chdir(root)
	b.ReportAllocs()
	for b.Loop() {
		if code := run([]string{"dbguard", "env"}, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
