#!/bin/bash
# man.sh: every man page renders without a groff or man warning.
#   bash packaging/tests/man.sh man/*.[158]
# TAP output; exit 77 (skip) when man-db is not installed.
set -u
export LC_ALL=C.UTF-8 MANWIDTH=80
command -v man >/dev/null || { echo "1..0 # SKIP man-db not installed"; exit 77; }
echo "1..$#"
n=0 failed=0
for page in "$@"; do
	n=$((n + 1))
	warnings=$(man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
	if [ -z "$warnings" ]; then
		echo "ok $n - $(basename "$page") renders without warnings"
	else
		echo "not ok $n - $(basename "$page") renders without warnings"
		printf '%s\n' "$warnings" | sed 's/^/#   /'
		failed=1
	fi
done
exit "$failed"
