#!/usr/bin/env bash
# dbguard's performance page: each operation beside its peer on the same
# data in the same run, on a throwaway PostgreSQL (in memory where /dev/shm
# allows), median wall time of RUNS runs and the peak memory of the
# median-or-worst run, as one Markdown table.
#
#   migrate  300 migrations: dbguard migrate up vs golang-migrate v4.20.1 (pgx5),
#            then again with nothing pending, at 0 and 10 ms round trip
#            (MIGRATE_RTT; bench/latency delays the bytes), and up beside the
#            floor (bench/floor: one pgx connection, one query per file);
#            with MIGRATE_BASE=COMMIT, also beside dbguard built at COMMIT,
#            on a third twin database in the same runs (before and after a
#            change, at the same load)
#   ledger   300 migrations: migrate up and status vs dbguard at LEDGER_BASE (the
#            commit before the ledger), what the ledger costs
#   schema   5,000 tables of 10 columns, 11,000 indexes (6,000 beside the primary
#            keys), 1,250 foreign keys: schema snapshot and verify vs pg_dump --schema-only,
#            with the CPU time (user+sys) of each side, client and server (the
#            server's from its postmaster's reaped children); with
#            SCHEMA_BASE=COMMIT, also verify as built at COMMIT in the same runs,
#            and its snapshot must be byte-identical to this tree's
#   hook     20,000 tracked files, 40 env files: hook pre-commit vs git status --porcelain
#   env      1,000 env files in 500 folders: dbguard env (the guard) vs find
#   services 50 services (each a folder with its own dbguard.yaml, a manifest,
#            two env files and a migrations folder): dbguard env at the root,
#            every service judged on its own (target: under 300 ms), vs find
#   plan     300 migrations all pending on an empty database: migrate plan vs
#            migrate up of the same files (the plan must stay under 3x)
#   plan135  OpenMeter's scale: 269 migrations, the database at the 134th, 135
#            pending that alter its tables (so each is traced): migrate plan,
#            its sandbox server included, vs migrate up of the same 135 files;
#            the plan cold (the replay cache emptied before each run: what CI
#            gets, nothing saved), cold again (the second plan of the same
#            files, which saves) and warm (the third, from the saved entry)
#            as separate rows, in a cache folder of the bench's own; with
#            PLAN_BASE=COMMIT, also dbguard built at COMMIT planning the
#            same database in the same runs (alternating which goes first)
#   chain    one .env whose variables each name the one before (${V}), the
#            URL at the end: 2,500 variables (56 KB) and 45,500 (1 MiB), and
#            1 MiB of variables that each also grow by a character (dbguard
#            stops at its expansion budget): dbguard env vs python-dotenv's
#            load_dotenv (which interpolates), Node's dotenv.parse (which does
#            not; npm install dotenv@16), and dbguard at CHAIN_BASE (before
#            issue 26) on the 2,500 (on the cases CHAIN_BASE_ON names:
#            CHAIN_BASE_ON="c2500 c1m g1m" for a later base)
#   memory   peak RSS of dbguard env and the hook (all files staged) on ten 1 MB
#            env files with an unclosed quote, and on 3,000 env files of 6 KB,
#            vs dbguard at MEMORY_BASE (before issue 19's fix) and Node's
#            dotenv.parse of the same files (npm install dotenv@16)
#
# Usage: bench/bench.sh [SECTION...]     (make bench; RUNS=7 by default)
set -euo pipefail

runs=${RUNS:-7}
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(migrate ledger schema hook env chain services plan plan135 memory)
here=$(cd "$(dirname "$0")/.." && pwd)
measure="$here/bench/measure.py"
shm=/dev/shm; [ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
work=$(mktemp -d "$shm/dbguard-bench.XXXXXX")
bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); chmod 755 "$work"; fi
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  [ ! -f "$work/latency.pids" ] || xargs -r kill <"$work/latency.pids" 2>/dev/null || true
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "bench: $*" >&2; }

say "building dbguard..."
# Every dbguard (this one and the bases) built as the release is
# (.goreleaser.yaml, make build): without urfave/cli's docs writers, and
# static. golang-migrate's releases are static too (its .goreleaser.yml), and
# so is the floor: a cgo build (net's resolver) loads libc at every start,
# ~6-12 ms of CPU per run here (docs/performance.md, "Round 6: the process
# start").
export CGO_ENABLED=0
dgtags=urfave_cli_no_docs
(cd "$here" && go build -tags "$dgtags" -o "$work/dbguard" ./cmd/dbguard)
dbguard="$work/dbguard"

