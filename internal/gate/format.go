package gate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
)

// Location is file:line, the file alone, or "".
func (f Finding) Location() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

// label is the check's name as the formats show it: "worker/env" for a
// service's check, so every line and annotation names the service.
func (c Check) label() string {
	if c.Service == "" {
		return c.Name
	}
	return c.Service + "/" + c.Name
}

// inService prefixes a finding's message with its service, for formats
// that show the message alone (annotations, SARIF results).
func (f Finding) inService() string {
	if f.Service == "" {
		return f.Message
	}
	return "service " + f.Service + ": " + f.Message
}

// WriteText writes the report for a person: one line per check, its
// findings indented beneath it. A file name or a message from outside is
// escaped to one line (output.Escape): the text format is read by CI logs
// too, where a line starting "::error" is a workflow command.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, c := range r.Checks {
		// Long lines wrap at spaces (a message from outside is escaped
		// first, so it has no line breaks of its own to add).
		head := fmt.Sprintf("%-5s %-12s %s", strings.ToUpper(string(statusWord(c.Status))), output.Escape(c.label()), output.Escape(c.Summary))
		fmt.Fprintf(&b, "%s\n", output.Wrap(head, output.Width, strings.Repeat(" ", 19)))
		for _, f := range c.Findings {
			loc := output.Escape(f.Location())
			if loc != "" {
				loc += ": "
			}
			// A check that failed as a whole has one error repeating its
			// summary: say only what the summary does not (the hint). A
			// warning keeps its words (a skipped plan must show in the
			// findings of every format).
			msg := f.Message
			if rest, ok := strings.CutPrefix(msg, c.Summary); ok && c.Summary != "" && f.Severity == "error" {
				msg = strings.TrimSpace(rest)
				if h, ok := strings.CutPrefix(msg, "("); ok && strings.HasSuffix(h, ")") {
					msg = "fix: " + strings.TrimSuffix(h, ")")
				}
				if msg == "" {
					loc = strings.TrimSuffix(loc, ": ")
				}
			}
			fmt.Fprintf(&b, "%s\n", output.Wrap(fmt.Sprintf("      %s: %s%s", f.Severity, loc, output.Escape(msg)), output.Width, "        "))
		}
	}
	fmt.Fprintf(&b, "\nCI gate: %s\n", r.Status)
	_, err := io.WriteString(w, b.String())
	return err
}

func statusWord(s Status) Status {
	if s == Unreachable {
		return "down"
	}
	return s
}

// WriteGitHub writes GitHub Actions workflow commands: one ::error or
// ::warning per finding, with file and line where known, so they appear as
// annotations on the pull request.
func (r *Report) WriteGitHub(w io.Writer) error {
	var b strings.Builder
	for _, c := range r.Checks {
		for _, f := range c.Findings {
			level := "error"
			if f.Severity == "warning" {
				level = "warning"
			}
			b.WriteString(ghAnnotation(level, f, "dbguard "+c.label()))
		}
		// A plain log line too must stay one line: a summary quoting a
		// file name with a newline must not start a workflow command.
		fmt.Fprintf(&b, "dbguard %s: %s: %s\n", ghData(c.label()), c.Status, ghData(c.Summary))
	}
	fmt.Fprintf(&b, "dbguard CI gate: %s\n", r.Status)
	_, err := io.WriteString(w, b.String())
	return err
}

// ghAnnotation is the workflow command of one finding: its file, line and
// title as properties, its message as data. A file name the output net
// would change in that line ("notes PGPASSWORD=": the net masks after the
// keyword's '=' on into ",line=3,title=...", and the runner has no escape
// for '=') is no property: the annotation keeps its line and title, and
// its message starts with the name as output.NameWithoutValues writes it
// ("notes PGPASSWORD\x3d"), in which the net sees no value to run on.
func ghAnnotation(level string, f Finding, title string) string {
	msg := f.inService()
	var props []string
	if f.File != "" {
		props = append(props, "file="+ghProperty(f.File))
	}
	if f.File != "" && f.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", f.Line))
	}
	props = append(props, "title="+ghProperty(title))
	line := fmt.Sprintf("::%s %s::%s\n", level, strings.Join(props, ","), ghData(msg))
	if f.File == "" || dburl.RedactText(f.File) == f.File && dburl.RedactText(line) == line {
		return line
	}
	where := output.NameWithoutValues(f.File)
	if f.Line > 0 {
		where += fmt.Sprintf(":%d", f.Line)
	}
	props = props[1:]
	title = output.NameWithoutValues(title)
	props[len(props)-1] = "title=" + ghProperty(title)
	return fmt.Sprintf("::%s %s::%s\n", level, strings.Join(props, ","), ghData(where+": "+msg))
}

