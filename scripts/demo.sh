#!/usr/bin/env bash
# The incident in one minute: two .env files name two Neon databases, dbguard
# finds it, and once backend/.env points at the same endpoint (pooled),
# dbguard agrees and shows the direct URL migrations will use.
#
# Usage: scripts/demo.sh [path/to/dbguard]   (make demo builds it first)
# Exits non-zero if any step does not behave as shown.
set -euo pipefail

dbguard=$(realpath "${1:-bin/dbguard}")
work=$(mktemp -d "${TMPDIR:-/tmp}/dbguard-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"
git init -q .
mkdir backend

bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
expect() { # expect CODE CMD...: run CMD, show its output, check its exit code
  local want=$1; shift
  printf '$ %s\n' "$*" >&2
  set +e; "$@" 2>&1 | tee -a "$work/all.log"; local got=${PIPESTATUS[0]}; set -e
  if [ "$got" != "$want" ]; then
    echo "demo: '$*' exited $got, expected $want" >&2
    exit 1
  fi
}

step "Two env files, two databases (the password_hash incident)"
cat > .env <<'EOF'
DATABASE_URL=postgresql://app:npg_demoRootPassword@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require
EOF
cat > backend/.env <<'EOF'
DATABASE_URL=postgresql://app:npg_demoBackendPassword@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require
EOF
expect 1 "$dbguard" env

step "Fix: the root .env names the same endpoint as backend/.env (direct vs pooled)"
cat > .env <<'EOF'
DATABASE_URL=postgresql://app:npg_demoRootPassword@ep-old-lake-ahgffap2.us-east-1.aws.neon.tech/neondb?sslmode=require
EOF
expect 0 "$dbguard" env

step "The same verdict as JSON, for scripts"
expect 0 "$dbguard" env --format json >"$work/env.json"
grep -E '"(verdict|rewritten)"' "$work/env.json"

if grep -q 'npg_demo' "$work/all.log" "$work/env.json"; then
  echo "demo: a password reached the output" >&2
  exit 1
fi
step "Done: no password was printed at any step"
