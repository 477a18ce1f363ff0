#!/bin/sh
# dbguard pre-commit hook, installed by: dbguard hook install
# Blocks a commit whose staged env files name different databases, or that
# stages a real database password. Skip once: git commit --no-verify, or
# DBGUARD_SKIP=1 git commit. Remove: dbguard hook uninstall.

# A hook that was here before dbguard's still runs, first.
chained="$(dirname "$0")/pre-commit.dbguard-chained"
if [ -x "$chained" ]; then
  "$chained" "$@" || exit $?
fi

if [ "${DBGUARD_SKIP:-}" = 1 ]; then
  echo "dbguard: DBGUARD_SKIP=1: pre-commit checks skipped (the CI gate still runs them)" >&2
  exit 0
fi
if ! command -v dbguard >/dev/null 2>&1; then
  echo "dbguard: error: this repository's pre-commit hook needs dbguard on PATH" >&2
  echo "dbguard: hint: put dbguard on PATH: unpack a release archive (https://github.com/dbguard/dbguard/releases), or build it in a dbguard checkout with: go install ./cmd/dbguard; to commit once without it: git commit --no-verify" >&2
  exit 1
fi
exec dbguard hook pre-commit
