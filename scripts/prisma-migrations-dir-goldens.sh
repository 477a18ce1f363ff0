#!/usr/bin/env bash
# Goldens for which migrations folder prisma migrate reads: for each
# layout in internal/tool/testdata/prismadir/layouts.txt (a root
# schema.prisma, package.json's prisma.schema, a Prisma config's schema or
# migrations.path, a stale prisma/migrations beside the real one), the real
# Prisma runs `prisma migrate deploy` on a fresh database, and the names it
# applied (each candidate folder holds a migration of its own name) say
# which folder it read. A layout's cwd:DIR runs Prisma in that subfolder
# (its prisma.config.ts there), as migrations.workdir: DIR does for
# dbguard; package.json files above it are Prisma's upward search's. TestPrismaMigrationsDirGoldens (go test
# ./internal/tool, no node needed) requires dbguard to read the same one,
# or to refuse the layout.
#
# Prisma runs as scripts/prisma-checksum-goldens.sh runs it (its schema
# engine as WebAssembly through @prisma/adapter-pg, the `name` type mapped
# to text in the adapter's copy): a prisma.config.ts in every layout
# carries the adapter, with the layout's own keys beside it.
#
#   PRISMA_DIR_PG=postgresql://postgres@127.0.0.1:5432/postgres \
#     scripts/prisma-migrations-dir-goldens.sh
#
# PRISMA_DIR_PG is a throwaway server's URL: a database per layout is
# created there and dropped. PRISMA_DIR_MODULES, when set, is a folder
# whose node_modules holds prisma, @prisma/adapter-pg and pg already (as
# prisma-checksum-goldens.sh installs them).
set -euo pipefail

PRISMA_VERSION=${PRISMA_VERSION:-6.19.3}
PG_VERSION=${PG_VERSION:-8.16.3}
admin=${PRISMA_DIR_PG:?set PRISMA_DIR_PG to a throwaway PostgreSQL server URL}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$repo/internal/tool/testdata/prismadir
dir=${PRISMA_DIR_MODULES:-/tmp/dbguard-prisma-dir-goldens}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# shellcheck source=lib/prisma-wasm.sh
source "$repo/scripts/lib/prisma-wasm.sh"
prisma_wasm_setup "$dir" prisma-migrations-dir-goldens

sql() { psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"; }
ds='datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n'

out=$data/goldens.tsv.new
{
  echo "# scripts/prisma-migrations-dir-goldens.sh: prisma $PRISMA_VERSION (schema engine wasm, @prisma/adapter-pg $PRISMA_VERSION), node $(node --version), $(psql -qAtX "$admin" -c 'SHOW server_version')"
  printf '# case\tapplied (the folders prisma migrate deploy read)\n'
} >"$out"
proj=$dir/project
grep -v '^#' "$data/layouts.txt" | while read -r c rest; do
  [ -n "$c" ] || continue
  db=dbguard_prisma_dir_$c
  sql "$admin" "DROP DATABASE IF EXISTS $db"
  sql "$admin" "CREATE DATABASE $db"
  url=${admin%/*}/$db
  rm -rf "$proj"
  mkdir -p "$proj"
  ln -s "$dir/node_modules" "$proj/node_modules"
  keys="" cwd=.
  for item in $rest; do
    case $item in
      config:*) keys="$keys  ${item#config:},"$'\n' ;;
      cwd:*) cwd=${item#cwd:} ;;
      *=*)
        p=${item%%=*} content=${item#*=}
        [ "$content" = DS ] && content=$ds
        mkdir -p "$proj/$(dirname "$p")"
        printf "${content//\\s/ }\n" >"$proj/$p" ;;
      *)
        mkdir -p "$proj/$item"
        printf 'CREATE TABLE "t_%s" (id int);\n' "$(basename "$item")" >"$proj/$item/migration.sql"
        printf 'provider = "postgresql"\n' >"$proj/$(dirname "$item")/migration_lock.toml" ;;
    esac
  done
  mkdir -p "$proj/$cwd"
  cat >"$proj/$cwd/prisma.config.ts" <<EOF
import { defineConfig } from 'prisma/config'
import { PrismaPg } from '@prisma/adapter-pg'

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
$keys})
EOF
  applied=error
  if (cd "$proj/$cwd" && DATABASE_URL=$url "$proj/node_modules/.bin/prisma" migrate deploy >"$dir/deploy.log" 2>&1); then
    applied=$(sql "$url" "SELECT coalesce(string_agg(migration_name, ' ' ORDER BY migration_name), 'none') FROM _prisma_migrations")
  fi
  printf '%s\t%s\n' "$c" "$applied" >>"$out"
  sql "$admin" "DROP DATABASE $db"
  echo "prisma-migrations-dir-goldens: $c: $applied" >&2
done
mv "$out" "$data/goldens.tsv"
