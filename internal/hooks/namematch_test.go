package hooks

import "testing"

// TestNameMatcherStarInClass: the matcher took the text after a pattern's
// last star as a literal suffix every match ends with, but a star inside
// a class is no wildcard: "[*]x" matches "*x", which does not end in "]x",
// and the matcher said no where path.Match says yes. (No pattern the hook
// uses today has one; the claim is "match is named(patterns, base)".)
func TestNameMatcherStarInClass(t *testing.T) {
	patterns := [][]string{{"[*]x"}, {"[!*]"}, {"a[*]"}, {"*[*]"}, {`a\*b`}, {"[*]*.env"}}
	names := []string{"*x", "]x", "x", "a", "*", "]", "a*", "a]", "b*", "ab", "a*b", "*.env", "*a.env", "a.env"}
	for _, ps := range patterns {
		m := newNameMatcher(ps)
		for _, n := range names {
			if got, want := m.match(n), named(ps, n); got != want {
				t.Errorf("%q against %q: matcher says %v, path.Match %v", n, ps, got, want)
			}
		}
	}
}

// TestDecides: the files whose change alone runs the env guard, and the
// code files of an ordinary commit, which must not.
func TestDecides(t *testing.T) {
	yes := []string{"dbguard.yaml", "apps/web/dbguard.yaml", "package.json", "apps/web/package.json",
		"pyproject.toml", "requirements-dev.txt", "compose.yaml", "docker-compose.override.yml",
		"prisma/schema.prisma", "schema.prisma", "prisma/schema/user.prisma", "db/app.prisma",
		"prisma.config.ts", "apps/web/prisma.config.mjs", "prisma7.config.cts", ".config/prisma.ts",
		"apps/web/.config/prisma7.js", ".config/prisma/index.ts", ".config/prisma.config.json",
		"prisma.config/index.ts", "app.env", "deploy/worker.env"}
	no := []string{"src/app.ts", "main.go", "prisma/client.ts", "src/prisma.ts", "index.ts",
		"lib/prisma.config.tsx", "README.md", "prisma/migrations/1_init/migration.sql",
		".config/other.ts", "xprisma.config.ts", "dbguard.yml.bak", "packages.json", "app.envrc", "env.go"}
	for _, p := range yes {
		if !decides(p) {
			t.Errorf("decides(%q) = false, want true", p)
		}
	}
	for _, p := range no {
		if decides(p) {
			t.Errorf("decides(%q) = true, want false", p)
		}
	}
}
