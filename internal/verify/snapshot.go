package verify

import (
	"bytes"
	"context"
	"io"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/schema"
)

// SnapshotOptions says which database dbguard schema snapshot reads and
// where it writes.
type SnapshotOptions struct {
	Connect pg.ConnectOptions // the live database
	Config  *config.Config
	File    string    // "" for the configured snapshot file, "-" for Stdout
	Stdout  io.Writer // the snapshot, when File is "-"
	Stderr  io.Writer // the line that says what was written
}

// Snapshot writes the live schema, with the migration version it was taken
// at, to the snapshot file.
func Snapshot(ctx context.Context, o SnapshotOptions) error {
	s, version, _, err := Load(ctx, o.Connect, o.Config)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := schema.WriteSnapshot(&buf, s, version, pg.Target(o.Connect.URL)); err != nil {
		return err
	}
	dest := o.File
	if dest == "-" {
		_, err := o.Stdout.Write(buf.Bytes())
		return err
	}
	if dest == "" {
		dest = o.Config.SnapshotPath()
	}
	if err := output.WriteFile(o.Config.Root, dest, buf.Bytes(), 0o644); err != nil {
		return err
	}
	output.Talk{W: o.Stderr}.Infof("wrote %s: %d tables at migration version %d", output.RelPath(dest), len(s.Tables), version)
	return nil
}
