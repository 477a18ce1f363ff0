package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// Judged is one unit's env judgement.
type Judged struct {
	Unit    *Unit
	Report  *envcheck.Report
	Verdict error // Report.Err, or the error that kept it from a report
	// Empty: the root outside the services has no URL of its own, which
	// is no failure when services hold them.
	Empty bool
}

// Judge judges every unit's env on its own: the root outside the services
// first, then each service. A unit whose files cannot be read has its
// error as its verdict; the others are still judged.
func Judge(ctx context.Context, units []*Unit, mode string, environ []string, strict bool) []*Judged {
	var out []*Judged
	for _, u := range units {
		j := &Judged{Unit: u}
		rep, err := envcheck.Resolve(ctx, u.EnvOptions(mode, environ))
		if err != nil {
			j.Verdict = err
		} else {
			j.Report, j.Verdict = rep, rep.Err(strict)
			var none *envcheck.NoURLError
			if u.Service == nil && len(u.Project.Services) > 0 && errors.As(j.Verdict, &none) && none.Empty == "" && len(rep.Sources) == 0 {
				j.Verdict, j.Empty = nil, true
			}
		}
		out = append(out, j)
	}
	sharedWarnings(out)
	if strict {
		for _, j := range out {
			if j.Verdict == nil && j.Report != nil && len(j.Report.Warnings) > 0 && !j.Empty {
				j.Verdict = &envcheck.StrictError{Count: len(j.Report.Warnings)}
			}
		}
	}
	return out
}

// sharedWarnings: two services naming one database without saying so
// (shares_database_with) is worth a warning, under --strict a failure:
// the usual cause is a copied env file.
func sharedWarnings(judged []*Judged) {
	for i, a := range judged {
		for _, b := range judged[i+1:] {
			if a.Unit.Service == nil || b.Unit.Service == nil || a.Report == nil || b.Report == nil || a.Report.Effective == nil || b.Report.Effective == nil {
				continue
			}
			if a.Report.Conflict() || b.Report.Conflict() || a.Report.Effective.ID != b.Report.Effective.ID {
				continue
			}
			sa, sb := a.Unit.Service, b.Unit.Service
			if t := sa.Config.Migrations.Table; t == sb.Config.Migrations.Table {
				// One version table for two folders of migrations: each
				// would read the other's version as its own.
				b.Report.Warnings = append(b.Report.Warnings, envcheck.Warning{Code: "services-share-version-table", Location: b.Report.Effective.Def.Location(),
					Message: fmt.Sprintf("services %s and %s both name %s and both keep their migration version in %s: each would take the other's version for its own; set migrations.table in one of their dbguard.yaml files (e.g. %s_%s)", sa.Name, sb.Name, b.Report.Effective.ID, t, sb.Name, t)})
			}
			if slices.Contains(sa.SharesDatabaseWith, sb.Name) || slices.Contains(sb.SharesDatabaseWith, sa.Name) {
				continue
			}
			msg := fmt.Sprintf("services %s and %s both name %s (%s and %s); if that is on purpose, say so in the root %s: shares_database_with: [%s] under service %s",
				sa.Name, sb.Name, b.Report.Effective.ID, a.Report.Effective.Def.Location(), b.Report.Effective.Def.Location(), "dbguard.yaml", sa.Name, sb.Name)
			b.Report.Warnings = append(b.Report.Warnings, envcheck.Warning{Code: "services-share-database", Location: b.Report.Effective.Def.Location(), Message: msg})
		}
	}
}

// Failed are the units whose judgement failed, each with its error.
type Failed []*Judged

// Failures are the units of judged whose verdict is an error.
func Failures(judged []*Judged) Failed {
	var out Failed
	for _, j := range judged {
		if j.Verdict != nil {
			out = append(out, j)
		}
	}
	return out
}

func (f Failed) Error() string {
	var parts []string
	for _, j := range f {
		parts = append(parts, j.Unit.Label()+": "+j.Verdict.Error())
	}
	return strings.Join(parts, "; ")
}

// ExitCode is the worst unit's: unreachable over usage over a failed check.
func (f Failed) ExitCode() int {
	code := exitcode.OK
	for _, j := range f {
		if c := exitcode.Of(j.Verdict); c > code {
			code = c
		}
	}
	return code
}

