#!/usr/bin/env bash
# Goldens for dbguard's reading of Prisma schemas: Prisma's own schema
# engine (@prisma/prisma-schema-wasm's get_dmmf, npm) reads each case's
# schema (internal/models/testdata/prisma/CASE/schema.prisma, or the
# CASE/schema folder) and scripts/prisma-goldens/dmmf.js records its
# models, tables and column fields as CASE/dmmf.json, with the package's
# version. TestPrismaGoldens (go test ./internal/models, no node needed)
# requires dbguard's reading to find the same tables, columns, native types
# and optionality.
#
#   scripts/prisma-goldens.sh          # every case
set -euo pipefail

PRISMA_SCHEMA_WASM_VERSION=${PRISMA_SCHEMA_WASM_VERSION:-8.1.0-2.59be4fda12412a79eeb9c2ae727b6aa723593323}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$repo/internal/models/testdata/prisma
dir=${PRISMA_GOLDENS_DIR:-/tmp/dbguard-prisma-goldens}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ "$(node -p 'try { require(process.argv[1] + "/node_modules/@prisma/prisma-schema-wasm/package.json").version } catch (e) { "" }' "$dir")" != "$PRISMA_SCHEMA_WASM_VERSION" ]; then
  echo "prisma-goldens: installing @prisma/prisma-schema-wasm@$PRISMA_SCHEMA_WASM_VERSION into $dir" >&2
  (cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-fund --no-audit --save-exact "@prisma/prisma-schema-wasm@$PRISMA_SCHEMA_WASM_VERSION" >/dev/null)
fi
cp "$repo/scripts/prisma-goldens/dmmf.js" "$dir/dmmf.js"
for d in "$data"/*/; do
  c=$(basename "$d")
  schema=$d/schema.prisma
  [ -e "$schema" ] || schema=$d/schema
  node "$dir/dmmf.js" "$schema" >"$d/dmmf.json.new"
  mv "$d/dmmf.json.new" "$d/dmmf.json"
  echo "prisma-goldens: $c: $(grep -c '"table"' "$d/dmmf.json") model(s)" >&2
done
