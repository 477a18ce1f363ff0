#!/usr/bin/env bash
# CI's plan with the Action's replay cache (docs/ci.md#the-replay-cache),
# each run a "job" with a fresh cache folder (the template cluster copied
# in, as its build is the same in every variant, the portable hashes'
# memo removed), on bench.sh plan135's files (134 applied, 135 pending),
# the variants interleaved (the order reversed every other round):
#   base   dbguard at BASE, cold: what every CI job ran before
#   cold   this build, cold, no variables: the same path
#   coldp  DBGUARD_CACHE_PORTABLE=1: cold, the key's hashes paid
#   save   DBGUARD_CACHE_PORTABLE=1 DBGUARD_CACHE_SAVE=first: the job
#          that saves for the next
#   warm   the same, the folder a save wrote copied in: the next job
# One line per run: wall, user, sys (/usr/bin/time; the sandbox server is
# dbguard's child, so its CPU is counted), the cache's talk, the load.
# The warm plan's report must equal the cold one's and the base's.
#   ROUNDS=10 nice bash bench/cicache.sh ./dbguard ./dbguard-base
set -euo pipefail
DG=$(realpath "$1"); BASE=$(realpath "$2"); ROUNDS=${ROUNDS:-8}
W=/dev/shm/dbguard-cicache.$$; rm -rf $W; mkdir -p $W
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
chmod 755 $W; mkdir -p $W/pgs
R=""; if [ "$(id -u)" = 0 ]; then R="runuser -u postgres --"; chown postgres $W/pgs; fi
$R $PGBIN/initdb -D $W/pgs/pg -U postgres -A trust >/dev/null
$R $PGBIN/pg_ctl -D $W/pgs/pg -o "-p ${PORT:-5499} -k $W/pgs -c listen_addresses=''" -l $W/pgs/pg.log -w start >/dev/null
trap '$R $PGBIN/pg_ctl -D $W/pgs/pg -m immediate stop >/dev/null; rm -rf $W' EXIT
psql -h $W/pgs -p ${PORT:-5499} -U postgres -qc "CREATE DATABASE app"
p=$W/proj; mkdir -p $p/migrations; (cd $p && git init -q .)
for i in $(seq 1 269); do
  v=$(printf '%06d' "$i")
  if [ "$i" -le 134 ]; then
    printf 'CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX t_%d_name ON t_%d (name);\n' "$i" "$i" "$i"
  else
    k=$(((i - 135) % 134 + 1))
    printf "SET lock_timeout = '5s';\nALTER TABLE t_%d ADD COLUMN note_%d text;\nCREATE TABLE u_%d (id bigserial PRIMARY KEY, t_id bigint NOT NULL, at timestamptz);\nCREATE INDEX u_%d_t ON u_%d (t_id);\n" "$k" "$i" "$i" "$i" "$i"
  fi >"$p/migrations/${v}_m${i}.up.sql"
done
echo "DATABASE_URL=postgres://postgres@/app?host=$W/pgs&port=${PORT:-5499}" > $p/.env
(cd $p && $DG migrate up --no-verify 134 >/dev/null 2>&1)
# A template made once, copied into every job's fresh cache (its build is
# the same in every variant), without the portable hashes' memo.
mkdir -p $W/base; chmod 700 $W/base
(cd $p && XDG_CACHE_HOME=$W/base DBGUARD_NO_CACHE=1 $DG migrate plan --format json >/dev/null 2>&1) || true
rm -rf $W/base/dbguard/sandbox/replay
job() { # name dir envs...
  local name=$1 dir=$2; shift 2
  (cd $p && env XDG_CACHE_HOME=$dir "$@" /usr/bin/time -o $W/time.$name -f '%e %U %S' $DG migrate plan --format json >$W/out.$name 2>$W/err.$name) || true
  local t; t=$(cat $W/time.$name)
  echo "$name $t $(grep -o 'replay cache: [a-z, ]*' $W/err.$name | head -1) | $(cut -d' ' -f1-3 /proc/loadavg)"
}
fresh() { rm -rf $1; cp -a $W/base $1; rm -f $1/dbguard/sandbox/versions/sha256-*; }
for r in $(seq 1 $ROUNDS); do
  order="base cold coldp save warm"; [ $((r % 2)) = 0 ] && order="warm save coldp cold base"
  # warm needs a save from this round or an earlier one
  [ -d $W/saved ] || { fresh $W/j; job prep $W/j DBGUARD_CACHE_PORTABLE=1 DBGUARD_CACHE_SAVE=first >/dev/null; sleep 1; rm -rf $W/saved; cp -a $W/j/dbguard/sandbox/replay $W/saved; }
  for v in $order; do
    fresh $W/j
    case $v in
      cold) job cold $W/j ;;
      base) DG0=$DG; DG=$BASE; job base $W/j; DG=$DG0 ;;
      coldp) job coldp $W/j DBGUARD_CACHE_PORTABLE=1 ;;
      save) job save $W/j DBGUARD_CACHE_PORTABLE=1 DBGUARD_CACHE_SAVE=first; sleep 0.5 ;;
      warm) cp -a $W/saved $W/j/dbguard/sandbox/replay; job warm $W/j DBGUARD_CACHE_PORTABLE=1 DBGUARD_CACHE_SAVE=first ;;
    esac
  done
  cmp -s $W/out.cold $W/out.warm || echo "REPORT DIFFERS round $r"
  cmp -s $W/out.cold $W/out.base || echo "BASE REPORT DIFFERS round $r"
done
