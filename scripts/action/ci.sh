#!/usr/bin/env bash
# The Action's gate step: dbguard ci in the report format asked for (its
# exit code is the step's), then the same checks as JSON for the job
# summary: one run writes one format, and dbguard ci has no Markdown.
#   DBGUARD_ARGS    more arguments, split at spaces
#   DBGUARD_FORMAT  github (default), text, json, junit or sarif
set -uo pipefail

read -ra args <<< "${DBGUARD_ARGS:-}"
dbguard ci "${args[@]}" --format "${DBGUARD_FORMAT:-github}"
code=$?

# The later --format and --output win over any in args.
report="$RUNNER_TEMP/dbguard-ci.json"
rm -f "$report"
dbguard ci "${args[@]}" --format json --output "$report" >/dev/null 2>&1

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
