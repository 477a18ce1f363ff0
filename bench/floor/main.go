// Command floor is the benchmarks' lower bound for applying migrations: one
// pgx connection and one simple query per up file, in name order, with no
// version table, no lock and no checks. Whatever a migration tool does
// beyond that is its overhead.
//
//	go run ./bench/floor -path migrations -database postgres://...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

func main() {
	dir := flag.String("path", "", "the migrations folder")
	url := flag.String("database", "", "the database URL")
	flag.Parse()
	if err := run(*dir, *url); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(dir, url string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.up.sql"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(data)) == "" {
			continue
		}
		if _, err := conn.PgConn().Exec(ctx, string(data)).ReadAll(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}
