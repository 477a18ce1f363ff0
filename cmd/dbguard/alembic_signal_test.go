package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// alembicSignalProject is an Alembic project on its own database whose
// models and single revision are given, with dbguard started on
// migrate up; it returns the project's folder once the file named
// started (written by the revision or the models) holds something, and
// that content.
func alembicSignalProject(t *testing.T, models, revision, started string) (dir string, cmd *exec.Cmd, out *bytes.Buffer, content string) {
	t.Helper()
	dbURL := pgtest.DB(t)
	dir = project(t, strings.Replace(dbURL, "postgres://", "postgresql+psycopg2://", 1), nil)
	files := map[string]string{
		"alembic.ini":            "[alembic]\nscript_location = alembic\nprepend_sys_path = .\n",
		"app/__init__.py":        "",
		"app/models.py":          models,
		"alembic/script.py.mako": "",
		"alembic/env.py": "import os\n\nfrom alembic import context\nfrom sqlalchemy import create_engine\n\nfrom app.models import Base\n\n" +
			"target_metadata = Base.metadata\n\nengine = create_engine(os.environ[\"DATABASE_URL\"])\n" +
			"with engine.connect() as connection:\n    context.configure(connection=connection, target_metadata=target_metadata)\n" +
			"    with context.begin_transaction():\n        context.run_migrations()\n",
		"alembic/versions/0001.py": revision,
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd, out = dbguardProcess(t, dir, "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if data, err := os.ReadFile(filepath.Join(dir, started)); err == nil && len(data) > 0 {
			return dir, cmd, out, string(data)
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("%s was not written in 60s:\n%s", started, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sigtermExits130 sends dbguard a SIGTERM and wants exit 130.
func sigtermExits130(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want 130\n%s", err, out)
	}
}

const signalModels = "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n\n" +
	"Base = declarative_base()\n\n\nclass Item(Base):\n    __tablename__ = \"item\"\n    id = Column(Integer, primary_key=True)\n"

// With the models read after Alembic (a process forked from Alembic's
// before env.py ran, which waits for it), the process dbguard started is
// that waiting one: a SIGTERM sent to dbguard still reaches alembic
// itself, which stops mid-revision (exit 143, not after its 30 s sleep),
// and nothing is left running or read after it.
func TestAlembicSIGTERMReachesAlembicThroughTheReader(t *testing.T) {
	needTool(t, "alembic")
	t.Parallel() // its own folder, process and database; it waits on them, polling
	_, cmd, out, started := alembicSignalProject(t, signalModels,
		"import os\nimport time\n\nrevision = \"0001\"\ndown_revision = None\n\n\n"+
			"def upgrade():\n    with open(\"started\", \"w\") as f:\n        f.write(str(os.getpid()))\n    time.sleep(30)\n\n\ndef downgrade():\n    pass\n",
		"started")
	pid, _ := strconv.Atoi(started)
	begun := time.Now()
	sigtermExits130(t, cmd, out)
	if d := time.Since(begun); d > 20*time.Second {
		t.Errorf("dbguard ended %s after the SIGTERM: alembic did not get it", d)
	}
	got := out.String()
	if !strings.Contains(got, "interrupted while alembic upgrade head ran (it exited with status 143)") {
		t.Errorf("output does not say alembic was ended by the SIGTERM:\n%s", got)
	}
	if strings.Contains(got, "schema matches") || strings.Contains(got, "reading the models") {
		t.Errorf("the models were read after an interrupted upgrade:\n%s", got)
	}
	if err := syscall.Kill(pid, 0); pid <= 0 || err == nil {
		t.Errorf("alembic (process %d) is still running", pid)
	}
	noPassword(t, got)
}

// A SIGTERM while the models are read after Alembic (the upgrade done)
// says so: the upgrade stands, the check was not run; not that the
// interrupt came while alembic ran.
func TestAlembicSIGTERMWhileReadingTheModels(t *testing.T) {
	needTool(t, "alembic")
	t.Parallel() // its own folder, process and database; it waits on them, polling
	// Slow only in the reading: the revision leaves "upgraded" behind.
	models := "import os\nimport time\n\n" +
		"if os.path.exists(\"upgraded\"):\n    with open(\"reading\", \"w\") as f:\n        f.write(str(os.getpid()))\n    time.sleep(30)\n\n" + signalModels
	_, cmd, out, _ := alembicSignalProject(t, models,
		"from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"0001\"\ndown_revision = None\n\n\n"+
			"def upgrade():\n    op.create_table(\"item\", sa.Column(\"id\", sa.Integer, primary_key=True))\n    open(\"upgraded\", \"w\").close()\n\n\ndef downgrade():\n    pass\n",
		"reading")
	sigtermExits130(t, cmd, out)
	got := out.String()
	if !strings.Contains(got, "interrupted while the models were read after alembic upgrade head (which had exited with status 0") {
		t.Errorf("output does not say the interrupt came while the models were read:\n%s", got)
	}
	if strings.Contains(got, "schema matches") {
		t.Errorf("the check was reported after an interrupted reading:\n%s", got)
	}
	noPassword(t, got)
}
