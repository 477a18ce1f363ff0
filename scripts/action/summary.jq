# dbguard ci --format json (docs/json.md) as the Markdown of a job summary.
def cell: tostring | gsub("[\r\n]+"; " ") | gsub("\\|"; "\\|");
def mark: {"pass": "✅", "fail": "❌", "skip": "⏭️", "error": "⚠️", "unreachable": "🔌"}[.] // "•";
def where: if (.file // "") == "" then "" elif .line then "`\(.file):\(.line)` " else "`\(.file)` " end;

"## dbguard ci: \(.status | mark) \(.status)",
"",
"| check | status | summary |",
"| --- | --- | --- |",
(.checks[] | "| \(.name) | \(.status | mark) \(.status) | \(.summary // "" | cell) |"),
"",
([.checks[] | .name as $check | (.findings // [])[] | . + {check: $check}]
 | if length == 0 then empty else
     "### Findings", "",
     (.[] | "- **\(.check)** \(where)\(.message | cell)"),
     ""
   end)
