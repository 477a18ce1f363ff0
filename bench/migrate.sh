#!/usr/bin/env bash
# Benchmark: apply 300 migrations with `dbguard migrate up` and with the raw
# golang-migrate CLI (v4.20.1, built with -tags pgx5) on the same throwaway
# server, each into a fresh database, and report medians and the ratio. Also
# times the guard alone (`dbguard env`: config + env resolution).
#
# Usage: bench/migrate.sh [RUNS] [MIGRATIONS]     (make bench-migrate)
# Needs Go and the PostgreSQL server binaries; downloads golang-migrate's CLI
# through the Go module proxy on first use.
set -euo pipefail

runs=${1:-5}
count=${2:-300}
here=$(cd "$(dirname "$0")/.." && pwd)
# The cluster lives in memory when it can: wall time on a VM disk swings 2x
# from run to run with checkpoints and writeback, which would drown the
# difference being measured.
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

echo "building dbguard and golang-migrate's CLI..." >&2
(cd "$here" && go build -o "$work/bin/dbguard" ./cmd/dbguard)
GOBIN="$work/bin" GOFLAGS=-mod=mod go install -tags pgx5 github.com/golang-migrate/migrate/v4/cmd/migrate@v4.20.1

echo "starting a throwaway PostgreSQL..." >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bindir/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null
psql_() { psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

mkdir -p "$work/project/migrations"
(cd "$work/project" && git init -q .)
for i in $(seq 1 "$count"); do
  v=$(printf '%06d' "$i")
  cat >"$work/project/migrations/${v}_table_${i}.up.sql" <<EOF
CREATE TABLE t_$i (id bigserial PRIMARY KEY, name text NOT NULL, ref bigint, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX t_${i}_name ON t_$i (name);
EOF
  echo "DROP TABLE t_$i;" >"$work/project/migrations/${v}_table_${i}.down.sql"
done

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR+1)/2; if (NR%2) print a[m]; else print (a[m-0.5]+a[m+0.5])/2}'; }

run_raw() {
  t0=$(now_ms)
  "$work/bin/migrate" -path "$work/project/migrations" \
    -database "pgx5://postgres@127.0.0.1:$port/raw_$1?sslmode=disable" up >/dev/null 2>&1
  raw+=($(( $(now_ms) - t0 )))
}
run_guarded() {
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$port/guarded_$1?sslmode=disable" >"$work/project/.env"
  t0=$(now_ms)
  (cd "$work/project" && "$work/bin/dbguard" migrate up >/dev/null 2>&1)
  guarded+=($(( $(now_ms) - t0 )))
}

raw=() guarded=() guard=()
for r in $(seq 1 "$runs"); do
  psql_ -c "CREATE DATABASE raw_$r" -c "CREATE DATABASE guarded_$r"
  # Alternate which goes first, so drift over the run favours neither.
  if [ $((r % 2)) = 1 ]; then run_raw "$r"; run_guarded "$r"; else run_guarded "$r"; run_raw "$r"; fi

  t0=$(now_ms)
  (cd "$work/project" && "$work/bin/dbguard" env >/dev/null 2>&1)
  guard+=($(( $(now_ms) - t0 )))

  n=$(psql_ -At -d "guarded_$r" -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\_%'")
  [ "$n" = "$count" ] || { echo "bench: dbguard applied $n of $count migrations" >&2; exit 1; }
  psql_ -c "DROP DATABASE raw_$r" -c "DROP DATABASE guarded_$r"
done

raw_m=$(printf '%s\n' "${raw[@]}" | median)
guarded_m=$(printf '%s\n' "${guarded[@]}" | median)
guard_m=$(printf '%s\n' "${guard[@]}" | median)
ratio=$(awk -v a="$guarded_m" -v b="$raw_m" 'BEGIN {printf "%.2f", a/b}')

cat <<EOF

$count migrations, median of $runs runs, PostgreSQL $(psql_ -At -c 'SHOW server_version'), $(nproc) cores

| operation | median wall time | runs (ms) |
|---|---|---|
| golang-migrate v4.20.1 CLI \`up\` (pgx5) | ${raw_m} ms | ${raw[*]} |
| \`dbguard migrate up\` (guard + migrate) | ${guarded_m} ms | ${guarded[*]} |
| ratio dbguard / golang-migrate | ${ratio}x | |
| the guard alone (\`dbguard env\`) | ${guard_m} ms | ${guard[*]} |
EOF
