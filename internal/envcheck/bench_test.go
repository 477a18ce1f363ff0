package envcheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// BenchmarkResolve1000 measures the guard's env resolution on a tree of
// 1,000 env files in 500 directories (plus a node_modules it must skip), the
// size issue 6's performance page uses. Run: go test -bench Resolve ./internal/envcheck
func BenchmarkResolve1000(b *testing.B) {
	root := b.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 500; i++ {
		dir := fmt.Sprintf("services/s%03d/app", i)
		body := fmt.Sprintf("# service %d\nPORT=%d\nSECRET_KEY=abc%d\nDATABASE_URL=postgres://app:pw@db.internal:5432/app?sslmode=require\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n", i, 3000+i, i)
		write(dir+"/.env", body)
		write(dir+"/.env.local", "DATABASE_URL=postgres://app:pw@DB.internal/app\n")
		write(fmt.Sprintf("services/s%03d/src/main.go", i), "package main\n")
	}
	for i := 0; i < 200; i++ {
		write(fmt.Sprintf("node_modules/p%d/.env", i), "DATABASE_URL=postgres://x@y/z\n")
	}
	o := OptionsFor(config.Default(root), "", nil)
	b.ResetTimer()
	for b.Loop() {
		r, err := Resolve(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		if r.Err(false) != nil || len(r.Files) != 1000 {
			b.Fatalf("verdict %v, %d files", r.Err(false), len(r.Files))
		}
	}
}
