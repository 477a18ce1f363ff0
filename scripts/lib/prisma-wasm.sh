# prisma-wasm.sh: sourced by the Prisma goldens scripts that run the real
# Prisma CLI on this project's machines, where its engine binaries cannot
# be downloaded (binaries.prisma.sh is unreachable).
#
# prisma_wasm_setup DIR NAME installs prisma, @prisma/adapter-pg (both
# $PRISMA_VERSION) and pg ($PG_VERSION) into DIR unless DIR holds that
# Prisma already, and exports what makes Prisma 6 run its schema engine as
# WebAssembly through the adapter (the binary paths are never run).
# @prisma/adapter-pg 6.19 cannot read PostgreSQL's `name` columns, which
# the engine's own catalogue queries return
# (github.com/prisma/orm/issues/27403): DIR's copy of the adapter maps that
# type to text. Nothing of Prisma's own code is touched. NAME is the
# calling script's, for its messages.
prisma_wasm_setup() {
  local dir=$1 name=$2 f
  if [ "$(node -p 'try { require(process.argv[1] + "/node_modules/prisma/package.json").version } catch (e) { "" }' "$dir")" != "$PRISMA_VERSION" ]; then
    echo "$name: installing prisma@$PRISMA_VERSION into $dir" >&2
    (cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } &&
      npm install --no-fund --no-audit --save-exact "prisma@$PRISMA_VERSION" "@prisma/adapter-pg@$PRISMA_VERSION" "pg@$PG_VERSION" >/dev/null)
  fi
  for f in "$dir"/node_modules/@prisma/adapter-pg/dist/index.js "$dir"/node_modules/@prisma/adapter-pg/dist/index.mjs; do
    grep -q '^    case 19: // name' "$f" ||
      sed -i 's|^    case ScalarColumnType.TEXT:$|    case 19: // name\n    case ScalarColumnType.TEXT:|' "$f"
  done
  touch "$dir/no-engine"
  chmod +x "$dir/no-engine"
  export PRISMA_QUERY_ENGINE_LIBRARY=$dir/no-engine PRISMA_SCHEMA_ENGINE_BINARY=$dir/no-engine
  export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
}
