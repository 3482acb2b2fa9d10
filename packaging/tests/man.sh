#!/bin/bash
# man.sh: every man page renders without a groff or man warning.
#   bash packaging/tests/man.sh man/*.[158]
# TAP output; exit 77 (skip) when man-db is not installed.
set -u
export LC_ALL=C.UTF-8 MANWIDTH=80
# shellcheck source=../../tests/lib/tap.sh
. "$(dirname "$0")/../../tests/lib/tap.sh"
command -v man >/dev/null || skip_all "man-db not installed"
plan $#
for page in "$@"; do
	warnings=$(man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
	is "$warnings" "" "$(basename "$page") renders without warnings"
done
tap_done
