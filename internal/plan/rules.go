package plan

import (
	"fmt"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/lazyre"
)

// Severity is how much a finding matters. A danger finding fails the plan.
type Severity string

const (
	Danger  Severity = "danger"
	Warning Severity = "warning"
	Info    Severity = "info"
	Off     Severity = "off" // the rule does not report
)

// Rule is one thing the plan looks for. Its ID is stable: dbguard.yaml's
// plan.severity and -- dbguard:allow comments name it.
type Rule struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"` // the default
	Why      string   `json:"why"`      // one line: what goes wrong in production
	Fix      string   `json:"fix"`      // the safer pattern
}

// Rules are every rule, in the order reports list them.
var Rules = []Rule{
	{ID: "table-rewrite", Severity: Danger,
		Why: "PostgreSQL copies every row (and rebuilds every index) into new files under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole copy",
		Fix: "add a new column, backfill it in batches, switch the code, then drop the old column; for a type change, prefer a binary-compatible type (varchar(n) to varchar(m>n) or text)"},
	{ID: "index-not-concurrent", Severity: Danger,
		Why: "building an index without CONCURRENTLY holds a lock that blocks every write to the table (ADD PRIMARY KEY/UNIQUE: reads too) for the whole build",
		Fix: "CREATE INDEX CONCURRENTLY, alone in its own migration file; for a constraint, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX"},
	{ID: "constraint-validated", Severity: Danger,
		Why: "adding a CHECK or FOREIGN KEY without NOT VALID scans the whole table while holding a lock that blocks writes (CHECK: reads too)",
		Fix: "ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration (SHARE UPDATE EXCLUSIVE: reads and writes go on)"},
	{ID: "set-not-null-scan", Severity: Danger,
		Why: "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock unless a validated CHECK (col IS NOT NULL) already proves it",
		Fix: "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c in a later migration; then SET NOT NULL (PostgreSQL 12+ skips the scan) and DROP CONSTRAINT c"},
	{ID: "attach-partition-scan", Severity: Danger,
		Why: "ALTER TABLE ... ATTACH PARTITION scans the attached table (and the default partition) under an ACCESS EXCLUSIVE lock to check every row fits the partition bound, unless a validated CHECK constraint already proves it: reads and writes of it wait for the whole scan",
		Fix: "ALTER TABLE part ADD CONSTRAINT part_bound CHECK (key IS NOT NULL AND <the bound as an expression>) NOT VALID (IS NOT NULL: a CHECK passes NULL keys, which a range bound refuses, so without it a nullable key is still scanned); ALTER TABLE part VALIDATE CONSTRAINT part_bound in a later migration (SHARE UPDATE EXCLUSIVE: reads and writes go on); then ATTACH PARTITION (PostgreSQL skips the scan) and DROP CONSTRAINT part_bound"},
	{ID: "column-type-change", Severity: Warning,
		Why: "the deployed code still reads the old type, and a type that is not binary compatible rewrites the table (see table-rewrite)",
		Fix: "add a column of the new type, write both, backfill in batches, switch reads, then drop the old column"},
	{ID: "lock-timeout-missing", Severity: Warning,
		Why: "a statement waiting for a strong lock queues every later query on the table behind it: one long transaction elsewhere stalls the application",
		Fix: "SET lock_timeout = '5s' at the top of the file (or for the migration role), and run the migration again when it times out"},
	{ID: "add-required-column", Severity: Danger,
		Why: "ADD COLUMN ... NOT NULL with no default succeeds on the empty shadow table but fails on a live table that has rows (column contains null values): migrate up stops there and leaves the version dirty",
		Fix: "ADD COLUMN ... NOT NULL DEFAULT <constant> (no rewrite since PostgreSQL 11); or add it nullable, backfill in batches, then make it NOT NULL behind a validated CHECK (col IS NOT NULL)"},
	{ID: "drop-table", Severity: Danger,
		Why: "DROP TABLE deletes every row of a live table for good (no down migration brings them back), and code still reading it fails",
		Fix: "stop reading and writing it in a deployed release first; keep a copy (pg_dump -t, or ALTER TABLE ... RENAME TO a _deprecated name for a release); drop it in a later migration"},
	{ID: "drop-column", Severity: Warning,
		Why: "DROP COLUMN deletes the column's data in every row for good (no down migration brings it back); expect: does not list it, so dbguard cannot tell whether deployed code still reads it",
		Fix: "expand, then contract: deploy code that no longer reads or writes it, keep a copy if the data may be needed (CREATE TABLE ... AS SELECT id, col), then drop it in a later migration"},
	{ID: "truncate", Severity: Danger,
		Why: "TRUNCATE deletes every row of a live table for good (CASCADE: of the tables referencing it too), under an ACCESS EXCLUSIVE lock",
		Fix: "if the rows must go, delete them in batches (DELETE ... WHERE id IN (SELECT id ... LIMIT 5000)) outside the migration, after a backup; name each table, never CASCADE"},
	{ID: "whole-table-update", Severity: Danger,
		Why: "an UPDATE with no WHERE rewrites every row of a live table in the migration's one transaction: every row stays locked until commit (the application's updates wait), the table doubles in size and the WAL with it",
		Fix: "backfill in batches of a few thousand rows, each its own transaction (UPDATE ... WHERE id BETWEEN $1 AND $2), outside the migration or from a job; the migration only adds the column"},
	{ID: "whole-table-delete", Severity: Danger,
		Why: "a DELETE with no WHERE removes every row of a live table for good, holding a lock on each until commit",
		Fix: "say which rows (WHERE), delete in batches outside the migration, after a backup"},
	{ID: "lock-table", Severity: Danger,
		Why: "LOCK TABLE ... IN SHARE MODE or stronger (the default is ACCESS EXCLUSIVE) blocks every write (ACCESS EXCLUSIVE: every read too) until the migration commits, for all the work after it",
		Fix: "take no explicit lock: let each statement take its own, and backfill in batches outside the migration; if rows must not change meanwhile, SHARE UPDATE EXCLUSIVE or ROW EXCLUSIVE blocks no application query"},
	{ID: "reindex-not-concurrent", Severity: Danger,
		Why: "REINDEX without CONCURRENTLY holds SHARE on the table (writes wait) and ACCESS EXCLUSIVE on the index, which every query planning on the table needs: reads wait too, for the whole build",
		Fix: "REINDEX INDEX CONCURRENTLY (PostgreSQL 12+), alone in its own migration file"},
	{ID: "expect-broken", Severity: Danger,
		Why: "after this migration the schema no longer has what expect: in dbguard.yaml says the deployed code reads",
		Fix: "expand, then contract: first deploy code that no longer reads it and update expect:, then drop, rename or retype it in a later migration"},
	{ID: "beyond-database", Severity: Danger,
		Why: "the statement acts beyond the application's database: on other databases of the server, its roles or settings, its files, or programs on the database host; migrate up would do that on the live server",
		Fix: "do it outside migrations, by hand or in infrastructure code reviewed by whoever owns the server; if this migration must do it, accept it with -- dbguard:allow beyond-database reason"},
	{ID: "models-ahead", Severity: Danger,
		Why: "the application's models declare a column (or table, type, nullability) the schema lacks after the pending migrations: once deployed, the code's queries fail (column ... does not exist)",
		Fix: "write the migration the models need (Alembic: alembic revision --autogenerate; Prisma: prisma migrate dev --create-only; Django: makemigrations), or change the model; to drop a column, first deploy models without it (expand, then contract)"},
	{ID: "message-level-changed", Severity: Danger,
		Why: "the statement changes client_min_messages itself (set_config, a DO block or a function): the server's messages that show an index build or a table scan are not sent after that, so the plan cannot see what the statement did",
		Fix: "set client_min_messages only with a plain SET statement of its own (SET client_min_messages = warning), or not at all: dbguard raises it again after one"},
	{ID: "shadow-drift", Severity: Warning,
		Why: "the migrations up to the live version do not rebuild the live schema, so the plan traced a schema other than the live one",
		Fix: "see where they part with: dbguard verify --shadow; then bring the migrations and the live schema back in line"},
}

