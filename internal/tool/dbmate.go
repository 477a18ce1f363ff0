package tool

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/safefile"
)

// Where dbmate and goose take their version table from (their
// --migrations-table and -table flags' environment variables).
const (
	dbmateTableVar = "DBMATE_MIGRATIONS_TABLE"
	gooseTableVar  = "GOOSE_TABLE"
)

// dbmateTable is the table dbmate records its migrations in when run in
// workdir with environ.
func dbmateTable(workdir string, environ map[string]string) string {
	return envTable(workdir, environ, dbmateTableVar, "schema_migrations")
}

// envTable is the table a Go tool (dbmate, goose) records its migrations
// in when run in workdir with environ: the variable v from the process
// environment, else from workdir/.env as both load it (godotenv.Load,
// which never overrides the environment), else def.
func envTable(workdir string, environ map[string]string, v, def string) string {
	if t := strings.TrimSpace(environ[v]); t != "" {
		return t
	}
	files := func(rel string) ([]byte, bool, error) {
		if rel != ".env" && rel != "./.env" {
			return nil, false, nil
		}
		data, err := readSmall(filepath.Join(workdir, ".env"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		return data, err == nil, err
	}
	in := &envload.Input{Files: files, Environ: environ}
	rd := envload.Read(envload.LoaderNamed("godotenv"), in, ".", "")
	if val, ok := rd.Lookup(v); ok && strings.TrimSpace(val.Value) != "" {
		return strings.TrimSpace(val.Value)
	}
	return def
}

// readSmall reads an env file of at most 1 MiB (the limit envcheck holds
// every env file to): a bigger one is no env file dbmate is meant to read.
func readSmall(name string) ([]byte, error) {
	f, err := safefile.Open(name) // a FIFO never blocks
	if errors.Is(err, safefile.ErrNotRegular) {
		return nil, fs.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 1<<20))
}

// quotedTable is a version table's name for SQL: dbmate (and goose) take
// "schema.table" as a table in that schema, and so does dbguard.
func quotedTable(name string) string {
	return pgx.Identifier(strings.Split(name, ".")).Sanitize()
}

// environMap is os.Environ as a map.
func environMap() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