// Hint is the first failing unit's next step, and how to judge it alone.
func (f Failed) Hint() string {
	if len(f) == 0 {
		return ""
	}
	j := f[0]
	h := ""
	var hinted interface{ Hint() string }
	if errors.As(j.Verdict, &hinted) {
		h = hinted.Hint()
	}
	if j.Unit.Service != nil {
		if h != "" {
			h += "; "
		}
		h += "judge that service alone with: dbguard env --service " + j.Unit.Service.Name
	}
	return h
}

// Unwrap gives errors.As each unit's error.
func (f Failed) Unwrap() []error {
	var out []error
	for _, j := range f {
		out = append(out, j.Verdict)
	}
	return out
}

// JSONReport is `dbguard env --format json` of a project with services:
// the root's own report (outside every service) with a services list, one
// report per service. Verdict is the whole project's.
type JSONReport struct {
	envcheck.JSONReport
	Services []JSONService `json:"services"`
}

// JSONService is one service's env report.
type JSONService struct {
	Service string `json:"service"`
	Path    string `json:"path"`
	envcheck.JSONReport
	Error string `json:"error,omitempty"`
}

// ShowOptions say how to show the judgement.
type ShowOptions struct {
	Mode    string
	Environ []string
	Strict  bool
	Format  output.Format
	Stdout  io.Writer
	Stderr  io.Writer
}

// Show is `dbguard env` at the root of a project with services: every
// unit judged and shown, each named; the error names every unit that
// failed.
func Show(ctx context.Context, p *Project, so ShowOptions) error {
	judged := Judge(ctx, p.Units(), so.Mode, so.Environ, so.Strict)
	talk := output.Talk{W: so.Stderr}
	for _, j := range judged {
		if j.Report == nil {
			continue
		}
		for _, w := range j.Report.Warnings {
			talk.Warnf("%s: %s: %s", j.Unit.Label(), w.Location, w.Message)
		}
	}
	failed := Failures(judged)
	var err error
	if so.Format == output.JSON {
		err = output.WriteJSON(so.Stdout, jsonReport(judged, failed))
	} else {
		err = writeText(so.Stdout, judged, failed)
	}
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return failed
	}
	return nil
}

func jsonReport(judged []*Judged, failed Failed) JSONReport {
	var out JSONReport
	for _, j := range judged {
		var rep envcheck.JSONReport
		if j.Report != nil {
			rep = j.Report.JSON(j.Verdict)
		} else {
			rep = envcheck.JSONReport{Version: 1, Verdict: envcheck.Verdict(j.Verdict)}
		}
		if j.Empty {
			rep.Verdict = "ok"
		}
		if j.Unit.Service == nil {
			out.JSONReport = rep
			continue
		}
		s := JSONService{Service: j.Unit.Service.Name, Path: j.Unit.Service.Path, JSONReport: rep}
		if j.Report == nil && j.Verdict != nil {
			s.Error = dburl.RedactText(j.Verdict.Error())
		}
		out.Services = append(out.Services, s)
	}
	if out.Services == nil {
		out.Services = []JSONService{}
	}
	out.Verdict = "ok"
	if len(failed) > 0 {
		out.Verdict = envcheck.Verdict(failed[0].Verdict)
	}
	return out
}

func writeText(w io.Writer, judged []*Judged, failed Failed) error {
	var b strings.Builder
	for i, j := range judged {
		if i > 0 {
			b.WriteString("\n")
		}
		if j.Unit.Service == nil {
			fmt.Fprintf(&b, "== %s, outside the services\n", j.Unit.Label())
		} else {
			fmt.Fprintf(&b, "== %s\n", j.Unit.Label())
		}
		switch {
		case j.Empty:
			b.WriteString("no env file outside the services names a database\n")
		case j.Report == nil:
			fmt.Fprintf(&b, "verdict  failed: %s\n", output.Escape(j.Verdict.Error()))
		default:
			if err := j.Report.WriteText(&b, j.Verdict); err != nil {
				return err
			}
		}
	}
	n := len(judged) - 1
	if len(failed) == 0 {
		fmt.Fprintf(&b, "\nservices: %d judged, each with one database in effect\n", n)
	} else {
		var names []string
		for _, j := range failed {
			if j.Unit.Service == nil {
				names = append(names, "the project root")
			} else {
				names = append(names, j.Unit.Service.Name)
			}
		}
		fmt.Fprintf(&b, "\nservices: %d judged, failed: %s\n", n, strings.Join(names, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
