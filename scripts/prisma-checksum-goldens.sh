#!/usr/bin/env bash
# Goldens for dbguard's check of Prisma's applied migrations: the real
# Prisma (its schema engine, in the WebAssembly build its npm package ships,
# driven through @prisma/adapter-pg) applies each case's applied.sql with
# `prisma migrate deploy`, which records the checksum in _prisma_migrations;
# then the file is replaced by the case's checkout.sql (another line ending,
# an edit, other bytes), and `prisma migrate status`'s diagnosis (its
# editedMigrationNames, printed with DEBUG=prisma:migrate:status) says
# whether Prisma calls it modified after it was applied. A case's `override`
# file rewrites the recorded checksum first (old: the unpadded form an old
# engine wrote; empty; upper: upper case). sha256sum's checksum of
# applied.sql is recorded beside Prisma's. TestPrismaChecksumGoldens
# (go test ./internal/tool, no node needed) requires dbguard to agree.
#
# Prisma's engines are binaries downloaded from binaries.prisma.sh, which
# this project's machines cannot reach; with a driver adapter Prisma 6 runs
# its schema engine as WebAssembly instead (the binary paths below are
# never run). @prisma/adapter-pg 6.19 cannot read PostgreSQL's `name`
# columns, which the engine's own catalogue queries return
# (github.com/prisma/orm/issues/27403): the script maps that type to text
# in its copy of the adapter. Nothing of Prisma's checksum code is touched.
#
#   PRISMA_CHECKSUM_PG=postgresql://postgres@127.0.0.1:5432/postgres \
#     scripts/prisma-checksum-goldens.sh
#
# PRISMA_CHECKSUM_PG is a throwaway server's URL: a database per case is
# created there and dropped.
set -euo pipefail

PRISMA_VERSION=${PRISMA_VERSION:-6.19.3}
PG_VERSION=${PG_VERSION:-8.16.3}
admin=${PRISMA_CHECKSUM_PG:?set PRISMA_CHECKSUM_PG to a throwaway PostgreSQL server URL}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$repo/internal/tool/testdata/prismachecksum
dir=${PRISMA_CHECKSUM_GOLDENS_DIR:-/tmp/dbguard-prisma-checksum-goldens}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# shellcheck source=lib/prisma-wasm.sh
source "$repo/scripts/lib/prisma-wasm.sh"
prisma_wasm_setup "$dir" prisma-checksum-goldens

sql() { psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"; }
# unpadded is a checksum as an old engine wrote it: each byte's hex
# without its leading zero.
unpadded() { printf '%s' "$1" | sed 's/../&\n/g' | while read -r b; do [ -n "$b" ] && printf '%x' "0x$b"; done; }

out=$data/goldens.tsv.new
{
  echo "# scripts/prisma-checksum-goldens.sh: prisma $PRISMA_VERSION (schema engine wasm, @prisma/adapter-pg $PRISMA_VERSION), $(sha256sum --version | head -1), node $(node --version), $(psql -qAtX "$admin" -c 'SHOW server_version')"
  printf '# case\tprisma_recorded\tsha256sum_applied\tprisma_edited\n'
} >"$out"
proj=$dir/project
for d in "$data"/*/; do
  c=$(basename "$d")
  db=dbguard_prisma_checksum_$c
  sql "$admin" "DROP DATABASE IF EXISTS $db"
  sql "$admin" "CREATE DATABASE $db"
  url=${admin%/*}/$db
  rm -rf "$proj"
  mkdir -p "$proj/prisma/migrations/20240101000000_$c"
  ln -s "$dir/node_modules" "$proj/node_modules"
  cat >"$proj/prisma.config.ts" <<'EOF'
import { defineConfig } from 'prisma/config'
import { PrismaPg } from '@prisma/adapter-pg'

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
  schema: 'prisma/schema.prisma',
})
EOF
  printf 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n' >"$proj/prisma/schema.prisma"
  printf 'provider = "postgresql"\n' >"$proj/prisma/migrations/migration_lock.toml"
  m=$proj/prisma/migrations/20240101000000_$c/migration.sql
  cp "$d/applied.sql" "$m"
  (cd "$proj" && DATABASE_URL=$url node_modules/.bin/prisma migrate deploy >"$dir/deploy.log" 2>&1) ||
    { cat "$dir/deploy.log" >&2; exit 1; }
  recorded=$(sql "$url" "SELECT checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL")
  case $(cat "$d/override" 2>/dev/null || true) in
    old) sql "$url" "UPDATE _prisma_migrations SET checksum = '$(unpadded "$recorded")'" ;;
    empty) sql "$url" "UPDATE _prisma_migrations SET checksum = ''" ;;
    upper) sql "$url" "UPDATE _prisma_migrations SET checksum = upper(checksum)" ;;
    '') ;;
    *) echo "prisma-checksum-goldens: $c: unknown override" >&2; exit 1 ;;
  esac
  recorded=$(sql "$url" "SELECT checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL")
  cp "$d/checkout.sql" "$m"
  (cd "$proj" && DATABASE_URL=$url DEBUG=prisma:migrate:status node_modules/.bin/prisma migrate status >"$dir/status.log" 2>&1) || true
  diag=$(grep -o '"diagnoseResult": ".*"' "$dir/status.log" || true)
  if [ -z "$diag" ]; then
    cat "$dir/status.log" >&2
    echo "prisma-checksum-goldens: $c: no diagnosis from prisma migrate status" >&2
    exit 1
  fi
  case $diag in
    *'editedMigrationNames\": [],'*) edited=no ;;
    *"20240101000000_$c"*) edited=yes ;;
    *) echo "prisma-checksum-goldens: $c: cannot read $diag" >&2; exit 1 ;;
  esac
  printf '%s\t%s\t%s\t%s\n' "$c" "$recorded" "$(sha256sum <"$d/applied.sql" | cut -d' ' -f1)" "$edited" >>"$out"
  sql "$admin" "DROP DATABASE $db"
  echo "prisma-checksum-goldens: $c: edited=$edited" >&2
done
mv "$out" "$data/goldens.tsv"
