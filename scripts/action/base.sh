#!/usr/bin/env bash
# The Action's base step: on a pull request, dbguard ci takes the
# trust-bearing settings of dbguard.yaml from the base branch
# (docs/ci.md#pull-requests-which-settings-come-from-the-base-branch), and
# actions/checkout's default clone (depth 1) holds only the pull request's
# merge commit. Fetch the base branch's tip, one commit, no tags, into
# origin/BRANCH, where dbguard ci looks. Nothing else: no checkout, no hook.
# A fetch that fails is a warning: dbguard ci then says whether it needs the
# base (exit 2, naming this same fetch) or not.
set -uo pipefail
# safe.bareRepository=explicit: the working directory is the pull request's
# tree, and a folder of it holding a git directory's files (HEAD, objects/,
# refs/, a config naming core.worktree and remote.origin.uploadpack or
# core.sshCommand) would otherwise be the repository git uses, and its
# fetch would run the command that config names.
git() { command git -c safe.bareRepository=explicit -c core.fsmonitor=false "$@"; }
# Git older than 2.38 ignores safe.bareRepository (Ubuntu 22.04's is
# 2.34): the step names the repository itself, the nearest folder at or
# above the working directory holding a .git (a name no commit holds),
# as dbguard does for such a git (internal/hooks explicitRepository).
# With none, GIT_DIR names one that does not exist, and git says it is
# in no repository.
if [ -z "${GIT_DIR:-}" ]; then
  top=$PWD
  while [ ! -e "$top/.git" ] && [ "$top" != / ]; do top=$(dirname "$top"); done
  if [ -e "$top/.git" ]; then
    export GIT_DIR="$top/.git" GIT_WORK_TREE="$top"
  else
    export GIT_DIR="$PWD/.git"
  fi
fi

