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
# reads carry protocol.allow=never): fetch the files of the base's tree
# that are missing here, by id, from origin. No commit, no history, no
# checkout. A fetch that fails is a warning: dbguard ci then stops, exit 2,
# naming the fetch that brings them.
blobs() {
  [ "$(git config --get remote.origin.promisor 2>/dev/null)" = true ] || return 0
  local missing
  missing=$(git rev-list --objects --missing=print "$1^{tree}" 2>/dev/null | sed -n 's/^?//p')
  [ -n "$missing" ] || return 0
  if ! printf '%s\n' "$missing" | git -c fetch.negotiationAlgorithm=noop fetch -q --no-tags --no-write-fetch-head --recurse-submodules=no --filter=blob:none origin --stdin; then
    echo "::warning title=dbguard::could not fetch the base branch's files into this partial clone; dbguard ci reads dbguard.yaml's trust-bearing settings from them"
  fi
}

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
