package tool

import (
	"strings"
	"testing"
)

// TestAttackKindOfNpmExec: `npm exec prisma migrate deploy` (npm's own
// npx), `npm x ...` and `bun x ...` (bunx) were no tool's to exec, which
// ran Prisma or dbmate with none of its checks and without the
// variables it reads (DIRECT_URL). Found by review9a at 139e3a89.
func TestAttackKindOfNpmExec(t *testing.T) {
	for line, want := range map[string]Kind{
		"npm exec prisma migrate deploy":         Prisma,
		"npm exec -- prisma migrate deploy":      Prisma,
		"npm x prisma migrate deploy":            Prisma,
		"npm exec --yes prisma@6 migrate deploy": Prisma,
		"npm exec -- dbmate up":                  Dbmate,
		"bun x prisma migrate deploy":            Prisma,
		"uv run npm exec prisma migrate deploy":  Prisma,
		"npm run prisma":                         "",
		"npm install prisma":                     "",
		"npm exec eslint":                        "",
		"bun exec prisma":                        "",
		"bun install prisma":                     "",
		"npx prisma migrate deploy":              Prisma,
		"pnpm exec prisma migrate deploy":        Prisma,
	} {
		if got := KindOf(strings.Fields(line)); got != want {
			t.Errorf("%s: %q, want %q", line, got, want)
		}
	}
}
