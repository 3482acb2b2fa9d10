#!/bin/bash
# stdin_stop: SIGTERM stops `sigtraild --source stdin` whatever its stdin is.
# An input that is always readable (a regular file, a device) never makes
# ppoll() wait, which is when the kernel lets a blocked signal in; the
# daemon must still stop within moments, say why in its log and exit 0.
# Inputs: a sparse 1 TiB regular file of NULs and /dev/zero, each far longer
# to read than the wait, so that only a stop ends them.
set -u
export LC_ALL=C
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d)
trap 'pkill -KILL -P $$ sigtraild 2>/dev/null; rm -rf "$T"' EXIT
plan 6

_dead() { ! kill -0 "$1" 2>/dev/null; }
truncate -s 1T "$T/sparse" || bail "truncate -s 1T: no sparse file here"
n=0
for input in "$T/sparse" /dev/zero; do
	name=${input/#$T\/sparse/a sparse 1 TiB file}
	# A log of its own: the wait for "ready" must not find the previous
	# daemon's line and signal this one before it has its handlers.
	log=$T/log.$((n += 1))
	"$SIGTRAILD" --foreground --source stdin --db "$T/db.$n" <"$input" 2>"$log" &
	pid=$!
	wait_until 10 grep -q 'ready: source stdin' "$log" 2>/dev/null ||
		bail "sigtraild never got ready: $(cat "$log")"
	kill -TERM "$pid"
	ok "$name: stopped within 10 s of SIGTERM" wait_until 10 _dead "$pid" || kill -KILL "$pid"
	wait "$pid"
	is "$?" 0 "$name: exit status 0"
	like "$(cat "$log")" 'stopping on Terminated' "$name: the log says it stopped on SIGTERM, not at the end of input"
done
tap_done