# A partial clone (actions/checkout's filter: blob:none) holds the base's
# trees but not its files, and dbguard ci fetches nothing itself (its git
# reads carry protocol.allow=never): fetch, by id, from origin, the files
# of the base's tree that dbguard ci reads and this clone lacks, and no
# other (in a monorepo checked out sparse, or far from its base, the
# base's missing files are most of the repository). What ci reads of the
# base (internal/pullrequest), by name, whatever dbguard.yaml says:
# - every dbguard.yaml (the walk, services, renames) and every symbolic
#   link (a dbguard.yaml that is one is followed), then what the
#   dbguard.yaml links lead to;
# - what detects the migrations tool and Prisma's variables
#   (detectionMark, prismaCandidate): alembic.ini, package.json, *.prisma,
#   prisma*, .config/, and *.sql but golang-migrate's *.up.sql and
#   *.down.sql, whose names alone are read;
# - for a dbguard:allow comment, whether it is new (AddedLines): the files
#   of the work tree holding one, at their path, and when one of them is
#   new at its path, the files the pull request deletes (git's rename
#   candidates).
# No commit, no history, no checkout. A fetch that fails is a warning:
# dbguard ci then stops, exit 2, naming the fetch that brings them.
blobs() (
  [ "$(git config --get remote.origin.promisor 2>/dev/null)" = true ] || return 0
  rev=$1
  missing=$(git rev-list --objects --missing=print "$rev^{tree}" 2>/dev/null | sed -n 's/^?//p')
  [ -n "$missing" ] || return 0
  top=$(git rev-parse --show-toplevel 2>/dev/null) && cd "$top" || return 0
  # ls-tree's lines: MODE TYPE ID<tab>PATH, a PATH git quotes in "...".
  want=$(git ls-tree -r --full-tree "$rev" 2>/dev/null | awk -F '\t' '
    { split($1, m, " "); p = $2; sub(/^"/, "", p); sub(/"$/, "", p)
      n = split(p, part, "/"); b = part[n]
      if (m[2] != "blob") next
      if (m[1] == "120000" || b == "dbguard.yaml" || b == "alembic.ini" || b == "package.json" ||
          b ~ /\.prisma$/ || b ~ /^prisma/ || p ~ /(^|\/)\.config\// ||
          (b ~ /\.sql$/ && b !~ /\.(up|down)\.sql$/)) print m[3] }')
  # The work tree's files holding a dbguard:allow comment (paths NUL
  # separated, in a file: a name may hold a line break).
  found=$(mktemp) || return 0
  trap 'rm -f "$found"' EXIT
  git grep -l -z -F -e dbguard:allow >"$found" 2>/dev/null
  allow=$(tr '\0' '\n' <"$found" | grep -c .)
  if [ "$allow" -gt 0 ]; then
    # xargs runs git itself, not the function above: its settings again.
    there=$(xargs -0 git -c safe.bareRepository=explicit -c core.fsmonitor=false --literal-pathspecs ls-tree --full-tree "$rev" -- <"$found" 2>/dev/null | awk '$2 == "blob" { print $3 }')
    want=$want$'\n'$there
    if [ "$(printf '%s\n' "$there" | grep -c .)" -lt "$allow" ]; then
      want=$want$'\n'$(git diff-tree -r --no-renames --diff-filter=D "$rev" HEAD 2>/dev/null | awk '{ print $3 }')
    fi
  fi
  fetch() {
    local ids
    ids=$(printf '%s\n' "$missing" | grep -Fx -f <(printf '%s\n' "$1" | grep .))
    [ -n "$ids" ] || return 0
    printf '%s\n' "$ids" | git -c fetch.negotiationAlgorithm=noop fetch -q --no-tags --no-write-fetch-head --recurse-submodules=no --filter=blob:none origin --stdin
  }
  if ! fetch "$want"; then
    echo "::warning title=dbguard::could not fetch the base branch's files into this partial clone; dbguard ci reads dbguard.yaml's trust-bearing settings from them"
    return 0
  fi
  # What a dbguard.yaml that is a link leads to, through links in the
  # base's tree (their targets are here now); the object's id alone, so
  # cat-file reads no missing file.
  targets=$(git -c core.quotePath=false ls-tree -r --full-tree "$rev" 2>/dev/null |
    awk -F '\t' -v rev="$rev" '$1 ~ /^120000 / && $2 !~ /^"/ && ($2 == "dbguard.yaml" || $2 ~ /\/dbguard\.yaml$/) { print rev ":" $2 }' |
    git cat-file --batch-check='%(objectname)' --follow-symlinks 2>/dev/null | grep -E '^[0-9a-f]{40,64}$')
  if [ -n "$targets" ] && ! fetch "$targets"; then
    echo "::warning title=dbguard::could not fetch the base branch's files into this partial clone; dbguard ci reads dbguard.yaml's trust-bearing settings from them"
  fi
  return 0
)

case "${GITHUB_EVENT_NAME:-}" in
  pull_request|pull_request_target) ;;
  *) exit 0 ;;
esac
base="${GITHUB_BASE_REF:-}"
[ -n "$base" ] || exit 0
if git rev-parse --verify --quiet --end-of-options "refs/remotes/origin/$base^{commit}" >/dev/null 2>&1; then
  blobs "refs/remotes/origin/$base"
  exit 0
fi
# Already here: the base side of the merge commit GitHub made (HEAD is
# $GITHUB_SHA on pull_request), or pull_request_target's $GITHUB_SHA, the
# base branch's commit. dbguard ci reads it; a depth-1 fetch of a commit
# the clone holds would mark it shallow and cut the history a deeper
# checkout (fetch-depth: 10) fetched for the job's later steps.
sha="${GITHUB_SHA:-}"
if [ -n "$sha" ]; then
  case "$GITHUB_EVENT_NAME" in
    pull_request)
      if [ "$(git rev-parse --verify --quiet HEAD 2>/dev/null)" = "$sha" ] &&
        git rev-parse --verify --quiet "HEAD^2^{commit}" >/dev/null 2>&1 &&
        git rev-parse --verify --quiet "HEAD^1^{commit}" >/dev/null 2>&1; then
        blobs "HEAD^1"
        exit 0
      fi ;;
    pull_request_target)
      if git cat-file -e "$sha^{commit}" 2>/dev/null; then
        blobs "$sha"
        exit 0
      fi ;;
  esac
fi
if ! git fetch --no-tags --depth=1 origin "+refs/heads/$base:refs/remotes/origin/$base"; then
  echo "::warning title=dbguard::could not fetch the base branch; dbguard ci reads dbguard.yaml's trust-bearing settings from it"
  exit 0
fi
blobs "refs/remotes/origin/$base"
exit 0
