package pullrequest

import "testing"

// TestDetectionMark: the base revision's files detection reads are
// copied, and no others (a golang-migrate folder costs one name).
func TestDetectionMark(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range []struct {
		rel, work, dir string
		want           copyAs
	}{
		{"alembic.ini", ".", "migrations", copyWhole},
		{"backend/prisma/schema.prisma", ".", "migrations", copyWhole},
		{"backend/package.json", ".", "migrations", copyWhole},
		{"backend/prisma.config.ts", ".", "migrations", copyWhole},
		{"api/db/migrations/20240101_x.sql", ".", "migrations", copyWhole},
		{"api/migrations/00001_x.sql", ".", "migrations", copyWhole},
		{"migrations/0001_x.up.sql", ".", "migrations", copyName},
		{"migrations/0002_y.up.sql", ".", "migrations", copyNot}, // one name is enough
		{"migrations/0001_x.down.sql", ".", "migrations", copyNot},
		{"a/b/alembic.ini", ".", "migrations", copyNot},                  // two folders down
		{"node_modules/prisma/package.json", ".", "migrations", copyNot}, // detection skips node_modules/
		{"src/app.go", ".", "migrations", copyNot},
		{"backend/prisma/migrations/1_init/migration.sql", ".", "migrations", copyNot},
		{"svc/alembic.ini", "svc", "migrations", copyWhole},
		{"alembic.ini", "svc", "migrations", copyNot},
	} {
		if got := detectionMark(c.rel, c.work, c.dir, seen); got != c.want {
			t.Errorf("detectionMark(%q, %q, %q) = %d, want %d", c.rel, c.work, c.dir, got, c.want)
		}
	}
}
