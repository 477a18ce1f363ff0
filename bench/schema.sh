#!/usr/bin/env bash
# Benchmark: dbguard schema snapshot and dbguard verify (against that
# snapshot) beside pg_dump --schema-only, on one database of TABLES tables
# of 10 columns each (default 5,000), median of RUNS runs.
#
# Usage: bench/schema.sh [RUNS] [TABLES]     (make bench-schema)
set -euo pipefail

runs=${1:-5}
tables=${2:-5000}
here=$(cd "$(dirname "$0")/.." && pwd)
shm=/dev/shm; [ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
work=$(mktemp -d "$shm/dbguard-bench.XXXXXX")
bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  as_pg=(runuser -u postgres --)
  chown postgres "$work"
fi
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "building dbguard..." >&2
(cd "$here" && go build -o "$work/dbguard" ./cmd/dbguard)
echo "starting a throwaway PostgreSQL and creating $tables tables..." >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bindir/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_locks_per_transaction=1024" start >/dev/null
psql_() { psql -X -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psql_ -d postgres -c "CREATE DATABASE bench"
awk -v n="$tables" 'BEGIN {
  print "BEGIN;"
  for (i = 1; i <= n; i++)
    printf "CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL, email varchar(255), total numeric(12,2) DEFAULT 0, qty integer, flag boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now(), ref bigint, tags text[], note text);\n", i
  print "COMMIT;"
}' | psql_ -d bench >/dev/null

mkdir -p "$work/project"
echo "DATABASE_URL=postgres://postgres@127.0.0.1:$port/bench?sslmode=disable" >"$work/project/.env"
(cd "$work/project" && git init -q .)

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR+1)/2; if (NR%2) print a[m]; else print (a[m-0.5]+a[m+0.5])/2}'; }
time_it() { # time_it VAR CMD...: append the wall time of CMD to the array VAR
  local -n acc=$1; shift
  local t0; t0=$(now_ms)
  "$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; exit 1; }
  acc+=($(( $(now_ms) - t0 )))
}

snap=() ver=() dump=()
for r in $(seq 1 "$runs"); do
  time_it snap  sh -c "cd '$work/project' && '$work/dbguard' schema snapshot"
  time_it ver   sh -c "cd '$work/project' && '$work/dbguard' verify"
  time_it dump  "$bindir/pg_dump" --schema-only -h 127.0.0.1 -p "$port" -U postgres -f "$work/dump.sql" bench
done
n=$(grep -c '^  t_' "$work/project/dbguard.schema.yaml")
[ "$n" = "$tables" ] || { echo "bench: the snapshot has $n tables, want $tables" >&2; exit 1; }

cat <<EOF

$tables tables of 10 columns, median of $runs runs, PostgreSQL $(psql_ -d bench -At -c 'SHOW server_version'), $(nproc) cores

| operation | median wall time | runs (ms) |
|---|---|---|
| \`dbguard schema snapshot\` | $(printf '%s\n' "${snap[@]}" | median) ms | ${snap[*]} |
| \`dbguard verify\` (against that snapshot) | $(printf '%s\n' "${ver[@]}" | median) ms | ${ver[*]} |
| \`pg_dump --schema-only\` | $(printf '%s\n' "${dump[@]}" | median) ms | ${dump[*]} |
EOF
