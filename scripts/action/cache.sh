#!/usr/bin/env bash
# The Action's replay cache steps (docs/ci.md#the-replay-cache). A plan
# replays every applied migration into its sandbox; dbguard keeps that
# replay in its cache folder, and the Action keeps the folder between jobs
# with actions/cache, so a job's plan starts warm from an earlier job's.
#   cache.sh plan   decides, before the restore, what this job does: step
#                   outputs restore, save (true/false), home (the
#                   XDG_CACHE_HOME dbguard ci runs with), path (the folder
#                   actions/cache keeps), key and the two restore prefixes,
#                   portable and save-first (the variables dbguard reads)
#   cache.sh new    after dbguard ci: save=true when it wrote an entry
#                   (an entry only taken or nothing is not saved again)
# Inputs, as environment variables (never pasted into the script):
#   DBGUARD_REPLAY_CACHE  auto (default), save, restore or off
#   DBGUARD_CACHE_FILES   git pathspecs whose blobs name the key's prefix
#   DBGUARD_PR_HEAD_REPO  the pull request's head repository (a fork's name
#                         differs from GITHUB_REPOSITORY)
# Who may write what a later job restores: GitHub keeps a cache in the
# scope of the ref that saved it, and a job reads its own ref's and the
# base branch's. auto saves only from events whose job runs code already
# trusted on that ref (push, merge_group, schedule, workflow_dispatch) or
# a pull request from this repository (its own scope), and only on a
# GitHub-hosted runner: never from pull_request_target or workflow_run
# (they save into the base branch's scope, which every pull request
# reads), a fork's pull request or a self-hosted runner (docs/security.md).
set -euo pipefail

home="$RUNNER_TEMP/dbguard-cache"
path="$home/dbguard/sandbox/replay"
stamp="$RUNNER_TEMP/dbguard-cache.stamp"
# SHA-256 of stdin, its first $1 hex digits (macOS runners have shasum).
sum() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -c1-"$1"
}

case "${1:-}" in
plan)
  mode="${DBGUARD_REPLAY_CACHE:-auto}"
  case "$mode" in
  auto | save | restore | off) ;;
  *)
    echo "::error title=dbguard::replay-cache '$mode' is not auto, save, restore or off"
    exit 2
    ;;
  esac
  restore=true save=false
  case "$mode" in
  off) restore=false ;;
  save) save=true ;;
  auto)
    why=""
    case "${GITHUB_EVENT_NAME:-}" in
    push | merge_group | schedule | workflow_dispatch) ;;
    pull_request | pull_request_review | pull_request_review_comment)
      if [ "${DBGUARD_PR_HEAD_REPO:-}" != "${GITHUB_REPOSITORY:-}" ]; then
        why="a pull request from another repository (${DBGUARD_PR_HEAD_REPO:-unknown})"
      fi
      ;;
    *) why="the event ${GITHUB_EVENT_NAME:-unknown}, which may save into the base branch's scope" ;;
    esac
    if [ -z "$why" ] && [ "${RUNNER_ENVIRONMENT:-}" != github-hosted ]; then
      why="a runner that is not GitHub-hosted (${RUNNER_ENVIRONMENT:-unknown})"
    fi
    if [ -z "$why" ]; then
      save=true
    else
      echo "dbguard: replay cache: restored only, never saved from $why (replay-cache: save saves anyway)"
    fi
    ;;
  esac
  # The prefix: the blobs of the files that decide the replay, as the
  # checkout's own index holds them (a nearer entry for the same files);
  # the key ends with the run, so a job that wrote a new entry saves it.
  # git reads actions/checkout's own repository, named (never one a
  # folder of the pull request's tree could stand for), and only its
  # index: ls-files -s runs no filter, hook or fsmonitor.
  files=none
  if [ -d "$GITHUB_WORKSPACE/.git" ]; then
    read -ra specs <<< "${DBGUARD_CACHE_FILES:-*.sql dbguard.yaml}"
    if listed="$(GIT_DIR="$GITHUB_WORKSPACE/.git" GIT_WORK_TREE="$GITHUB_WORKSPACE" git -c core.fsmonitor=false ls-files -s -- "${specs[@]}" 2>/dev/null)"; then
      files="$(printf '%s' "$listed" | sum 16)"
    fi
  fi
  where="$(printf '%s' "$PWD" | sum 8)"
  prefix="dbguard-replay-1-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-$where-"
  portable="" first=""
  if [ "$restore" = true ]; then
    portable=1
    mkdir -p "$home"
    chmod 700 "$home"
    touch "$stamp"
  fi
  if [ "$save" = true ]; then
    first=first
  fi
  {
    echo "restore=$restore"
    echo "save=$save"
    echo "home=$([ "$restore" = true ] && echo "$home")"
    echo "path=$path"
    echo "key=$prefix$files-${GITHUB_RUN_ID:-0}-${GITHUB_RUN_ATTEMPT:-1}"
    echo "prefix-files=$prefix$files-"
    echo "prefix=$prefix"
    echo "portable=$portable"
    echo "save-first=$first"
  } >> "$GITHUB_OUTPUT"
  ;;
new)
  new=false
  if [ -d "$path" ] && [ -n "$(find "$path" -mindepth 2 -maxdepth 2 -name meta -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    new=true
  fi
  echo "save=$new" >> "$GITHUB_OUTPUT"
  [ "$new" = true ] || echo "dbguard: replay cache: nothing new to save"
  ;;
*)
  echo "usage: cache.sh plan|new" >&2
  exit 2
  ;;
esac
