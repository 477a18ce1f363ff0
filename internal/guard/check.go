package guard

import (
	"context"
	"errors"
	"io"

	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/output"
)

// Check resolves as Resolve does and says on log what it found: each
// warning, the whole picture of a conflict (as dbguard env shows it), and
// the line that names the database about to be touched.
func Check(ctx context.Context, o Options, log io.Writer) (*Target, error) {
	t, err := Resolve(ctx, o)
	talk := output.Talk{W: log}
	if t != nil {
		for _, w := range t.Report.Warnings {
			talk.Warnf("%s: %s", w.Location, w.Message)
		}
	}
	if err != nil {
		var conflict *envcheck.ConflictError
		if errors.As(err, &conflict) && t != nil {
			_ = t.Report.WriteText(log, err)
		}
		return nil, err
	}
	if t.Overruled != "" {
		talk.Infof("the env files win over %s in the process environment (prefer: files)", t.Overruled)
	}
	talk.Infof("%s", t.Describe())
	return t, nil
}
