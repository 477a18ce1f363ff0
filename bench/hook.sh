#!/usr/bin/env bash
# Benchmark: dbguard hook pre-commit beside git status --porcelain on one
# repository of FILES tracked files (default 20,000) with 40 env files,
# median of RUNS runs, for two staged changes: a code file only, and a code
# file plus an env file (which makes the hook resolve the env files too).
#
# Usage: bench/hook.sh [RUNS] [FILES]     (make bench-hook)
set -euo pipefail

runs=${1:-9}
files=${2:-20000}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dbguard-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

(cd "$here" && go build -o "$work/dbguard" ./cmd/dbguard)
repo="$work/repo"
mkdir -p "$repo"
cd "$repo"
git init -q .
git config user.email bench@example.com
git config user.name bench
git config commit.gpgsign false
echo "generating $files files..." >&2
awk -v n="$files" -v repo="$repo" 'BEGIN {
  for (i = 0; i < n; i++) {
    dir = sprintf("%s/src/pkg%03d", repo, i % 400)
    if (i < 400) system("mkdir -p " dir)
    f = sprintf("%s/file%05d.py", dir, i)
    printf "def f%d():\n    return %d\n", i, i > f
    close(f)
  }
}'
for i in $(seq 1 20); do
  d="services/svc$i"; mkdir -p "$d"
  printf 'DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app\nPORT=%d\n' "$((3000 + i))" >"$d/.env"
  printf 'DATABASE_URL=postgres://user:password@localhost/app\nPORT=3000\n' >"$d/.env.example"
done
git add -A >/dev/null
git commit -q -m base

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR+1)/2; if (NR%2) print a[m]; else print (a[m-0.5]+a[m+0.5])/2}'; }
time_it() {
  local -n acc=$1; shift
  local t0; t0=$(now_ms)
  "$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; exit 1; }
  acc+=($(( $(now_ms) - t0 )))
}

echo 'def changed(): pass' >>src/pkg001/file00001.py
git add src/pkg001/file00001.py
status=() code=()
for r in $(seq 1 "$runs"); do
  time_it status git status --porcelain
  time_it code "$work/dbguard" hook pre-commit
done
echo 'LOG_LEVEL=debug' >>services/svc3/.env
git add services/svc3/.env
status2=() envrun=()
for r in $(seq 1 "$runs"); do
  time_it status2 git status --porcelain
  time_it envrun "$work/dbguard" hook pre-commit
done

m() { printf '%s\n' "$@" | median; }
s1=$(m "${status[@]}") c1=$(m "${code[@]}") s2=$(m "${status2[@]}") e2=$(m "${envrun[@]}")
cat <<EOF2

$(git ls-files | wc -l) tracked files, 40 env files, median of $runs runs, $(nproc) cores, $(git --version)

| staged change | \`git status --porcelain\` | \`dbguard hook pre-commit\` | ratio |
|---|---|---|---|
| one code file | ${s1} ms | ${c1} ms | $(awk -v a="$c1" -v b="$s1" 'BEGIN {printf "%.2fx", a/b}') |
| a code file and an env file | ${s2} ms | ${e2} ms | $(awk -v a="$e2" -v b="$s2" 'BEGIN {printf "%.2fx", a/b}') |
EOF2
