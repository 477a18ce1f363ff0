package envcheck

import (
	"context"
	"io"

	"github.com/dbguard/dbguard/internal/output"
)

// ShowOptions says how dbguard env reports.
type ShowOptions struct {
	Strict bool // warnings fail too
	Format output.Format
	Stdout io.Writer // the report
	Stderr io.Writer // the warnings
}

// Show resolves o and reports it, the data on Stdout and the warnings on
// Stderr; it returns the verdict.
func Show(ctx context.Context, o Options, so ShowOptions) error {
	rep, err := Resolve(ctx, o)
	if err != nil {
		return err
	}
	verdict := rep.Err(so.Strict)
	talk := output.Talk{W: so.Stderr}
	for _, w := range rep.Warnings {
		talk.Warnf("%s: %s", w.Location, w.Message)
	}
	if so.Format == output.JSON {
		err = output.WriteJSON(so.Stdout, rep.JSON(verdict))
	} else {
		err = rep.WriteText(so.Stdout, verdict)
	}
	if err != nil {
		return err
	}
	return verdict
}
