#!/usr/bin/env bash
# The incident and its cure, in under a minute, on this machine:
#   1. two env files name two Neon databases: dbguard env finds it;
#   2. on a throwaway local PostgreSQL, with a PgBouncer in transaction mode
#      standing in for the pooled endpoint: dbguard migrate up through the
#      pooled URL (rewritten to direct), verify passing, a column dropped
#      behind the tool's back and verify naming it, a failing migration and
#      the way out, another tool behind the guard;
#   3. the pre-commit hook blocking a commit of divergent env files.
#
# Usage: scripts/demo.sh [path/to/dbguard]   (make demo builds it first)
# Needs Go's build of dbguard and the PostgreSQL server binaries; PgBouncer
# is used when installed. Cleans up after itself, even when interrupted, and
# exits non-zero if any step does not behave as shown.
set -euo pipefail

dbguard=$(realpath "${1:-bin/dbguard}")
export PATH="$(dirname "$dbguard"):$PATH" # for the git hook
work=$(mktemp -d "${TMPDIR:-/tmp}/dbguard-demo.XXXXXX")
bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg=()
bouncer_pid=
cleanup() {
  [ -n "$bouncer_pid" ] && kill "$bouncer_pid" 2>/dev/null || true
  if [ -d "$work/pg/data" ]; then
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work"
git init -q .
git config user.email demo@example.com
git config user.name demo
git config commit.gpgsign false
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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

step "1. Two env files, two databases (the password_hash incident)"
cat > .env <<'EOF'
DATABASE_URL=postgresql://app:npg_demoRootPassword@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require
EOF
cat > backend/.env <<'EOF'
DATABASE_URL=postgresql://app:npg_demoBackendPassword@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require
EOF
expect 1 "$dbguard" env

step "   The fix: both name one endpoint (the root the direct, backend/ the pooled one)"
sed -i -e 's/ep-mute-moon-a4ueuef7/ep-old-lake-ahgffap2/' -e 's/npg_demoRootPassword/npg_demoBackendPassword/' .env
expect 0 "$dbguard" env

step "2. A throwaway PostgreSQL, and a PgBouncer in transaction mode in front of it"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "demo: no PostgreSQL server binaries (initdb) found; install them: apt-get install -y postgresql" >&2
  exit 1
fi
mkdir -p "$work/pg"
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); chmod 755 "$work"; chown postgres "$work/pg"; fi
printf 'npg_demoLocalPassword\n' >"$work/pg/pw"; chmod 600 "$work/pg/pw"
if [ ${#as_pg[@]} -gt 0 ]; then chown postgres "$work/pg/pw"; fi
port=$(free_port)
"${as_pg[@]}" "$bindir/initdb" -D "$work/pg/data" -U postgres --pwfile="$work/pg/pw" \
  --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"${as_pg[@]}" "$bindir/createdb" -h "$work/pg" -p "$port" -U postgres app
psql_() { "$bindir/psql" -X -q -h "$work/pg" -p "$port" -U postgres -d app "$@"; }
pooled=$(free_port)
if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
  pgb=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  printf '"postgres" "npg_demoLocalPassword"\n' >"$work/pg/users"
  cat >"$work/pg/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pooled
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $work/pg/users
pool_mode = transaction
logfile = $work/pg/pgbouncer.log
EOF
  [ ${#as_pg[@]} -gt 0 ] && chown postgres "$work/pg/users" "$work/pg/pgbouncer.ini"
  "${as_pg[@]}" "$pgb" "$work/pg/pgbouncer.ini" >/dev/null 2>&1 &
  bouncer_pid=$!
  for _ in $(seq 1 50); do (echo >/dev/tcp/127.0.0.1/"$pooled") 2>/dev/null && break; sleep 0.1; done
  echo "PostgreSQL on 127.0.0.1:$port, PgBouncer (transaction mode) on 127.0.0.1:$pooled"
else
  echo "PostgreSQL on 127.0.0.1:$port; PgBouncer is not installed (apt-get install -y pgbouncer),"
  echo "so the pooled port $pooled answers nothing: dbguard never connects to it anyway"
fi

url="postgres://postgres:npg_demoLocalPassword@127.0.0.1:$pooled/app?sslmode=disable"
echo "DATABASE_URL=$url" >.env
echo "DATABASE_URL=$url" >backend/.env
cat >dbguard.yaml <<EOF
version: 1
poolers:                 # our PgBouncer, like Neon's -pooler endpoint
  - name: demo-bouncer
    match: {host: 127.0.0.1, port: $pooled}
    direct: {port: $port}
expect:                  # what the app's code relies on
  user:
    email: varchar(255) not null
    password_hash: varchar(255) not null
EOF
echo "both .env files now name the pooled URL; dbguard.yaml knows its direct port"
expect 0 "$dbguard" env

step "   Migrations through the pooled URL: dbguard rewrites it to direct, then verifies"
expect 0 "$dbguard" migrate create --seq create_users
echo 'CREATE TABLE "user" (id serial PRIMARY KEY, email varchar(255) NOT NULL);' >migrations/000001_create_users.up.sql
echo 'DROP TABLE "user";' >migrations/000001_create_users.down.sql
expect 0 "$dbguard" migrate create add_password_hash
printf 'ALTER TABLE "user" ADD COLUMN password_hash varchar(255) NOT NULL;\nALTER TABLE "user"\n  ADD COLUMN created_at timestampz NOT NULL DEFAULT now();\n' \
  >migrations/000002_add_password_hash.up.sql
echo 'ALTER TABLE "user" DROP COLUMN password_hash, DROP COLUMN created_at;' >migrations/000002_add_password_hash.down.sql
expect 1 "$dbguard" migrate up

step "   A typo in migration 2, named at file:line:column; fix it, recover as the hint says, migrate again"
# The demo follows the hint dbguard printed, not a command of its own.
grep -q '^dbguard: hint: .*put the version back with: dbguard migrate recover$' "$work/all.log" || {
  echo "demo: migrate up did not suggest dbguard migrate recover" >&2
  exit 1
}
sed -i 's/timestampz/timestamptz/' migrations/000002_add_password_hash.up.sql
expect 0 "$dbguard" migrate recover
expect 0 "$dbguard" migrate up

step "   Someone drops a column behind the tool's back: verify names it"
psql_ -c 'ALTER TABLE "user" DROP COLUMN password_hash'
expect 1 "$dbguard" verify
psql_ -c 'ALTER TABLE "user" ADD COLUMN password_hash varchar(255) NOT NULL'
expect 0 "$dbguard" verify

if [ -n "$bouncer_pid" ]; then
  step "   The whole picture: both endpoints, one database"
  expect 0 "$dbguard" doctor
fi

step "   Another tool behind the same guard gets the direct URL in its environment"
expect 0 "$dbguard" exec -- sh -c 'echo "the child sees DATABASE_URL=$DATABASE_URL (dbguard redacts its output too)"'

step "3. The pre-commit hook refuses a commit of divergent env files"
cat >.gitignore <<'EOF'
.env
backend/.env
EOF
expect 0 "$dbguard" hook install
git add .gitignore dbguard.yaml migrations
expect 0 git commit -q -m "migrations"
echo 'DATABASE_URL=postgresql://app:${DB_PASSWORD}@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb' >.env.production
echo 'DATABASE_URL=postgresql://app:${DB_PASSWORD}@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb' >backend/.env.production
git add .env.production backend/.env.production
expect 1 git commit -q -m "production settings"

if grep -q 'npg_demo' "$work/all.log"; then
  echo "demo: a password reached the output" >&2
  exit 1
fi
step "Done: every step behaved, and no password was printed"
