package guarded

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/plan"
	"github.com/dbguard/dbguard/internal/tool"
)

// PlanOptions says how dbguard migrate plan reports.
type PlanOptions struct {
	MigrateOptions
	Format output.Format
	// Summary is a file the markdown report is appended to as well:
	// $GITHUB_STEP_SUMMARY on GitHub Actions; "" for none.
	Summary string
	Limit   int // up N: only the next N
	// Command is the command a hint says to run again ("": dbguard
	// migrate plan).
	Command string
	// NoCache (--no-cache): no replay cache (plan.Options.NoCache).
	NoCache bool
}

// Plan traces the guarded database's pending migrations in a shadow
// database and reports what they would lock, rewrite and break; a danger
// finding is an error (exit 1).
func Plan(ctx context.Context, o PlanOptions) error {
	if o.other() {
		return &tool.UnsupportedError{Kind: o.Tool.Kind, Command: "plan",
			Instead: "plan traces golang-migrate files; with " + string(o.Tool.Kind) + ", run dbguard migrate up and dbguard verify"}
	}
	co, err := o.connect(ctx)
	if err != nil {
		return err
	}
	rep, err := plan.Run(ctx, plan.Options{Connect: co, Config: o.Config, Dir: o.Dir, Log: o.Stderr, Limit: o.Limit, ReadModels: o.ReadModels, Command: o.Command, NoCache: o.NoCache})
	if err != nil {
		return err
	}
	if err := rep.Write(o.Stdout, o.Format); err != nil {
		return err
	}
	if o.Summary != "" {
		if err := appendSummary(o.Summary, rep); err != nil {
			output.Talk{W: o.Stderr}.Warnf("could not append the plan to %s: %v", o.Summary, err)
		}
	}
	if err := rep.Err(); err != nil {
		return err
	}
	output.Talk{W: o.Stderr}.Infof("plan %s", fmt.Sprintf("passes: %d pending migration(s), %d danger, %d warning(s)", len(rep.Files), rep.Danger, rep.Warnings))
	return nil
}

// appendSummary appends the markdown report to a job summary file. The
// file does not pass through the redacting writers: the same redaction,
// applied here. It is the one file dbguard appends to rather than writes
// through output.WriteFile: $GITHUB_STEP_SUMMARY is set by the CI runner,
// not the repository, and names a file outside the project that the runner
// created for this step and reads after it.
func appendSummary(path string, rep *plan.Report) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(dburl.RedactText(b.String()) + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