say "starting a throwaway PostgreSQL..."
mkdir -p "$work/pg"; [ ${#as_pg[@]} -gt 0 ] && chown postgres "$work/pg"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bindir/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null 2>&1 ||
  { [ ${#as_pg[@]} -gt 0 ] && chown postgres "$work" && "${as_pg[@]}" "$bindir/initdb" -D "$work/data" -U postgres --auth=trust --no-sync >/dev/null; }
"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_locks_per_transaction=1024" start >/dev/null
psql_() { psql -X -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }
url() { echo "postgres://postgres@127.0.0.1:$port/$1?sslmode=disable"; }

median() { sort -n | awk '{a[NR]=$1} END {m=(NR+1)/2; if (NR%2) print a[m]; else print (a[m-0.5]+a[m+0.5])/2}'; }
maxof() { sort -n | tail -1; }
rows=()
# row NAME PEER DG_MS... -- PEER_MS... with DG_KB and PEER_KB arrays set by the caller
row() {
  local name=$1 peer=$2 dm pm dk pk ratio
  dm=$(printf '%s\n' "${dg_ms[@]}" | median); dk=$(printf '%s\n' "${dg_kb[@]}" | maxof)
  if [ ${#peer_ms[@]} -gt 0 ]; then
    pm=$(printf '%s\n' "${peer_ms[@]}" | median); pk=$(printf '%s\n' "${peer_kb[@]}" | maxof)
    ratio=$(awk -v a="$dm" -v b="$pm" 'BEGIN {printf "%.2fx", a/b}')
    rows+=("| $name | $dm ms | $peer | $pm ms | $ratio | $((dk / 1024)) MiB | $((pk / 1024)) MiB |")
  else
    rows+=("| $name | $dm ms | $peer | | | $((dk / 1024)) MiB | |")
  fi
}
# run_into MSVAR KBVAR CMD...: measure one run
run_into() {
  local -n ms=$1 kb=$2; shift 2
  local out; out=$("$measure" "$@")
  ms+=("${out% *}"); kb+=("${out#* }")
}

# pair A B R: create the databases A_R and B_R for run R, and print the
# order to measure them in, alternating with R so that drift over the run
# favours neither. unpair A B R drops them.
pair() {
  psql_ -d postgres -c "CREATE DATABASE $1_$3" -c "CREATE DATABASE $2_$3"
  if [ $(($3 % 2)) = 1 ]; then echo "$1 $2"; else echo "$2 $1"; fi
}
unpair() { psql_ -d postgres -c "DROP DATABASE $1_$3" -c "DROP DATABASE $2_$3"; }

# latency_port RTT_MS: the port of a proxy (bench/latency) that makes the
# throwaway server RTT_MS away, started once per RTT; the server's own port
# for 0.
latency_port() {
  if [ "$1" = 0 ]; then echo "$port"; return; fi
  [ -x "$work/latency" ] || (cd "$here" && go build -o "$work/latency" ./bench/latency)
  "$work/latency" -to "127.0.0.1:$port" -delay "$(awk -v r="$1" 'BEGIN {print r/2}')ms" >"$work/latency-$1.port" &
  # Started in the caller's $(...), so not one of the bench's jobs:
  # cleanup kills it by its pid.
  echo $! >>"$work/latency.pids"
  while [ ! -s "$work/latency-$1.port" ]; do sleep 0.05; done
  cat "$work/latency-$1.port"
}

# migrate up of 300 migrations, then again with nothing pending, beside
# golang-migrate, at each round trip time of MIGRATE_RTT (ms; "0 10" by
# default: a cloud database is 5-50 ms away).
bench_migrate() {
  say "migrate: 300 migrations, golang-migrate's CLI..."
  GOBIN="$work/bin" GOFLAGS=-mod=mod go install -tags pgx5 github.com/golang-migrate/migrate/v4/cmd/migrate@v4.20.1
  (cd "$here" && go build -o "$work/floor" ./bench/floor)
  local base=${MIGRATE_BASE:-}
  if [ -n "$base" ]; then
    say "migrate: building dbguard at $base..."
    mkdir -p "$work/mbase"
    git -C "$here" archive "$base" | tar -x -C "$work/mbase"
    (cd "$work/mbase" && go build -tags "$dgtags" -o "$work/dbguard-mbase" ./cmd/dbguard)
  fi
  local p="$work/mig"; mkdir -p "$p/migrations"; (cd "$p" && git init -q .)
  for i in $(seq 1 300); do
    v=$(printf '%06d' "$i")
    printf 'CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL, ref bigint, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX t_%d_name ON t_%d (name);\n' "$i" "$i" "$i" >"$p/migrations/${v}_t${i}.up.sql"
  done
  local rtt pp
  for rtt in ${MIGRATE_RTT:-0 10}; do
    pp=$(latency_port "$rtt")
    say "migrate: $rtt ms round trip (port $pp)"
    local up_ms=() up_kb=() pup_ms=() pup_kb=() no_ms=() no_kb=() pno_ms=() pno_kb=() fl_ms=() fl_kb=()
    local bup_ms=() bup_kb=() bno_ms=() bno_kb=()
    for r in $(seq 1 "$runs"); do
      psql_ -d postgres -c "CREATE DATABASE raw_$r" -c "CREATE DATABASE dg_$r" -c "CREATE DATABASE floor_$r" -c "CREATE DATABASE mbase_$r"
      run_into fl_ms fl_kb "$work/floor" -path "$p/migrations" -database "postgres://postgres@127.0.0.1:$pp/floor_$r?sslmode=disable"
      if [ -n "$base" ] && [ $((r % 2)) = 1 ]; then
        echo "DATABASE_URL=postgres://postgres@127.0.0.1:$pp/mbase_$r?sslmode=disable" >"$p/.env"
        run_into bup_ms bup_kb --cwd "$p" "$work/dbguard-mbase" migrate up
        run_into bno_ms bno_kb --cwd "$p" "$work/dbguard-mbase" migrate up
      fi
      echo "DATABASE_URL=postgres://postgres@127.0.0.1:$pp/dg_$r?sslmode=disable" >"$p/.env"
      local raw="pgx5://postgres@127.0.0.1:$pp/raw_$r?sslmode=disable"
      # Alternate which goes first, so drift over the run favours neither.
      if [ $((r % 2)) = 1 ]; then
        run_into pup_ms pup_kb "$work/bin/migrate" -path "$p/migrations" -database "$raw" up
        run_into up_ms up_kb --cwd "$p" "$dbguard" migrate up
        run_into pno_ms pno_kb "$work/bin/migrate" -path "$p/migrations" -database "$raw" up
        run_into no_ms no_kb --cwd "$p" "$dbguard" migrate up
      else
        run_into up_ms up_kb --cwd "$p" "$dbguard" migrate up
        run_into pup_ms pup_kb "$work/bin/migrate" -path "$p/migrations" -database "$raw" up
        run_into no_ms no_kb --cwd "$p" "$dbguard" migrate up
        run_into pno_ms pno_kb "$work/bin/migrate" -path "$p/migrations" -database "$raw" up
      fi
      if [ -n "$base" ] && [ $((r % 2)) = 0 ]; then
        echo "DATABASE_URL=postgres://postgres@127.0.0.1:$pp/mbase_$r?sslmode=disable" >"$p/.env"
        run_into bup_ms bup_kb --cwd "$p" "$work/dbguard-mbase" migrate up
        run_into bno_ms bno_kb --cwd "$p" "$work/dbguard-mbase" migrate up
      fi
      [ "$(psql_ -At -d "dg_$r" -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\_%'")" = 300 ] ||
        { say "dbguard did not apply 300 migrations"; exit 1; }
      psql_ -d postgres -c "DROP DATABASE raw_$r" -c "DROP DATABASE dg_$r" -c "DROP DATABASE floor_$r" -c "DROP DATABASE mbase_$r"
    done
    dg_ms=("${up_ms[@]}") dg_kb=("${up_kb[@]}") peer_ms=("${pup_ms[@]}") peer_kb=("${pup_kb[@]}")
    row "migrate up, 300 migrations, $rtt ms round trip" "golang-migrate up"
    peer_ms=("${fl_ms[@]}") peer_kb=("${fl_kb[@]}")
    row "migrate up, 300 migrations, $rtt ms round trip" "the floor: one pgx connection, one query per file"
    dg_ms=("${no_ms[@]}") dg_kb=("${no_kb[@]}") peer_ms=("${pno_ms[@]}") peer_kb=("${pno_kb[@]}")
    row "migrate up, nothing pending (300 applied), $rtt ms round trip" "golang-migrate up"
    if [ -n "$base" ]; then
      dg_ms=("${up_ms[@]}") dg_kb=("${up_kb[@]}") peer_ms=("${bup_ms[@]}") peer_kb=("${bup_kb[@]}")
      row "migrate up, 300 migrations, $rtt ms round trip" "dbguard $base"
      dg_ms=("${no_ms[@]}") dg_kb=("${no_kb[@]}") peer_ms=("${bno_ms[@]}") peer_kb=("${bno_kb[@]}")
      row "migrate up, nothing pending (300 applied), $rtt ms round trip" "dbguard $base"
    fi
  done
}

# The ledger's cost: the same 300 migrations applied by this dbguard and by
# the one before the ledger, built from LEDGER_BASE; then status with 300
# applied (it reads the ledger and checksums every applied file).
bench_ledger() {
  local base=${LEDGER_BASE:-2e89caf}
  say "ledger: building dbguard at $base..."
  mkdir -p "$work/base"
  git -C "$here" archive "$base" | tar -x -C "$work/base"
  (cd "$work/base" && go build -tags "$dgtags" -o "$work/dbguard-base" ./cmd/dbguard)
  local p="$work/led"; mkdir -p "$p/migrations"; (cd "$p" && git init -q .)
  for i in $(seq 1 300); do
    v=$(printf '%06d' "$i")
    printf 'CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL, ref bigint, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX t_%d_name ON t_%d (name);\n' "$i" "$i" "$i" >"$p/migrations/${v}_t${i}.up.sql"
  done
  local up_ms=() up_kb=() bup_ms=() bup_kb=() st_ms=() st_kb=() bst_ms=() bst_kb=()
  for r in $(seq 1 "$runs"); do
    for who in $(pair base led "$r"); do
      echo "DATABASE_URL=$(url "${who}_$r")" >"$p/.env"
      if [ "$who" = led ]; then
        run_into up_ms up_kb --cwd "$p" "$dbguard" migrate up --no-verify
        run_into st_ms st_kb --cwd "$p" "$dbguard" migrate status
      else
        run_into bup_ms bup_kb --cwd "$p" "$work/dbguard-base" migrate up --no-verify
        run_into bst_ms bst_kb --cwd "$p" "$work/dbguard-base" migrate status
      fi
    done
    [ "$(psql_ -At -d "led_$r" -c "SELECT count(*) FROM dbguard_migrations WHERE state = 'done'")" = 300 ] ||
      { say "the ledger did not record 300 migrations"; exit 1; }
    unpair base led "$r"
  done
  dg_ms=("${up_ms[@]}") dg_kb=("${up_kb[@]}") peer_ms=("${bup_ms[@]}") peer_kb=("${bup_kb[@]}")
  row "migrate up, 300 migrations, with the ledger" "dbguard $base (no ledger)"
  dg_ms=("${st_ms[@]}") dg_kb=("${st_kb[@]}") peer_ms=("${bst_ms[@]}") peer_kb=("${bst_kb[@]}")
  row "migrate status, 300 applied, with the ledger" "dbguard $base (no ledger)"
}

bench_schema() {
  say "schema: 5,000 tables of 10 columns, 11,000 indexes, 1,250 foreign keys..."
  psql_ -d postgres -c "CREATE DATABASE wide"
  awk 'BEGIN { print "BEGIN;"; for (i = 1; i <= 5000; i++) {
    printf "CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL, email varchar(255), total numeric(12,2) DEFAULT 0, qty integer, flag boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now(), ref bigint, tags text[], note text);\n", i
    printf "CREATE INDEX t_%d_ref ON t_%d (ref);\n", i, i
    if (i % 5 == 0) printf "CREATE INDEX t_%d_name ON t_%d (name, created_at);\n", i, i
    if (i % 4 == 0) printf "ALTER TABLE t_%d ADD CONSTRAINT t_%d_ref_fk FOREIGN KEY (ref) REFERENCES t_%d (id);\n", i, i, i - 1 }
    print "COMMIT;" }' | psql_ -d wide >/dev/null
  local p="$work/wide"; mkdir -p "$p"; (cd "$p" && git init -q .)
  echo "DATABASE_URL=$(url wide)" >"$p/.env"
  local base=${SCHEMA_BASE:-}
  if [ -n "$base" ]; then
    say "schema: building dbguard at $base..."
    mkdir -p "$work/sbase"
    git -C "$here" archive "$base" | tar -x -C "$work/sbase"
    (cd "$work/sbase" && go build -tags "$dgtags" -o "$work/dbguard-sbase" ./cmd/dbguard)
  fi
  local snap_ms=() snap_kb=() ver_ms=() ver_kb=() dump_ms=() dump_kb=() bver_ms=() bver_kb=()
  local cpu_snap=() cpu_ver=() cpu_dump=() cpu_bver=()
  # cpu_into VAR CMD...: measure one run as run_into does, and append
  # "client server" CPU ms to VAR (the server's from the postmaster's
  # reaped children: each connection's backend, once it has exited).
  local pm; pm=$(head -1 "$work/data/postmaster.pid")
  server_cpu() { awk -v t="$(getconf CLK_TCK)" '{print ($16 + $17) * 1000 / t}' "/proc/$pm/stat"; }
  cpu_into() {
    local -n c=$1; shift
    local before after; before=$(server_cpu)
    run_into "$1" "$2" --cpu "$work/cpu" "${@:3}"
    sleep 0.2; after=$(server_cpu)
    c+=("$(cat "$work/cpu") $(awk -v a="$before" -v b="$after" 'BEGIN {print b - a}')")
  }
  for r in $(seq 1 "$runs"); do
    cpu_into cpu_snap snap_ms snap_kb --cwd "$p" "$dbguard" schema snapshot
    cpu_into cpu_ver ver_ms ver_kb --cwd "$p" "$dbguard" verify
    if [ -n "$base" ]; then cpu_into cpu_bver bver_ms bver_kb --cwd "$p" "$work/dbguard-sbase" verify; fi
    cpu_into cpu_dump dump_ms dump_kb "$bindir/pg_dump" --schema-only -h 127.0.0.1 -p "$port" -U postgres -f "$work/dump.sql" wide
  done
  if [ -n "$base" ]; then
    cp "$p/dbguard.schema.yaml" "$work/snapshot.yaml"
    (cd "$p" && "$work/dbguard-sbase" schema snapshot 2>/dev/null)
    cmp "$p/dbguard.schema.yaml" "$work/snapshot.yaml" || { say "schema: the snapshots of $base and of this tree differ"; exit 1; }
  fi
  local what
  for what in snap ver bver dump; do
    local -n cs=cpu_$what
    [ ${#cs[@]} -gt 0 ] || continue
    say "schema: $what CPU, median of $runs: client $(printf '%s\n' "${cs[@]}" | awk '{print $1}' | median) ms, server $(printf '%s\n' "${cs[@]}" | awk '{print $2}' | median) ms"
  done
  dg_ms=("${snap_ms[@]}") dg_kb=("${snap_kb[@]}") peer_ms=("${dump_ms[@]}") peer_kb=("${dump_kb[@]}")
  row "schema snapshot, 5,000 tables" "pg_dump --schema-only"
  dg_ms=("${ver_ms[@]}") dg_kb=("${ver_kb[@]}")
  row "verify (snapshot), 5,000 tables" "pg_dump --schema-only"
  if [ -n "$base" ]; then
    peer_ms=("${bver_ms[@]}") peer_kb=("${bver_kb[@]}")
    row "verify (snapshot), 5,000 tables" "dbguard $base verify"
  fi
}

bench_hook() {
  say "hook: 20,000 tracked files and 40 env files..."
  local p="$work/repo"; mkdir -p "$p"
  (cd "$p" && git init -q . && git config user.email b@example.com && git config user.name b && git config commit.gpgsign false)
  awk -v repo="$p" 'BEGIN { for (i = 0; i < 20000; i++) { d = sprintf("%s/src/pkg%03d", repo, i % 400); if (i < 400) system("mkdir -p " d); f = sprintf("%s/file%05d.py", d, i); printf "def f%d():\n    return %d\n", i, i > f; close(f) } }'
  for i in $(seq 1 20); do
    mkdir -p "$p/services/svc$i"
    printf 'DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app\nPORT=%d\n' $((3000 + i)) >"$p/services/svc$i/.env"
    printf 'DATABASE_URL=postgres://user:password@localhost/app\nPORT=3000\n' >"$p/services/svc$i/.env.example"
  done
  (cd "$p" && git add -A && git commit -q -m base)
  for scenario in code env; do
    if [ $scenario = code ]; then
      echo 'def changed(): pass' >>"$p/src/pkg001/file00001.py"; (cd "$p" && git add src/pkg001/file00001.py)
    else
      echo 'LOG_LEVEL=debug' >>"$p/services/svc3/.env"; (cd "$p" && git add services/svc3/.env)
    fi
    dg_ms=() dg_kb=() peer_ms=() peer_kb=()
    for r in $(seq 1 "$runs"); do
      run_into peer_ms peer_kb --cwd "$p" git status --porcelain
      run_into dg_ms dg_kb --cwd "$p" "$dbguard" hook pre-commit
    done
    if [ $scenario = code ]; then
      row "hook pre-commit, a code file staged (20,000 files)" "git status --porcelain"
    else
      row "hook pre-commit, an env file staged (20,000 files)" "git status --porcelain"
    fi
  done
}

bench_env() {
  say "env: 1,000 env files in 500 folders..."
  local p="$work/envtree"; mkdir -p "$p"; (cd "$p" && git init -q .)
  for i in $(seq 1 500); do
    d="$p/services/s$i/app"; mkdir -p "$d"
    printf 'PORT=%d\nDATABASE_URL=postgres://app:pw@db.internal:5432/app\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n' $((3000 + i)) >"$d/.env"
    echo 'DATABASE_URL=postgres://app:pw@DB.internal/app' >"$d/.env.local"
  done
  dg_ms=() dg_kb=() peer_ms=() peer_kb=()
  for r in $(seq 1 "$runs"); do
    run_into dg_ms dg_kb --cwd "$p" "$dbguard" env
    run_into peer_ms peer_kb find "$p" -name '.env*'
  done
  row "env (the guard), 1,000 env files" "find -name '.env*'"
}

# dbguard env at the root of a monorepo of 50 services (issue 24: under
# 300 ms), each its own database, half Next.js apps and half Python workers.
bench_services() {
  say "services: dbguard env at the root of 50 services..."
  local p="$work/monorepo"; mkdir -p "$p"; (cd "$p" && git init -q .)
  echo 'version: 1' >"$p/dbguard.yaml"
  for i in $(seq 1 50); do
    d="$p/apps/svc$i"; mkdir -p "$d/migrations"
    echo 'version: 1' >"$d/dbguard.yaml"
    if [ $((i % 2)) = 0 ]; then
      echo '{"dependencies": {"next": "14.2.5"}}' >"$d/package.json"
      printf 'DATABASE_URL=postgres://app:pw@db.internal:5432/svc%d\n' "$i" >"$d/.env"
      printf 'DATABASE_URL=postgres://app:pw@db.internal:5432/svc%d\nNEXT_PUBLIC_X=1\n' "$i" >"$d/.env.local"
    else
      echo 'python-dotenv==1.0.1' >"$d/requirements.txt"
      printf 'DATABASE_URL=postgres://app:pw@db.internal:5432/svc%d\n' "$i" >"$d/.env"
      mkdir -p "$d/jobs"; printf 'DATABASE_URL=postgres://app:pw@db.internal:5432/svc%d\n' "$i" >"$d/jobs/.env"
    fi
    printf 'CREATE TABLE t%d (id int);\n' "$i" >"$d/migrations/000001_t.up.sql"
  done
  dg_ms=() dg_kb=() peer_ms=() peer_kb=()
  for r in $(seq 1 "$runs"); do
    run_into dg_ms dg_kb --cwd "$p" "$dbguard" env
    run_into peer_ms peer_kb find "$p" -name '.env*'
  done
  row "env at the root of 50 services" "find -name '.env*'"
}

# A chain of ${V} references in one .env (issue 26): each variable names
# the one before, DATABASE_URL the last. dbguard expands it as dotenv-expand,
# Vite, Next, python-dotenv, godotenv and compose would; python-dotenv's
# load_dotenv interpolates it once; Node's dotenv.parse only parses.
bench_chain() {
  local base=${CHAIN_BASE:-49fdc8f}
  say "chain: building dbguard at $base..."
  mkdir -p "$work/cbase"
  git -C "$here" archive "$base" | tar -x -C "$work/cbase"
  (cd "$work/cbase" && go build -tags "$dgtags" -o "$work/dbguard-cbase" ./cmd/dbguard)
  local node_ok= py_ok=
  if command -v npm >/dev/null && npm install --silent --prefix "$work/node" dotenv@16 >/dev/null 2>&1; then node_ok=1; fi
  if python3 -c 'import dotenv' 2>/dev/null; then py_ok=1; fi
  python3 - "$work/chain" <<'PY'
import os, sys
root = sys.argv[1]
for name, n, grow in (("c2500", 2500, ""), ("c1m", 45500, ""), ("g1m", 43600, "x")):
    os.makedirs(root + "/" + name)
    lines = ["VAR_00000=s3cret"] + ["VAR_%05d=${VAR_%05d}%s" % (i, i - 1, grow) for i in range(1, n)]
    lines.append("DATABASE_URL=postgres://app:${VAR_%05d}@db.internal:5432/app" % (n - 1))
    open(root + "/" + name + "/.env", "w").write("\n".join(lines) + "\n")
PY
  local t what
  for t in c2500 c1m g1m; do
    (cd "$work/chain/$t" && git init -q .)
    case $t in
      c2500) what='a 56 KB .env, a 2,500-variable ${V} chain' ;;
      c1m) what='a 1 MiB .env, a 45,500-variable ${V} chain' ;;
      g1m) what='a 1 MiB .env, 43,600 variables each one longer (stops at the budget)' ;;
    esac
    local env_ms=() env_kb=() py_ms=() py_kb=() node_ms=() node_kb=() b_ms=() b_kb=()
    for r in $(seq 1 "$runs"); do
      run_into env_ms env_kb --cwd "$work/chain/$t" "$dbguard" env
      if [ -n "$py_ok" ] && [ "$t" != g1m ]; then # g1m: python-dotenv builds its gigabyte
        run_into py_ms py_kb --cwd "$work/chain/$t" python3 -c 'import dotenv; dotenv.load_dotenv(".env")'
      fi
      if [ -n "$node_ok" ]; then
        run_into node_ms node_kb --cwd "$work/chain/$t" env NODE_PATH="$work/node/node_modules" node -e \
          'require("dotenv").parse(require("fs").readFileSync(".env"))'
      fi
      # CHAIN_BASE_ON: the cases the base runs (c2500 only by default:
      # the others took 49fdc8f minutes)
      case " ${CHAIN_BASE_ON:-c2500} " in *" $t "*)
        run_into b_ms b_kb --cwd "$work/chain/$t" "$work/dbguard-cbase" env ;;
      esac
    done
    dg_ms=("${env_ms[@]}") dg_kb=("${env_kb[@]}") peer_ms=() peer_kb=()
    if [ ${#py_ms[@]} -gt 0 ]; then
      peer_ms=("${py_ms[@]}") peer_kb=("${py_kb[@]}"); row "env, $what" "python-dotenv load_dotenv"
    fi
    if [ ${#node_ms[@]} -gt 0 ]; then
      peer_ms=("${node_ms[@]}") peer_kb=("${node_kb[@]}"); row "env, $what" "node dotenv.parse (no expansion)"
    fi
    if [ ${#b_ms[@]} -gt 0 ]; then
      peer_ms=("${b_ms[@]}") peer_kb=("${b_kb[@]}"); row "env, $what" "dbguard $base env"
    fi
    if [ ${#py_ms[@]} -eq 0 ] && [ ${#node_ms[@]} -eq 0 ] && [ ${#b_ms[@]} -eq 0 ]; then
      peer_ms=() peer_kb=(); row "env, $what" ""
    fi
  done
}

# migrate plan on 300 pending migrations of an empty database: a shadow
# database, then every file in it, against migrate up of the same files. Each
# file also alters the table the one before created, so later files touch
# relations the run made (new to everyone: no lock findings, no danger).
bench_plan() {
  say "plan: 300 pending migrations on an empty database..."
  local p="$work/plan"; mkdir -p "$p/migrations"; (cd "$p" && git init -q .)
  for i in $(seq 1 300); do
    v=$(printf '%06d' "$i")
    {
      printf 'CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL, ref bigint, created_at timestamptz NOT NULL DEFAULT now());\n' "$i"
      printf 'CREATE INDEX t_%d_name ON t_%d (name);\n' "$i" "$i"
      if [ "$i" -gt 1 ]; then
        printf 'ALTER TABLE t_%d ADD COLUMN note text;\n' $((i - 1))
        printf 'ALTER TABLE t_%d ADD CONSTRAINT t_%d_ref FOREIGN KEY (ref) REFERENCES t_%d (id);\n' "$i" "$i" $((i - 1))
      fi
    } >"$p/migrations/${v}_t${i}.up.sql"
  done
  dg_ms=() dg_kb=() peer_ms=() peer_kb=()
  for r in $(seq 1 "$runs"); do
    for who in $(pair plan up "$r"); do
      echo "DATABASE_URL=$(url "${who}_$r")" >"$p/.env"
      if [ "$who" = plan ]; then
        run_into dg_ms dg_kb --cwd "$p" "$dbguard" migrate plan --format json
        out=$(cd "$p" && "$dbguard" migrate plan --format json 2>/dev/null) || { say "the plan failed or has danger findings"; exit 1; }
        grep -q '"danger": 0' <<<"$out" || { say "the plan has danger findings"; exit 1; }
      else
        run_into peer_ms peer_kb --cwd "$p" "$dbguard" migrate up --no-verify
      fi
    done
    [ "$(psql_ -At -d "plan_$r" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ] ||
      { say "the plan changed the live database"; exit 1; }
    unpair plan up "$r"
  done
  row "migrate plan, 300 pending migrations" "dbguard migrate up"
}

# migrate plan at OpenMeter's scale (issue 20): 269 files, the live database
# at the 134th with rows, the 135 pending ones altering its tables, so every
# file is traced statement by statement in the sandbox (a throwaway server
# started for the run: its start, and the replay of the 134 applied files
# that builds the shadow, are part of the time), against migrate up of the
# same 135 files on a copy at the same version.
bench_plan135() {
  local base=${PLAN_BASE:-}
  if [ -n "$base" ]; then
    say "plan135: building dbguard at $base..."
    mkdir -p "$work/pbase"
    git -C "$here" archive "$base" | tar -x -C "$work/pbase"
    (cd "$work/pbase" && go build -tags "$dgtags" -o "$work/dbguard-pbase" ./cmd/dbguard)
  fi
  say "plan135: 135 pending migrations on a database at the 134th..."
  local p="$work/plan135"; mkdir -p "$p/migrations"; (cd "$p" && git init -q .)
  for i in $(seq 1 269); do
    v=$(printf '%06d' "$i")
    if [ "$i" -le 134 ]; then
      printf 'CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX t_%d_name ON t_%d (name);\n' "$i" "$i" "$i"
    else
      k=$(((i - 135) % 134 + 1)) # a live table (t_1 twice)
      printf "SET lock_timeout = '5s';\nALTER TABLE t_%d ADD COLUMN note_%d text;\nCREATE TABLE u_%d (id bigserial PRIMARY KEY, t_id bigint NOT NULL, at timestamptz);\nCREATE INDEX u_%d_t ON u_%d (t_id);\n" "$k" "$i" "$i" "$i" "$i"
    fi >"$p/migrations/${v}_m${i}.up.sql"
  done
  # The plans' caches (templates, the replay cache) in a folder of the
  # bench's own: the cold runs empty its replay cache, not the user's.
  local cache="$work/plan135-cache"; mkdir -p "$cache"; chmod 700 "$cache"
  local replay="$cache/dbguard/sandbox/replay"
  local -x XDG_CACHE_HOME="$cache" # this function's commands only
  dg_ms=() dg_kb=() peer_ms=() peer_kb=() base_ms=() base_kb=() warm_ms=() warm_kb=() save_ms=() save_kb=()
  for r in $(seq 1 "$runs"); do
    for who in $(pair plan up "$r"); do
      echo "DATABASE_URL=$(url "${who}_$r")" >"$p/.env"
      (cd "$p" && "$dbguard" migrate up --no-verify 134 >/dev/null 2>&1) || { say "migrate up 134 failed"; exit 1; }
      # VACUUM makes t_1's free-space and visibility maps now: made by
      # autovacuum between two plans, they changed its size in the report
      # and failed the warm-equals-cold check below.
      psql_ -d "${who}_$r" -c "INSERT INTO t_1 (name) SELECT 'n' || g FROM generate_series(1, 10000) g" -c "VACUUM ANALYZE t_1" -c "ANALYZE"
    done
    for who in $(pair_order plan up "$r"); do
      echo "DATABASE_URL=$(url "${who}_$r")" >"$p/.env"
      if [ "$who" = plan ] && [ "$r" = 1 ]; then
        # The templates made once, untimed, for every binary.
        (cd "$p" && DBGUARD_NO_CACHE=1 "$dbguard" migrate plan --format json >/dev/null 2>&1) || true
        [ -z "$base" ] || (cd "$p" && "$work/dbguard-pbase" migrate plan --format json >/dev/null 2>&1) || true
      fi
      if [ "$who" = plan ] && [ -n "$base" ] && [ $((r % 2)) = 0 ]; then
        run_into base_ms base_kb --cwd "$p" env DBGUARD_NO_CACHE=1 "$work/dbguard-pbase" migrate plan --format json
      fi
      if [ "$who" = plan ]; then
        rm -rf "$replay"
        run_into dg_ms dg_kb --cwd "$p" "$dbguard" migrate plan --format json
        run_into save_ms save_kb --cwd "$p" "$dbguard" migrate plan --format json
        run_into warm_ms warm_kb --cwd "$p" "$dbguard" migrate plan --format json
        if [ -n "$base" ] && [ $((r % 2)) = 1 ]; then
          run_into base_ms base_kb --cwd "$p" env DBGUARD_NO_CACHE=1 "$work/dbguard-pbase" migrate plan --format json
        fi
        out=$(cd "$p" && "$dbguard" migrate plan --format json 2>/dev/null) || { say "the plan failed or has danger findings"; exit 1; }
        grep -q '"danger": 0' <<<"$out" || { say "the plan has danger findings"; exit 1; }
        grep -q '"traced": true' <<<"$out" || { say "the plan traced nothing"; exit 1; }
        cold=$(cd "$p" && DBGUARD_NO_CACHE=1 "$dbguard" migrate plan --format json 2>/dev/null) || { say "the plan without the cache failed"; exit 1; }
        [ "$cold" = "$out" ] || { say "the warm plan's report differs from the replayed one's"; exit 1; }
      else
        run_into peer_ms peer_kb --cwd "$p" "$dbguard" migrate up --no-verify
      fi
    done
    [ "$(psql_ -At -d "plan_$r" -c "SELECT version FROM schema_migrations")" = 134 ] ||
      { say "the plan changed the live database"; exit 1; }
    unpair plan up "$r"
  done
  row "migrate plan, 135 pending of 269 (traced, sandbox included), cold: replay cache emptied" "dbguard migrate up"
  local cold_ms=("${dg_ms[@]}") cold_kb=("${dg_kb[@]}")
  dg_ms=("${save_ms[@]}") dg_kb=("${save_kb[@]}")
  row "migrate plan, the same 135, cold again: the second plan of these files, which saves the replay" "dbguard migrate up"
  dg_ms=("${warm_ms[@]}") dg_kb=("${warm_kb[@]}")
  row "migrate plan, the same 135, warm: the replay from the cache the second plan saved" "dbguard migrate up"
  dg_ms=("${cold_ms[@]}") dg_kb=("${cold_kb[@]}")
  if [ -n "$base" ]; then
    local new_ms=("${dg_ms[@]}") new_kb=("${dg_kb[@]}")
    dg_ms=("${base_ms[@]}") dg_kb=("${base_kb[@]}")
    row "migrate plan at $base, the same 135, cache off (DBGUARD_NO_CACHE=1)" "dbguard migrate up"
    dg_ms=("${new_ms[@]}") dg_kb=("${new_kb[@]}") peer_ms=("${base_ms[@]}") peer_kb=("${base_kb[@]}")
    row "migrate plan, the same 135, cold" "migrate plan at $base"
  fi
}

# pair_order A B R: the order pair prints, for databases that exist.
pair_order() { if [ $(($3 % 2)) = 1 ]; then echo "$1 $2"; else echo "$2 $1"; fi; }

# Issue 19: env parsing held about 400x its input. Two trees: ten 1 MB env
# files in one folder, each with a double quote near the top that never
# closes and then 70,000 short lines; 3,000 env files of 6 KB in 300
# folders. dbguard env and the pre-commit hook with every file staged, each
# beside dbguard at MEMORY_BASE; Node's dotenv.parse of the same files as
# the peer (one parser, no loaders), when npm can install it.
bench_memory() {
  local base=${MEMORY_BASE:-2ab41f5}
  say "memory: building dbguard at $base..."
  mkdir -p "$work/mbase"
  git -C "$here" archive "$base" | tar -x -C "$work/mbase"
  (cd "$work/mbase" && go build -tags "$dgtags" -o "$work/dbguard-mbase" ./cmd/dbguard)
  local node_ok=
  if command -v npm >/dev/null && npm install --silent --prefix "$work/node" dotenv@16 >/dev/null 2>&1; then node_ok=1; fi
  python3 - "$work/mem" <<'PY'
import os, sys
root = sys.argv[1]
names = [".env", ".env.local", ".env.development", ".env.development.local", ".env.test",
         ".env.production", ".env.staging", ".env.ci", ".env.preview", ".env.qa"]
os.makedirs(root + "/quote")
for n in names:
    parts, j = ["DATABASE_URL=postgres://app@db.internal:5432/app\nX=\"start\n"], 0
    size = len(parts[0])
    while size < 1000 * 1000 - 40:
        parts.append("K%d=value%d\n" % (j, j)); size += len(parts[-1]); j += 1
    open(root + "/quote/" + n, "w").write("".join(parts))
for i in range(3000):
    d = root + "/many/s%03d" % (i // 10)
    os.makedirs(d, exist_ok=True)
    parts, j = ["DATABASE_URL=postgres://app@db.internal:5432/app\n"], 0
    size = len(parts[0])
    while size < 6000 - 40:
        parts.append('VAR_%d="value %d with words and $X"\n' % (j, j)); size += len(parts[-1]); j += 1
    open(d + "/" + (".env" if i % 10 == 0 else ".env.m%d" % (i % 10)), "w").write("".join(parts))
PY
  local t
  for t in quote many; do
    (cd "$work/mem/$t" && git init -q . && git add -A)
    (cd "$work/mem/$t" && find . -name '.env*' -type f) >"$work/mem/$t.files"
    local env_ms=() env_kb=() benv_ms=() benv_kb=() hook_ms=() hook_kb=() bhook_ms=() bhook_kb=() node_ms=() node_kb=()
    for r in $(seq 1 "$runs"); do
      run_into env_ms env_kb --cwd "$work/mem/$t" "$dbguard" env
      run_into benv_ms benv_kb --cwd "$work/mem/$t" "$work/dbguard-mbase" env
      run_into hook_ms hook_kb --cwd "$work/mem/$t" "$dbguard" hook pre-commit
      run_into bhook_ms bhook_kb --cwd "$work/mem/$t" "$work/dbguard-mbase" hook pre-commit
      if [ -n "$node_ok" ]; then
        run_into node_ms node_kb --cwd "$work/mem/$t" env NODE_PATH="$work/node/node_modules" node -e \
          'const d=require("dotenv"),fs=require("fs");for(const f of fs.readFileSync(process.argv[1],"utf8").split("\n"))if(f)d.parse(fs.readFileSync(f))' "$work/mem/$t.files"
      fi
    done
    local what="ten 1 MB env files, unclosed quote"; [ $t = many ] && what="3,000 env files of 6 KB"
    dg_ms=("${env_ms[@]}") dg_kb=("${env_kb[@]}") peer_ms=("${benv_ms[@]}") peer_kb=("${benv_kb[@]}")
    row "env, $what" "dbguard $base env"
    dg_ms=("${hook_ms[@]}") dg_kb=("${hook_kb[@]}") peer_ms=("${bhook_ms[@]}") peer_kb=("${bhook_kb[@]}")
    row "hook pre-commit, $what staged" "dbguard $base hook"
    if [ -n "$node_ok" ]; then
      dg_ms=("${env_ms[@]}") dg_kb=("${env_kb[@]}") peer_ms=("${node_ms[@]}") peer_kb=("${node_kb[@]}")
      row "env, $what" "node dotenv.parse of each file"
    fi
  done
}

for s in "${sections[@]}"; do "bench_$s"; done

cat <<EOF

$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, PostgreSQL $(psql_ -d postgres -At -c 'SHOW server_version' | cut -d' ' -f1) (fsync off, in $shm), $(git --version), median of $runs runs

| operation | dbguard | peer | peer time | ratio | dbguard peak RSS | peer peak RSS |
|---|---|---|---|---|---|---|
EOF
printf '%s\n' "${rows[@]}"
