// Package guarded runs the commands that touch a database behind the
// guard: each first proves one database is in effect and says which (see
// guard.Check), and only then connects, to migrate, verify, snapshot or
// wait.
package guarded

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pyshim"
	"github.com/dbguard/dbguard/internal/verify"
)

// Options are what every guarded command needs.
type Options struct {
	Config  *config.Config
	Guard   guard.Options
	Connect pg.ConnectOptions // how to connect; the guard says where
	// ReadModels allows importing the SQLAlchemy models (--read-models).
	ReadModels bool
	Stdout     io.Writer // data
	Stderr     io.Writer // talk
}

// connect runs the guard and points o.Connect at its target.
func (o Options) connect(ctx context.Context) (pg.ConnectOptions, error) {
	t, err := guard.Check(ctx, o.Guard, o.Stderr)
	if err != nil {
		return pg.ConnectOptions{}, err
	}
	return t.Connect(o.Connect), nil
}

// Wait waits until the guarded database accepts connections, retrying for
// up to o.Connect.Wait.
func Wait(ctx context.Context, o Options) error {
	co, err := o.connect(ctx)
	if err != nil {
		return err
	}
	if err := pg.Wait(ctx, co); err != nil {
		return err
	}
	output.Talk{W: o.Stderr}.Infof("%s accepts connections", pg.Target(co.URL))
	return nil
}

// Snapshot writes the guarded database's schema to file ("" for the
// configured snapshot file, "-" for stdout).
func Snapshot(ctx context.Context, o Options, file string) error {
	co, err := o.connect(ctx)
	if err != nil {
		return err
	}
	return verify.Snapshot(ctx, verify.SnapshotOptions{Connect: co, Config: o.Config, File: file, Stdout: o.Stdout, Stderr: o.Stderr})
}

// VerifyOptions says how dbguard verify checks the guarded database.
type VerifyOptions struct {
	Options
	Dir    string // the migrations folder, for the shadow database
	Format output.Format
	Shadow bool // also (as schema.shadow does) build a shadow database
	// ReadAlembicModels allows importing the SQLAlchemy models that
	// Alembic's env.py names (Alembic has just run env.py).
	ReadAlembicModels bool
	// AlembicRead is the reading done after Alembic's run, if any.
	AlembicRead *pyshim.After
}

// Verify checks the guarded database's schema against every expectation
// source the project has.
func Verify(ctx context.Context, o VerifyOptions) error {
	o.Shadow = o.Shadow || o.Config.Schema.Shadow
	if o.Shadow {
		// A preview: refused before anything connects when the
		// configuration asks for one on the live server.
		if err := o.Config.PreviewError(); err != nil {
			return err
		}
	}
	co, err := o.connect(ctx)
	if err != nil {
		return err
	}
	return check(ctx, co, o, false, true)
}

// check verifies and reports. explicit is false for the check after a
// migration, where a project with no expectation source hears nothing;
// partial is set when that migration did not end at the newest version.
func check(ctx context.Context, co pg.ConnectOptions, o VerifyOptions, partial, explicit bool) error {
	talk := output.Talk{W: o.Stderr}
	snapshot := output.RelPath(o.Config.SnapshotPath())
	rep, err := verify.Run(ctx, verify.Options{
		Connect:           co,
		Config:            o.Config,
		MigrationsDir:     o.Dir,
		SnapshotPath:      snapshot,
		Shadow:            o.Shadow,
		Partial:           partial,
		ReadModels:        o.ReadModels,
		ReadAlembicModels: o.ReadAlembicModels,
		AlembicRead:       o.AlembicRead,
		Log:               o.Stderr,
	})
	if err != nil {
		return err
	}
	for _, n := range rep.Notes {
		talk.Infof("%s", n)
	}
	if o.Format == output.JSON {
		err = output.WriteJSON(o.Stdout, rep)
	} else {
		for _, d := range rep.Differences {
			// The database's names are in it: one line, no workflow command.
			fmt.Fprintln(o.Stdout, output.Escape(d.Message))
		}
	}
	if err != nil {
		return err
	}
	if !rep.HasSources() {
		if explicit {
			talk.Infof("nothing to verify: no expect: in dbguard.yaml, no %s, no --shadow", snapshot)
		}
		return nil
	}
	if err := rep.Err(); err != nil {
		return err
	}
	talk.Infof("schema matches %s", strings.Join(rep.Sources, ", "))
	return nil
}