// RuleByID returns the rule with an id.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// ruleIDs lists the ids, for messages.
func ruleIDs() string {
	ids := make([]string, len(Rules))
	for i, r := range Rules {
		ids[i] = r.ID
	}
	return strings.Join(ids, ", ")
}

// severities resolves each rule's severity from dbguard.yaml's
// plan.severity, refusing an unknown rule id at its line.
func severities(cfg *config.Config) (map[string]Severity, error) {
	out := map[string]Severity{}
	for _, r := range Rules {
		out[r.ID] = r.Severity
	}
	for id, sev := range cfg.Plan.Severity {
		if _, ok := RuleByID(id); !ok {
			file := cfg.Path
			if file == "" {
				file = config.FileName
			}
			return nil, &config.Error{File: file, Line: cfg.Line("plan", "severity", id), Msg: fmt.Sprintf("plan.severity: no rule %q (rules: %s)", id, ruleIDs())}
		}
		out[id] = Severity(sev)
	}
	return out, nil
}

// allowRE is the comment that accepts a finding: -- dbguard:allow RULE reason.
var allowRE = lazyre.New(`--\s*dbguard:allow\s+([a-z0-9-]+)\s*(.*)$`)

// allow is one -- dbguard:allow comment.
type allow struct {
	rule, reason string
	line         int
}

// allowsAbove returns the dbguard:allow comments on lines from..to (1-based,
// inclusive) of lines: those between the previous statement and this one,
// and on its first line.
func allowsAbove(lines []string, from, to int) []allow {
	var out []allow
	for n := max(from, 1); n <= to && n <= len(lines); n++ {
		if m := allowRE.FindStringSubmatch(lines[n-1]); m != nil {
			out = append(out, allow{rule: m[1], reason: strings.TrimSpace(m[2]), line: n})
		}
	}
	return out
}