// ghData escapes a workflow command's message: passwords masked first
// (escaped, a password with a '%' in it is no longer the text the output
// net knows), then line breaks as the runner reads them (%0A), other
// control characters as output.Escape shows them. dbguard's own messages
// are multi-line; text from outside is one line by then (escaped where it
// was read), so no line break of its own survives.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(output.EscapeLines(dburl.RedactText(s)))
}

// ghProperty escapes a workflow command's property value, masking first.
// A file name keeps its "##[" or leading "::" (output.EscapeProperty):
// the runner has read the line as this command, and the annotation must
// find the file.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(output.EscapeProperty(dburl.RedactText(s)))
}

// rules describe each check for the SARIF report: what it guards, how to
// fix a finding, and the page of the docs that explains it.
var rules = map[string]struct{ full, help, doc string }{
	"config": {"On a pull request, the settings of dbguard.yaml that decide which database is judged and what can fail (url_var, env.prefer, poolers, migrations.tool, hook.allow, shadow_url, plan.severity, ...) come from the base branch; a change to one is reported and takes effect once merged.",
		"Keep the change if it is meant: it applies once the pull request is merged; ci judges the pull request with the base branch's value meanwhile.",
		"docs/ci.md"},
	"env": {"Every DATABASE_URL the process environment and the env files define, as each loader in use reads them, must name one database.",
		"Make every env file name the same database, or delete the stale ones; run dbguard env to see each definition at file:line and which loader reads it.",
		"docs/env.md"},
	"credentials": {"No tracked file may carry a real PostgreSQL password: in a URL, a JDBC URL or a libpq keyword string. Placeholders, templates and this machine's hosts do not count.",
		"Move the password to an ignored .env file or a secret store and rotate it; a false positive can carry the comment dbguard:allow, or a file can be listed in hook.allow in dbguard.yaml.",
		"docs/hook.md"},
	"connection": {"The database in effect must accept connections on its direct endpoint.",
		"Check that the server runs and the URL in effect is right (dbguard doctor); in CI, give a starting server time with --wait.",
		"docs/ci.md"},
	"migrations": {"The database must be at the newest migration: none pending, none dirty, and a file for the recorded version.",
		"Run dbguard migrate up; after a failed migration fix the database by hand and run dbguard migrate force VERSION; dbguard migrate status lists each migration.",
		"docs/migrate.md"},
	"schema": {"The live schema must match what the project expects: expect: in dbguard.yaml, the snapshot file, and with --shadow a database built from the migrations.",
		"Apply the missing migration, or if the change is intended update expect: in dbguard.yaml or take the snapshot again with dbguard schema snapshot.",
		"docs/schema.md"},
}

// docsBase is where helpUri points: the docs in the repository.
const docsBase = "https://github.com/dbguard/dbguard/blob/main/"

type junitSuites struct {
	XMLName xml.Name   `xml:"testsuites"`
	Suites  []junitSet `xml:"testsuite"`
}

// junitSet is a test suite as Ant's JUnit task writes it: the stricter Ant
// schema requires name, timestamp (no time zone), hostname, tests,
// failures, errors and time, then properties, the test cases, system-out
// and system-err, in that order; inside testsuites also package and id.
type junitSet struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr"`
	ID         int             `xml:"id,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr,omitempty"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkip    `xml:"skipped,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
}

