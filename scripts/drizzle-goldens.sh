#!/usr/bin/env bash
# Goldens for dbguard's reading of Drizzle schemas: the real drizzle-kit
# (npm) writes each case's first migration (drizzle-kit generate: the DDL a
# database gets; drizzle-kit export 0.31.11 ignores the config's casing),
# recorded with its version as internal/models/testdata/drizzle/CASE/golden.sql. TestDrizzleGoldens
# (go test ./internal/models, no node needed) loads that DDL into a real
# PostgreSQL and checks that dbguard's static reading of the same schema.ts
# finds exactly those tables, columns, types and nullability.
#
#   scripts/drizzle-goldens.sh            # every case
#   scripts/drizzle-goldens.sh callback   # only the named cases
#
# drizzle-kit runs each case's TypeScript: these are dbguard's own fixtures,
# never a repository under review (dbguard itself never runs drizzle-kit).
set -euo pipefail

DRIZZLE_KIT_VERSION=${DRIZZLE_KIT_VERSION:-0.31.11}
DRIZZLE_ORM_VERSION=${DRIZZLE_ORM_VERSION:-0.45.4}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$repo/internal/models/testdata/drizzle
dir=${DRIZZLE_GOLDENS_DIR:-/tmp/dbguard-drizzle}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { printf 'drizzle-goldens: %s\n' "$*" >&2; }

if [ "$(cd "$dir" && npx --no-install drizzle-kit --version 2>/dev/null | sed -n 's/^drizzle-kit: v//p')" != "$DRIZZLE_KIT_VERSION" ]; then
  log "installing drizzle-kit@$DRIZZLE_KIT_VERSION drizzle-orm@$DRIZZLE_ORM_VERSION into $dir"
  (cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-fund --no-audit --save-exact "drizzle-kit@$DRIZZLE_KIT_VERSION" "drizzle-orm@$DRIZZLE_ORM_VERSION" >/dev/null)
fi

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  for d in "$data"/*/; do cases+=("$(basename "$d")"); done
fi
for c in "${cases[@]}"; do
  work=$dir/cases/$c
  rm -rf "$work"
  mkdir -p "$work"
  cp -R "$data/$c/." "$work/"
  rm -rf "$work/golden.sql" "$work/drizzle"
  ln -s "$dir/node_modules" "$work/node_modules"
  (cd "$work" && npx --no-install drizzle-kit generate --config drizzle.config.ts --name golden >/dev/null)
  {
    printf -- '-- drizzle-kit %s generate, drizzle-orm %s (scripts/drizzle-goldens.sh)\n' "$DRIZZLE_KIT_VERSION" "$DRIZZLE_ORM_VERSION"
    cat "$work"/drizzle/0000_golden.sql
  } >"$data/$c/golden.sql.new"
  mv "$data/$c/golden.sql.new" "$data/$c/golden.sql"
  log "$c: $(grep -c '^CREATE TABLE' "$data/$c/golden.sql") table(s)"
done
