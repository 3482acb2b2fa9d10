#!/bin/bash
# report.sh: `sigtrail report` in Markdown and HTML: the figures equal the
# same questions asked in SQL, the HTML is one self-contained, well-formed
# document that escapes every database string, the period and filters
# apply, and errors are named. (tests/cli/chromium.sh renders it.)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/r.db
rich_db "$DB"
# Every question ends at the snapshot (FIXTURE_END), never at now: see lib.sh.
until=@$FIXTURE_END
sum() { q "$DB" "select coalesce(sum(count), 0) from signals where $1"; }

run_cli report --db "$DB" --format md --until "$until"
is "$RC" 0 "md: exit 0"
like "$OUT" "^# sigtrail report: " "md: a title"
for h in "Collection coverage" "Signals by type" "SIGKILL and SIGTERM per day \(UTC\)" \
	"Top senders by user" "Top senders by program" "Top sender command lines" \
	"Most-signalled targets" "Refused attempts by sender" "Newest refused attempts"; do
	like "$OUT" "## $h" "md: section '$h'"
done
like "$OUT" "\| $(sum 1) \| $(q "$DB" 'select count(distinct serial) from signals') \| $(sum 'success = 1') \| $(sum "errno = 'EPERM'") \|" \
	"md: totals equal SQL (signals with storms counted, events, delivered, refused)"
COUNTS="How these count: $(sum 1) signals, one per signal that reached \(or was refused on its way to\) one process, each repeat of a storm included; stored as $(q "$DB" 'select count(*) from signals') rows \(a storm of identical signals is one row with its count\); from $(q "$DB" 'select count(distinct serial) from signals') audit events"
like "$OUT" "$COUNTS" "md: one line says what each total counts, with the numbers SQL gives"
like "$OUT" "\| SIGKILL \| $(sum 'signal = 9') \| $(sum 'signal = 9 and success = 1') \|" "md: SIGKILL by type equals SQL"
like "$OUT" "\| SIGSTOP \| $(sum 'signal = 19') \|" "md: SIGSTOP by type equals SQL"
last=$(date -u -d "$until" +%F)
like "$OUT" "\| $last \| $(sum "signal = 9 and time >= '$last'") \| $(sum "signal = 15 and time >= '$last'") \|" "md: the last day's SIGKILL/SIGTERM equal SQL"
like "$OUT" "the collector was NOT running for 2d 0h" "md: the coverage gap"
like "$OUT" "it LOST 17 events \(kernel 14, .*queue full 3" "md: the losses"
like "$OUT" "\| /bin/kill -TERM $EPERM_VICTIM \|" "md: a refused attempt's command line"
like "$OUT" '\\\|md\\\|\\`code\\`\\\*b\\\*\\_i\\_' "md: Markdown syntax in data is escaped"
unlike "$OUT" "<script>" "md: no raw HTML from the data"

run_cli report --db "$DB" --until "$until" -o "$T/r.html"
is "$RC" 0 "html: exit 0"
is "$(stat -c %a "$T/r.html")" 640 "html: -o file is mode 0640"
html=$(cat "$T/r.html")
like "$html" '^<!DOCTYPE html>' "html: a document"
like "$html" "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"" "html: a CSP that forbids loading anything"
is "$(grep -o -E '(src|href)=|url\(|@import|<script|<link|<iframe|<img' "$T/r.html" | sort -u | tr '\n' ' ')" "" \
	"html: no script, link, image, import or URL reference"
is "$(grep -o '="[a-z]*://[^"]*"' "$T/r.html" | sort -u | tr '\n' ' ')" '="http://www.w3.org/2000/svg" ' \
	"html: the only URL in an attribute is the SVG namespace"
like "$html" "&lt;script&gt;alert\(&quot;xss&quot;\)&lt;/script&gt;|=HYPERLINK\(&quot;http" "html: hostile strings are escaped"
is "$(grep -c '<svg' "$T/r.html")" 3 "html: three inline SVG charts (coverage, types, per day)"
is "$(python3 - "$T/r.html" <<'PY'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "rect", "line", "hr", "input"}
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.err = []
    def handle_starttag(s, tag, a):
        if tag not in VOID: s.stack.append(tag)
    def handle_startendtag(s, tag, a): pass
    def handle_endtag(s, tag):
        if tag in VOID: return
        if not s.stack or s.stack[-1] != tag: s.err.append("</%s> closes %s" % (tag, s.stack[-1:] or None))
        else: s.stack.pop()
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
print("ok" if not p.err and not p.stack else "%s open %s" % (p.err[:3], p.stack))
PY
)" ok "html: well-formed (every element closed in order), valid UTF-8"
like "$html" ">$(sum 1)</b><span>signals" "html: the signals card equals SQL"
like "$html" ">$(sum "errno = 'EPERM'")</b><span>refused \(EPERM\)" "html: the refused card equals SQL"
like "$html" "</section>
<p class=\"counts\">$COUNTS" "html: the same line under the cards"
like "$html" "<footer>.*\. $(sum 1) signals in $(q "$DB" 'select count(*) from signals') rows from $(q "$DB" 'select count(distinct serial) from signals') audit events" \
	"html: the footer names the same three numbers"

