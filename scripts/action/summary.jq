# dbguard ci --format json (docs/json.md) as the Markdown of a job summary.
# Text from the report is text, never Markdown: a file name or a message
# from the repository under review must not add a link, an image or HTML
# to the summary. What starts a link, an image, HTML, an autolink or a code
# span ([ ] < > `), the backslash and a table's | are backslash-escaped
# (CommonMark lets any ASCII punctuation be), and a file name is a code
# span fenced by more backticks than any run inside it. GitHub's autolink
# extension links bare www., a scheme's :// and an email address: the dot
# of www. and the colon of :// are escaped, and an empty HTML comment
# (shown as nothing) follows each @, which escapes do not stop.
def cell: tostring | gsub("[\r\n]+"; " ") | gsub("(?<c>[\\\\`\\[\\]<>|])"; "\\\(.c)")
  | gsub("(?<w>[wW]{3})\\."; "\(.w)\\.") | gsub("://"; "\\://") | gsub("@"; "@<!-- -->");
def code: tostring | gsub("[\r\n]+"; " ") | ([scan("`+") | length] | max // 0) as $n | ("`" * ($n + 1)) as $f
  | if test("^`|`$|^ .* $") then "\($f) \(.) \($f)" else "\($f)\(.)\($f)" end;
def mark: {"pass": "✅", "fail": "❌", "skip": "⏭️", "error": "⚠️", "unreachable": "🔌"}[.] // "•";
def where: if (.file // "") == "" then "" elif .line then "\("\(.file):\(.line)" | code) " else "\(.file | code) " end;

"## dbguard ci: \(.status | mark) \(.status)",
"",
"| check | status | summary |",
"| --- | --- | --- |",
(.checks[] | "| \(.name | cell) | \(.status | mark) \(.status) | \(.summary // "" | cell) |"),
"",
([.checks[] | .name as $check | (.findings // [])[] | . + {check: $check}]
 | if length == 0 then empty else
     "### Findings", "",
     (.[] | "- **\(.check | cell)** \(where)\(.message | cell)"),
     ""
   end)
