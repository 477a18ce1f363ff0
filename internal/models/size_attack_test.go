package models

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// sparse writes head at the start of a sparse file of size bytes.
func sparse(t *testing.T, file, head string, size int64) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(head); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// TestAttackModelsFilesSparseHuge: a sparse manage.py, Drizzle schema or
// Prisma schema of 1 GiB (a few KB in git) was read whole, its time and
// memory, before the models reader found nothing in it or refused the
// total. Each is now read only up to its cap: an error at the file, exit
// 2, saying how large it is.
func TestAttackModelsFilesSparseHuge(t *testing.T) {
	dir := t.TempDir()
	manage := filepath.Join(dir, "manage.py")
	sparse(t, manage, "os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n", 64<<20)
	t.Setenv("DJANGO_SETTINGS_MODULE", "")
	os.Unsetenv("DJANGO_SETTINGS_MODULE")
	cfg := config.Default(dir)
	var err error
	allocated(t, "manage.py", func() { err = (&djangoSource{manage: manage}).settingsModule(cfg) })
	checkTooLarge(t, "manage.py", err, "larger than 1 MiB")

	schema := filepath.Join(dir, "schema.ts")
	sparse(t, schema, "export const users = pgTable('users', { id: serial('id') });\n", 64<<20)
	allocated(t, "schema.ts", func() { _, err = ReadDrizzle(dir, []string{schema}, "") })
	checkTooLarge(t, "schema.ts", err, "more than 16 MiB of schema")

	prisma := filepath.Join(dir, "schema.prisma")
	sparse(t, prisma, "model User {\n  id Int @id\n}\n", 64<<20)
	allocated(t, "schema.prisma", func() { _, err = ReadPrisma(dir, prisma) })
	checkTooLarge(t, "schema.prisma", err, "more than 16 MiB of schema")
}

func checkTooLarge(t *testing.T, name string, err error, want string) {
	t.Helper()
	var re *ReadError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), want) || exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), name) {
		t.Errorf("%s: %v, want a ReadError at the file saying %q, exit 2", name, err, want)
	}
}

// allocated fails when fn allocates 32 MiB or more: the 64 MiB file was
// read whole (a count of bytes, not a time).
func allocated(t *testing.T, name string, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n >= 32<<20 {
		t.Errorf("%s: %d MiB allocated reading a 64 MiB sparse file", name, n>>20)
	}
}
