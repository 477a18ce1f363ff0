package envcheck

import "testing"

// The chains of bench.sh's chain section, resolved in process (for
// -cpuprofile): go test -run '^$' -bench Chain -benchmem ./internal/envcheck
func BenchmarkResolveChain2500(b *testing.B)   { benchChain(b, 2500, false) }
func BenchmarkResolveChain1MiB(b *testing.B)   { benchChain(b, 45500, false) }
func BenchmarkResolveGrowing1MiB(b *testing.B) { benchChain(b, 43600, true) }

func benchChain(b *testing.B, n int, grow bool) {
	root, size := chainTree(n, grow)(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		resolveTree(b, root)
	}
}
