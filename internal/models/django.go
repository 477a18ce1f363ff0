package models

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

//go:embed read_django.py
var djangoReader []byte

// djangoSettingsRE is manage.py's os.environ.setdefault of the settings
// module, read as text: manage.py itself never runs.
var djangoSettingsRE = lazyre.New(`setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][A-Za-z0-9_.]*)["']\s*\)`)

// djangoSource is a Django project: its manage.py and settings module.
type djangoSource struct {
	manage   string // manage.py, absolute
	settings string // "" until read
}

func (s *djangoSource) show() string {
	if s.settings == "" {
		return "INSTALLED_APPS of " + output.RelPath(s.manage)
	}
	return "INSTALLED_APPS of " + s.settings + " (" + output.RelPath(s.manage) + ")"
}

// findDjango is models.django, else a manage.py in the migrations' working
// folder or the root; nil when there is none.
func findDjango(cfg *config.Config) *djangoSource {
	if f := cfg.Models.Django; f != "" {
		return &djangoSource{manage: filepath.Join(cfg.Root, filepath.FromSlash(f))}
	}
	for _, d := range []string{cfg.Workdir(), cfg.Root} {
		p := filepath.Join(d, "manage.py")
		if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() {
			return &djangoSource{manage: p}
		}
	}
	return nil
}

// settingsModule is DJANGO_SETTINGS_MODULE as manage.py would set it: the
// environment's when set (setdefault keeps it), else manage.py's default.
func (s *djangoSource) settingsModule(cfg *config.Config) error {
	fail := func(msg, hint string) error { return &ReadError{Source: s.show(), Msg: msg, Hint_: hint} }
	data, err := readInside(cfg.Root, s.manage, maxSmallFile)
	if err != nil {
		return fail(tooLarge(err), "set models.django in dbguard.yaml to the project's manage.py (inside the project), or off")
	}
	if v := os.Getenv("DJANGO_SETTINGS_MODULE"); v != "" {
		s.settings = v
		return nil
	}
	m := djangoSettingsRE.FindSubmatch(data)
	if m == nil {
		return fail("no os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"...\") in it", "set DJANGO_SETTINGS_MODULE to the settings module (e.g. mysite.settings) and run the command again, or switch the Django models off (models.django: off)")
	}
	s.settings = string(m[1])
	return nil
}

// readDjango imports the models of INSTALLED_APPS (django.setup()) with
// the project's Python under the connection guard and a time limit.
func readDjango(ctx context.Context, cfg *config.Config, src *djangoSource, u *dburl.URL) (*Set, error) {
	if err := src.settingsModule(cfg); err != nil {
		return nil, err
	}
	dir := filepath.Dir(src.manage)
	py, err := python(cfg, dir, "django-admin")
	if err != nil {
		return nil, &ReadError{Source: src.show(), Msg: "no Python to import them with: " + err.Error(), Hint_: "install python3, or create the project's virtualenv (.venv), then run the command again"}
	}
	out, err := runReader(ctx, cfg, reader{
		show: src.show(), py: py, script: djangoReader, args: []string{src.settings, dir}, dir: dir,
		fix:        "run the command again with --verbose, or switch the Django models off (models.django: off)",
		fixConnect: "query the database in views or commands, not while the apps load (settings, models, AppConfig.ready), then run the command again",
		fixPy:      "make the settings importable from " + output.RelPath(dir) + " (python manage.py check; its virtualenv: .venv), or switch the Django models off (models.django: off)",
	}, u)
	if err != nil {
		return nil, err
	}
	return &Set{Source: "django", From: src.show(), Tables: out.Tables}, nil
}

// readInside reads a file of the project through an os.Root, so that a
// link out of the project is refused, and without waiting on a FIFO
// swapped in since the file was listed as a regular one; past limit
// bytes it reads no more and fails with a *safefile.TooLargeError, which
// tooLarge words.
func readInside(root, file string, limit int64) ([]byte, error) {
	rel, err := filepath.Rel(root, file)
	if err != nil {
		return nil, err
	}
	return safefile.ReadUnder(root, rel, limit)
}

// maxSmallFile is the largest manage.py or drizzle.config.* read: a
// person's is a page; a sparse 1 GiB one was read whole.
const maxSmallFile = 1 << 20

// tooLarge words a *safefile.TooLargeError from readInside: the file's
// size and the cap, else err's own words.
func tooLarge(err error) string {
	var big *safefile.TooLargeError
	if errors.As(err, &big) {
		return fmt.Sprintf("larger than %d MiB (%d bytes); not read", big.Limit>>20, big.Size)
	}
	return err.Error()
}