# The period and the filters.
run_cli report --db "$DB" --format md --since @$((FIXTURE_END - 2 * 86400)) --until "$until" --signal KILL --sender-user alice
like "$OUT" "\| $(q "$DB" "select coalesce(sum(count), 0) from signals where signal = 9 and (sender_user = 'alice' or sender_login = 'alice') and epoch_ms >= ($FIXTURE_END - 2 * 86400) * 1000 and epoch_ms < $FIXTURE_END * 1000") \| " \
	"--since and filters apply to the totals"
unlike "$OUT" "\| SIGTERM \| [0-9]" "--signal KILL: no SIGTERM by type"
run_cli report --db "$DB" --format md --since 2000-01-01 --until 2000-01-02
is "$RC" 0 "an empty period: exit 0"
like "$OUT" "\| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \|" "an empty period: zeros"
like "$OUT" "None in this period" "an empty period: said so"
run_cli report --db "$DB" --format md --since @$((FIXTURE_END - 400 * 86400)) --until "$until"
like "$OUT" "SIGKILL and SIGTERM per week" "a 400-day period: per week"
is "$(printf '%s\n' "$OUT" | grep -c '^| 20[0-9-]* | [0-9]* | [0-9]* |$')" "$(printf '%s\n' "$OUT" | sed -n '/per week/,/^## Top/p' | grep -c '^| 20')" "a long period: one row per bucket"

# The bucket follows the period: an hour per minute, a day per hour.
HOUR0=$(( $(q "$DB" "select max(epoch_ms) from signals where signal in (9, 15)") / 3600000 * 3600 ))
run_cli report --db "$DB" --format md --since @$HOUR0 --until @$((HOUR0 + 3600))
like "$OUT" "## SIGKILL and SIGTERM per minute \(UTC\)" "a one-hour report: per minute"
is "$(printf '%s\n' "$OUT" | grep -c '^| 20[0-9-]* [0-9:]* | [0-9]* | [0-9]* |$')" 60 "a one-hour report: 60 bars, each named by its minute"
is "$(printf '%s\n' "$OUT" | awk -F' [|] ' '/^[|] 20/ { k += $2; t += $3 } END { print k + t }')" \
	"$(sum "signal in (9, 15) and epoch_ms >= $HOUR0 * 1000 and epoch_ms < ($HOUR0 + 3600) * 1000")" \
	"a one-hour report: the bars hold every SIGKILL and SIGTERM of the hour"
run_cli report --db "$DB" --format md --since @$((HOUR0 - 82800)) --until @$((HOUR0 + 3600))
like "$OUT" "## SIGKILL and SIGTERM per hour \(UTC\)" "a one-day report: per hour"
is "$(printf '%s\n' "$OUT" | grep -c '^| 20[0-9-]* [0-9:]* | [0-9]* | [0-9]* |$')" 24 "a one-day report: 24 bars"
run_cli report --db "$DB" --since @$HOUR0 --until @$((HOUR0 + 3600))
like "$OUT" "one bar pair per minute</text>" "html: the chart says its bucket"
ok "a long period: at most 120 buckets" test "$(printf '%s\n' "$OUT" | grep -c '^| 20[0-9-]* | [0-9]* | [0-9]* |$')" -le 120

run_cli report --db "$DB" --format pdf
is "$RC" 64 "--format pdf: exit 64"
like "$ERR" "--format 'pdf': expected html or md" "--format named"
run_cli report --db "$DB" -o "$T/nope/r.html"
is "$RC" 73 "unwritable output: exit 73"
run_cli report --db "$T/missing.db"
is "$RC" 66 "missing database: exit 66"

# Rows the disk cap dropped before the forwarder sent them (forward_drops,
# collector/store/unsent.c) are a loss the coverage sentence names.
run_cli report --db "$DB" --format md --until "$until"
unlike "$OUT" "DROPPED BEFORE FORWARDING" "md: no drop before forwarding, none named"
sqlite3 "$DB" "insert into forward_drop_rows(epoch_ms, stream, first_id, last_id, rows, first_ms, last_ms)
	select max(epoch_ms), 'signals', 1, 120, 120, min(epoch_ms), min(epoch_ms) + 1000 from signal_rows"
run_cli report --db "$DB" --format md --until "$until"
like "$OUT" "120 rows were DROPPED BEFORE FORWARDING \(the disk cap; see forward.*drops\)" \
	"md: rows dropped before forwarding are named in the coverage"
done_testing
