package gate

import (
	"bytes"
	"context"
	"io"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
)

// The formats the gate writes beyond text and json.
const (
	GitHub output.Format = "github"
	JUnit  output.Format = "junit"
	SARIF  output.Format = "sarif"
)

// Formats are every format the gate writes.
var Formats = []output.Format{output.Text, output.JSON, GitHub, JUnit, SARIF}

// ReportOptions says where the report goes.
type ReportOptions struct {
	Format output.Format
	File   string        // write the report here; Stdout then gets the log
	Log    output.Format // the log's format with File: github on GitHub Actions, else text
	Stdout io.Writer     // the report, or with File the log
	Stderr io.Writer     // the line that says where the report went
}

// Enforce runs every check, writes the report and returns the verdict.
func Enforce(ctx context.Context, o Options, ro ReportOptions) error {
	return deliver(Run(ctx, o), o.Config.Root, ro)
}

// EnforceAll runs every check for each of runs (the project root and each
// service of a monorepo), writes them as one report and returns the
// verdict. root is the folder --output is written in.
func EnforceAll(ctx context.Context, runs []Options, root string, ro ReportOptions) error {
	var reps []*Report
	for _, o := range runs {
		reps = append(reps, Run(ctx, o))
	}
	return deliver(Combine(reps), root, ro)
}

// deliver writes the report where ro says and returns its verdict.
func deliver(rep *Report, root string, ro ReportOptions) error {
	var buf bytes.Buffer
	if err := rep.Write(&buf, ro.Format); err != nil {
		return err
	}
	if ro.File == "" {
		if _, err := ro.Stdout.Write(buf.Bytes()); err != nil {
			return err
		}
		return rep.Err()
	}
	// A file does not pass through the redacting writers: the same
	// redaction, applied here.
	if err := output.WriteFile(root, ro.File, []byte(dburl.RedactText(buf.String())), 0o644); err != nil {
		return err
	}
	// The log still shows every finding (as annotations on GitHub), so
	// one run gives both the report file and the log.
	if ro.Log == "" {
		ro.Log = output.Text
	}
	if err := rep.Write(ro.Stdout, ro.Log); err != nil {
		return err
	}
	output.Talk{W: ro.Stderr}.Infof("wrote %s (%s): CI gate %s", ro.File, ro.Format, rep.Status)
	return rep.Err()
}

// Write writes the report in format f.
func (r *Report) Write(w io.Writer, f output.Format) error {
	return output.Render(w, f, r, map[output.Format]func(io.Writer) error{GitHub: r.WriteGitHub, JUnit: r.WriteJUnit, SARIF: r.WriteSARIF}, r.WriteText)
}
