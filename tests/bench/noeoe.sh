#!/bin/bash
# noeoe.sh SIGTRAIL N...: the time `sigtrail import` takes on a log of N
# kill() SYSCALL records without PROCTITLE or EOE (events that never end),
# for each N, in two shapes: all in one millisecond ("one ms") and one per
# millisecond ("spread"). Issue 15: libauparse's grouping and the duplicate
# check were quadratic on the first. Prints "N shape seconds peak-RSS-KB".
#   tests/bench/noeoe.sh build/collector/cli/sigtrail 20000 200000 2000000
set -eu
bin=$1
shift
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for n in "$@"; do
	for shape in one spread; do
		awk -v n="$n" -v spread=$([ $shape = spread ] && echo 1 || echo 0) 'BEGIN {
			for (i = 1; i <= n; i++) {
				ms = spread ? i : 0
				printf "type=SYSCALL msg=audit(%d.%03d:%d): arch=c000003e syscall=62 success=yes exit=0 a0=%x a1=f a2=0 a3=0 items=0 ppid=1 pid=%d auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"kill\" exe=\"/usr/bin/kill\" key=\"sigtrail\"\n", 1795320453 + int(ms / 1000), ms % 1000, i + 100, 1000 + i % 30000, 500 + i % 3000
			}
		}' >"$T/log"
		rm -f "$T"/db*
		/usr/bin/time -f "$n $shape %e %M" "$bin" import --db "$T/db" "$T/log" >/dev/null 2>"$T/time" || true
		tail -1 "$T/time"
	done
done
