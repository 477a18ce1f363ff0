#!/usr/bin/env bash
# The Action's gate step: dbguard ci (its exit code is the step's), its
# annotations on stdout and its JSON report in a file for the job summary.
# With github (the default) that is one run: --output writes the report and
# stdout keeps the annotations. Another format printed on stdout takes a
# second run for the JSON.
#   DBGUARD_ARGS    more arguments, split at spaces
#   DBGUARD_FORMAT  github (default), text, json, junit or sarif
set -uo pipefail

read -ra args <<< "${DBGUARD_ARGS:-}"
# The later --format and --output win over any in args.
report="$RUNNER_TEMP/dbguard-ci.json"
rm -f "$report"
if [ "${DBGUARD_FORMAT:-github}" = github ]; then
  GITHUB_ACTIONS=true dbguard ci "${args[@]}" --format json --output "$report"
  code=$?
else
  dbguard ci "${args[@]}" --format "$DBGUARD_FORMAT"
  code=$?
  dbguard ci "${args[@]}" --format json --output "$report" >/dev/null 2>&1
fi

status=none
if [ -s "$report" ] && status="$(jq -r .status "$report" 2>/dev/null)"; then
  jq -r -f "$GITHUB_ACTION_PATH/scripts/action/summary.jq" "$report" >> "$GITHUB_STEP_SUMMARY"
else
  status=none
  printf '## dbguard ci: exit %s\n\nNo report was written; the log of this step says why.\n' "$code" >> "$GITHUB_STEP_SUMMARY"
fi
{
  echo "status=$status"
  echo "exit-code=$code"
} >> "$GITHUB_OUTPUT"
exit "$code"
