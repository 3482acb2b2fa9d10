#!/bin/bash
# chromium.sh: the HTML report rendered by a real browser. Headless
# Chromium loads the report (with the network disabled) and takes a
# screenshot, kept as $CLI_ARTIFACTS/report.png for a person to look at;
# the rendered DOM must hold the three charts and the tables. Skipped (77)
# only when chromium is not installed (Debian: apt-get install chromium).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed (apt-get install chromium)"
DB=$T/r.db
rich_db "$DB"
run_cli report --db "$DB" --since @$((FIXTURE_END - 30 * 86400)) --until "@$FIXTURE_END" -o "$T/report.html"
is "$RC" 0 "report written"

chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --user-data-dir="$T/profile" "$@" 2>>"$T/chromium.log"
}
chrome --screenshot="$T/report.png" --window-size=1200,1600 "file://$T/report.html" >/dev/null
ok "chromium took a screenshot" test -s "$T/report.png"
is "$(head -c 8 "$T/report.png" | od -An -tx1 | tr -d ' ')" 89504e470d0a1a0a "the screenshot is a PNG"
ok "the screenshot is not blank (> 40 KB of PNG)" test "$(stat -c %s "$T/report.png")" -gt 40000
chrome --dump-dom "file://$T/report.html" >"$T/dom.html"
dom=$(cat "$T/dom.html")
is "$(grep -o '<svg' "$T/dom.html" | wc -l)" 3 "the rendered page has the three charts"
is "$(grep -o '<table' "$T/dom.html" | wc -l)" 6 "and the six tables"
like "$dom" "Signal report: " "and its title"
unlike "$dom" "<script" "no script survived into the page"
if [ -n "${CLI_ARTIFACTS:-}" ]; then
	cp "$T/report.png" "$CLI_ARTIFACTS/report.png"
	cp "$T/report.html" "$CLI_ARTIFACTS/report.html"
	diag "screenshot: $CLI_ARTIFACTS/report.png"
fi
done_testing
