package models_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/models"
)

// alembicPython is the interpreter of the alembic on PATH (SQLAlchemy is
// installed beside it); in CI (CI=true) its absence fails the test.
func alembicPython(t *testing.T) string {
	return scriptPython(t, "alembic", "Alembic", ".ci/run installs it", "apt-get install alembic")
}

// One command reads the models once: ci's schema check and its plan (and
// migrate up --plan's plan and its check after) each read them, and each
// reading was an interpreter start (0.5-0.7 s of CPU) importing the
// repository's code. The project's Python (.venv/bin/python, as dbguard
// finds it) counts its starts.
func TestModelsReadOncePerCommand(t *testing.T) {
	py := alembicPython(t)
	dir := t.TempDir()
	starts := filepath.Join(dir, "starts")
	files := map[string]string{
		".venv/bin/python": "#!/bin/sh\necho start >> " + starts + "\nexec " + py + " \"$@\"\n",
		"app/__init__.py":  "",
		"app/models.py":    "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\nclass Item(Base):\n    __tablename__ = \"item\"\n    id = Column(Integer, primary_key=True)\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		data, _ := os.ReadFile(starts)
		return strings.Count(string(data), "start")
	}
	ctx := context.Background()
	read := func(cfg *config.Config) {
		t.Helper()
		r, err := models.Read(ctx, models.Options{Config: cfg, RunPython: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Sets) != 1 || len(r.Sets[0].Tables) != 1 || r.Sets[0].Tables[0].Name != "item" {
			t.Fatalf("read %+v", r.Sets)
		}
	}
	cfg := config.Default(dir)
	cfg.Models.SQLAlchemy = "app.models:Base"
	read(cfg)
	read(cfg)
	if n := count(); n != 1 {
		t.Errorf("one command's two readings started Python %d times, want 1", n)
	}
	// Another command (its own configuration) reads them again.
	other := config.Default(dir)
	other.Models.SQLAlchemy = "app.models:Base"
	read(other)
	if n := count(); n != 2 {
		t.Errorf("another command's reading: %d Python starts in all, want 2", n)
	}
}