// junitSkip says why in its text: Jenkins' schema allows no attribute.
type junitSkip struct {
	Text string `xml:",chardata"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes a JUnit XML report: one test case per check, for CI
// test report views. A check's findings are the text of its failure or
// error, one "severity: file:line: message" line each.
func (r *Report) WriteJUnit(w io.Writer) error {
	started := r.started
	if started.IsZero() {
		started = time.Now()
	}
	host := r.hostname
	if host == "" {
		host = "localhost" // what the Ant schema asks for when unknown
	}
	set := junitSet{Name: "dbguard", Package: "dbguard", Timestamp: started.UTC().Format("2006-01-02T15:04:05"), Hostname: host,
		Time: seconds(r.elapsed), Properties: []junitProperty{{Name: "dbguard.version", Value: r.toolVersion()}}}
	var out strings.Builder
	for _, c := range r.Checks {
		if c.Service == "" || !slices.ContainsFunc(set.Properties, func(p junitProperty) bool { return p.Name == "dbguard.check."+c.Name }) {
			set.Properties = append(set.Properties, junitProperty{Name: "dbguard.check." + c.Name, Value: c.Title})
		}
		fmt.Fprintf(&out, "%s %s: %s\n", c.label(), c.Status, c.Summary)
		// The checks run in one pass; each case's own time is not measured.
		tc := junitCase{Name: c.label(), Classname: "dbguard." + strings.ReplaceAll(c.label(), "/", "."), Time: "0"}
		var details []string
		for _, f := range c.Findings {
			details = append(details, fmt.Sprintf("%s: %s: %s", f.Severity, f.Location(), f.inService()))
		}
		// Masked before XML's escapes: Ju&amp;nit or password=&#39;a b&#39;
		// is not the text the output net knows.
		p := &junitProblem{Message: dburl.RedactText(c.Summary), Type: string(c.Status), Text: dburl.RedactText(strings.Join(details, "\n"))}
		if c.Status == Pass || c.Status == Skip {
			// A passing or skipped case has no element for its findings
			// (warnings: a pull request's changed setting, a stale env
			// file): the log holds them, under the check's line.
			for _, d := range details {
				fmt.Fprintf(&out, "  %s\n", d)
			}
		}
		switch c.Status {
		case Fail:
			tc.Failure = p
			set.Failures++
		case Error, Unreachable:
			tc.Error = p
			set.Errors++
		case Skip:
			tc.Skipped = &junitSkip{Text: dburl.RedactText(c.Summary)}
			set.Skipped++
		}
		set.Tests++
		set.Cases = append(set.Cases, tc)
	}
	fmt.Fprintf(&out, "CI gate: %s\n", r.Status)
	set.SystemOut = dburl.RedactText(out.String())
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSet{set}}); err != nil {
		return err
	}
	b.WriteString("\n")
	_, err := w.Write(output.NoCommandsXML(b.Bytes()))
	return err
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

func (r *Report) toolVersion() string {
	if r.tool == "" {
		return "dev"
	}
	return r.tool
}

// SARIF 2.1.0, as GitHub code scanning reads it: every result with a
// location relative to the repository root and a partial fingerprint,
// every rule with descriptions, help and a link to the docs.
type (
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifRule struct {
		ID                   string    `json:"id"`
		Name                 string    `json:"name"`
		ShortDescription     sarifText `json:"shortDescription"`
		FullDescription      sarifText `json:"fullDescription"`
		Help                 sarifHelp `json:"help"`
		HelpURI              string    `json:"helpUri"`
		DefaultConfiguration struct {
			Level string `json:"level"`
		} `json:"defaultConfiguration"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]string `json:"properties,omitempty"`
	}
)

// WriteSARIF writes a SARIF 2.1.0 log, for code scanning: one rule per
// check, one result per finding.
func (r *Report) WriteSARIF(w io.Writer) error {
	sarifRules := []sarifRule{}
	results := []sarifResult{}
	ruleIndex := map[string]int{}
	for _, c := range r.Checks {
		meta := rules[c.Name]
		rule := sarifRule{ID: "dbguard/" + c.Name, Name: c.Name, ShortDescription: sarifText{c.Title}, FullDescription: sarifText{meta.full},
			Help:    sarifHelp{Text: meta.help + " See " + meta.doc + ".", Markdown: meta.help + " See [" + meta.doc + "](" + docsBase + meta.doc + ")."},
			HelpURI: docsBase + meta.doc}
		rule.DefaultConfiguration.Level = "error"
		// One rule per check, however many services ran it.
		i, seen := ruleIndex[rule.ID]
		if !seen {
			i = len(sarifRules)
			ruleIndex[rule.ID] = i
			sarifRules = append(sarifRules, rule)
		}
		for _, f := range c.Findings {
			res := sarifResult{RuleID: rule.ID, RuleIndex: i, Level: "error", Message: sarifText{f.inService()}}
			if f.Service != "" {
				res.Properties = map[string]string{"service": f.Service}
			}
			if f.Severity == "warning" {
				res.Level = "warning"
			}
			p := sarifPhysical{ArtifactLocation: sarifArtifact{URI: uriPath(f.File), URIBaseID: "%SRCROOT%"}}
			if f.Line > 0 {
				p.Region = &sarifRegion{StartLine: f.Line}
			}
			res.Locations = []sarifLocation{{PhysicalLocation: p}}
			// Stable across runs and line moves: the rule, the file and
			// what was found.
			sum := sha256.Sum256([]byte(rule.ID + "\x00" + f.File + "\x00" + f.Message))
			if f.Service != "" {
				sum = sha256.Sum256([]byte(rule.ID + "\x00" + f.Service + "\x00" + f.File + "\x00" + f.Message))
			}
			res.PartialFingerprints = map[string]string{"dbguardFinding/v1": hex.EncodeToString(sum[:16])}
			results = append(results, res)
		}
	}
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "dbguard", "version": r.toolVersion(), "informationUri": "https://github.com/dbguard/dbguard", "rules": sarifRules,
			}},
			"results": results,
		}},
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return err
	}
	_, err := w.Write(output.NoCommandsJSON(b.Bytes()))
	return err
}

// uriPath writes a relative path as a URI reference: every byte but
// letters, digits, "-._~" and "/" percent-encoded, so a space, a newline
// or a colon in a name (which would read as a scheme) cannot change what
// the reference means.
func uriPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
