#!/usr/bin/env bash
# Goldens for dbguard's static reading of Prisma config files
# (prisma.config.ts and the names Prisma accepts): Prisma's own loader
# (@prisma/config's loadConfigFromFile, which the prisma CLI calls; it
# runs the file) loads each case of internal/tool/testdata/prismaconfig/,
# and scripts/prisma-config-goldens/load.js records which file it found,
# the schema and migrations paths, and which variable and env file the
# datasource URL came from, as CASE/prisma-MAJOR.json, for Prisma 6 and 7.
# TestPrismaConfigGoldens (go test ./internal/tool, no node needed)
# requires dbguard's reading to agree, or to refuse the case.
#
#   scripts/prisma-config-goldens.sh
set -euo pipefail

PRISMA_VERSIONS=${PRISMA_VERSIONS:-"6.19.3 7.10.1"}
DOTENV_VERSION=${DOTENV_VERSION:-17.2.3}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$repo/internal/tool/testdata/prismaconfig
dir=${PRISMA_CONFIG_GOLDENS_DIR:-/tmp/dbguard-prisma-config-goldens}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

for v in $PRISMA_VERSIONS; do
  d=$dir/$v
  mkdir -p "$d"
  if [ "$(node -p 'try { require(process.argv[1] + "/node_modules/prisma/package.json").version } catch (e) { "" }' "$d")" != "$v" ]; then
    echo "prisma-config-goldens: installing prisma@$v into $d" >&2
    (cd "$d" && { [ -f package.json ] || npm init -y >/dev/null; } &&
      npm install --no-fund --no-audit --ignore-scripts --save-exact "prisma@$v" "@prisma/config@$v" "dotenv@$DOTENV_VERSION" >/dev/null)
  fi
  for c in "$data"/*/; do
    name=$(basename "$c")
    work=$d/cases/$name
    rm -rf "$work" && mkdir -p "$work" && cp -a "$c/." "$work/"
    rm -f "$work"/prisma-*.json
    ln -s "$d/node_modules" "$work/node_modules"
    DOTENV_CONFIG_QUIET=true node "$repo/scripts/prisma-config-goldens/load.js" "$work" >"$c/prisma-${v%%.*}.json.new" 2>/dev/null
    mv "$c/prisma-${v%%.*}.json.new" "$c/prisma-${v%%.*}.json"
    echo "prisma-config-goldens: $name: prisma $v: $(tr -d '\n' <"$c/prisma-${v%%.*}.json" | tr -s ' ')" >&2
  done
done
