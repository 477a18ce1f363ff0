package tool

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/output"
)

// BelowFix is the advice for a missing golang-migrate folder when the
// folder the command runs in is inside a tool's project that detection
// did not look at (Below: a Prisma project in apps/api): that tool's own
// command for what the user asked ("status" or "up"), behind the guard,
// as it runs from here, and the setting that makes dbguard run the tool
// there; "" when there is no such project. migrate status, migrate up
// and ci give it; before, they said "dbguard migrate create init", which
// writes a golang-migrate file the project's tool never runs.
func BelowFix(cfg *config.Config, what string) string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	p := Below(cfg, wd)
	if p == nil {
		return ""
	}
	commands := map[Kind][2]string{
		Prisma:  {"prisma migrate status", "prisma migrate deploy"},
		Alembic: {"alembic current", "alembic upgrade head"},
		Dbmate:  {"dbmate status", "dbmate up"},
		Goose:   {"goose status", "goose up"},
	}[p.Kind]
	cmd := commands[0]
	if what == "up" {
		cmd = commands[1]
	}
	if cmd == "" {
		return ""
	}
	run := InWorkdir(p.Workdir) + "dbguard exec -- " + cmd
	if p.Kind == Prisma {
		// The project's CLI, installed first when npx would download one.
		run = p.GuardedPrisma() + strings.TrimPrefix(cmd, "prisma")
	}
	workdir := filepath.ToSlash(output.RelTo(cfg.Root, p.Workdir))
	return fmt.Sprintf("%s is a %s project (%s), deeper than dbguard looks for one (the project root and its direct subfolders): run %s's own command behind the guard: %s; or have dbguard run %s there with migrations: {workdir: %s} in the project root's dbguard.yaml",
		output.Escape(workdir), p.Kind, output.Escape(p.Detected), p.Kind, run, p.Kind, output.Escape(yamlFlowScalar(workdir)))
}

// yamlFlowScalar is s as a value inside a YAML flow mapping ({workdir: s})
// reads back as s: plain when it holds only letters, digits and _ . / -
// (and is not YAML's null), else double-quoted (Go's escapes are YAML's). A folder named "a #b" or
// "x, y" was printed plain, and the pasted setting read "a" or failed.
func yamlFlowScalar(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-') {
			return strconv.Quote(s)
		}
	}
	if s == "" || s[0] == '-' || s[0] == '.' || strings.EqualFold(s, "null") {
		return strconv.Quote(s)
	}
	return s
}
