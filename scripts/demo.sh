#!/usr/bin/env bash
# The incident in one minute: two .env files name two Neon databases, dbguard
# finds it, and once backend/.env points at the same endpoint (pooled),
# dbguard agrees and shows the direct URL migrations will use. Then, on a
# throwaway local PostgreSQL: migrations through dbguard, a failing one and
# the way out, and another tool run behind the guard.
#
# Usage: scripts/demo.sh [path/to/dbguard]   (make demo builds it first)
# Exits non-zero if any step does not behave as shown.
set -euo pipefail

dbguard=$(realpath "${1:-bin/dbguard}")
work=$(mktemp -d "${TMPDIR:-/tmp}/dbguard-demo.XXXXXX")
bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg=()
cleanup() {
  if [ -d "$work/pg/data" ]; then
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
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

step "A throwaway local PostgreSQL for the migration part"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "demo: no PostgreSQL server binaries (initdb) found; install them: apt-get install -y postgresql" >&2
  exit 1
fi
mkdir -p "$work/pg"
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); chmod 755 "$work"; chown postgres "$work/pg"; fi
printf 'npg_demoLocalPassword\n' >"$work/pg/pw"; chmod 600 "$work/pg/pw"
[ ${#as_pg[@]} -gt 0 ] && chown postgres "$work/pg/pw"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bindir/initdb" -D "$work/pg/data" -U postgres --pwfile="$work/pg/pw" \
  --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"${as_pg[@]}" "$bindir/createdb" -h "$work/pg" -p "$port" -U postgres app
rm backend/.env
echo "DATABASE_URL=postgres://postgres:npg_demoLocalPassword@127.0.0.1:$port/app?sslmode=disable" >.env
echo "PostgreSQL on 127.0.0.1:$port, database app; .env now names it (backend/.env removed)"

step "Migrations, behind the guard"
expect 0 "$dbguard" migrate create --seq create_users
echo 'CREATE TABLE "user" (id serial PRIMARY KEY, email varchar(255) NOT NULL);' >migrations/000001_create_users.up.sql
echo 'DROP TABLE "user";' >migrations/000001_create_users.down.sql
expect 0 "$dbguard" migrate create add_password_hash
printf 'ALTER TABLE "user" ADD COLUMN password_hash varchar(255);\nALTER TABLE "user"\n  ADD COLUMN created_at timestampz NOT NULL DEFAULT now();\n' \
  >migrations/000002_add_password_hash.up.sql
echo 'ALTER TABLE "user" DROP COLUMN password_hash, DROP COLUMN created_at;' >migrations/000002_add_password_hash.down.sql
expect 1 "$dbguard" migrate status

step "A typo in migration 2: the file, line and column, and the way out"
expect 1 "$dbguard" migrate up
expect 1 "$dbguard" migrate version

step "Fix the typo, mark version 1 clean, migrate again"
sed -i 's/timestampz/timestamptz/' migrations/000002_add_password_hash.up.sql
expect 0 "$dbguard" migrate force 1
expect 0 "$dbguard" migrate up
expect 0 "$dbguard" migrate status

step "Another tool behind the same guard: it gets the URL in its environment"
expect 0 "$dbguard" exec -- sh -c 'echo "the child sees DATABASE_URL=$DATABASE_URL (dbguard redacts its output too)"'

if grep -q 'npg_demo' "$work/all.log" "$work/env.json"; then
  echo "demo: a password reached the output" >&2
  exit 1
fi
step "Done: no password was printed at any step"
