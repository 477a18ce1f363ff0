package tool

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// KindOf is the migration tool a dbguard exec command line runs, "" for
// another command: alembic (or python -m alembic), prisma (also through
// npx, pnpm, yarn, bunx), goose, dbmate.
func KindOf(args []string) Kind {
	if len(args) == 0 {
		return ""
	}
	name := filepath.Base(args[0])
	switch {
	case name == "alembic":
		return Alembic
	case name == "goose":
		return Goose
	case name == "dbmate":
		return Dbmate
	case name == "prisma":
		return Prisma
	case slices.Contains([]string{"npx", "pnpm", "yarn", "bunx", "pnpx"}, name):
		for _, a := range args[1:] {
			if a == "exec" || a == "dlx" || strings.HasPrefix(a, "-") {
				continue
			}
			if a == "prisma" || strings.HasPrefix(a, "prisma@") {
				return Prisma
			}
			break
		}
	case strings.HasPrefix(name, "python"):
		if i := slices.Index(args, "-m"); i > 0 && i+1 < len(args) && args[i+1] == "alembic" {
			return Alembic
		}
	}
	return ""
}

// gooseDrivers are the driver names goose takes as its first argument,
// followed by a connection string.
var gooseDrivers = []string{"postgres", "pgx", "redshift", "mysql", "sqlite3", "sqlite", "mssql", "sqlserver", "clickhouse", "vertica", "ydb", "turso", "starrocks"}

// CheckArgs refuses a command line that hands the tool its own database
// (dbmate --url, goose postgres DSN, prisma --url): dbguard would set the
// guarded URL and the tool would connect to the one on its command line.
func (p *Project) CheckArgs(args []string) error {
	own := ""
	switch p.Kind {
	case Dbmate:
		for _, a := range args[1:] {
			flag, _, _ := strings.Cut(a, "=")
			if slices.Contains([]string{"--url", "-u", "--env", "-e"}, flag) {
				own = flag
				break
			}
		}
	case Goose:
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "-") {
				continue
			}
			if slices.Contains(gooseDrivers, a) {
				own = a + " DSN"
			}
			break
		}
	case Prisma:
		for _, a := range args[1:] {
			flag, _, _ := strings.Cut(a, "=")
			if strings.HasSuffix(flag, "-url") && strings.HasPrefix(flag, "--") || flag == "--url" {
				own = flag
				break
			}
		}
	}
	if own == "" {
		return nil
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("%s on %s's command line names its own database; dbguard exec hands it the guarded one in its environment", own, p.Kind),
		Next: fmt.Sprintf("drop %s and run: dbguard exec -- %s ARGS (dbguard sets %s)", own, p.Kind, strings.Join(p.urlVarsFor(), ", "))}
}

// urlVarsFor names the variables the tool reads its URL from, for a hint.
func (p *Project) urlVarsFor() []string {
	switch p.Kind {
	case Goose:
		return []string{"GOOSE_DBSTRING", "GOOSE_DRIVER"}
	case Dbmate:
		return []string{"DATABASE_URL"}
	}
	return append([]string{"DATABASE_URL"}, p.Vars...)
}
