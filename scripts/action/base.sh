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

case "${GITHUB_EVENT_NAME:-}" in
  pull_request|pull_request_target) ;;
  *) exit 0 ;;
esac
base="${GITHUB_BASE_REF:-}"
[ -n "$base" ] || exit 0
if git rev-parse --verify --quiet --end-of-options "refs/remotes/origin/$base^{commit}" >/dev/null 2>&1; then
  exit 0
fi
if ! git fetch --no-tags --depth=1 origin "+refs/heads/$base:refs/remotes/origin/$base"; then
  echo "::warning title=dbguard::could not fetch the base branch; dbguard ci reads dbguard.yaml's trust-bearing settings from it"
fi
exit 0
