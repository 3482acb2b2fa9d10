#!/usr/bin/env bash
# prune.sh BUILD_DIR [BASELINE_BUILD_DIR [EVENTS [FEED]]]: a prune at the size
# cap while events arrive, and what recording suffers from it.
#  1. a database of EVENTS varied events (genlog mix over 7 days; default
#     3000000), built once with the first build's nlfeed (BENCH_BASE_DB=FILE
#     takes an existing one instead, e.g. one an older sigtrail wrote);
#  2. for each build (BUILD_DIR, then BASELINE_BUILD_DIR: before/after in one
#     run), a copy of it is fed FEED new events (default 200000) at BENCH_RATE a
#     second (default 5000) through nlfeed with --max-db-size at two thirds of its live
#     data (NLFEED_MAX_DB_MB), so that the first heartbeat starts a prune of
#     about a third of the rows; nlfeed waits for the prune to end (FEED 0
#     skips this part);
#  3. then, for each build, a storm during a prune at the size cap: a fresh
#     copy fed BENCH_STORM storm events (default 100000; 0 skips it) at
#     BENCH_STORM_RATE a second (default 20000), with the queue dropping what
#     it cannot hold as the netlink reader does (NLFEED_DROP=1): `dropped`
#     must be 0. It stops when the storm ends (the prune unfinished).
# Prints per build nlfeed's lines: the rows the prune deleted, its time
# (first to last deleted row or string) and the longest gap between two
# commits that stored rows during it, the WAL's largest size, and the rows
# left; for the storm, its line with `dropped`. No privileges;
# data in BENCH_DIR (default a new directory under /var/tmp, removed at the
# end unless BENCH_KEEP=1); 3M events take about 550 MB per copy.
set -eu
build=$(cd "${1:?usage: prune.sh BUILD_DIR [BASELINE_BUILD_DIR [EVENTS [FEED]]]}" && pwd)
base=${2:+$(cd "$2" && pwd)}
events=${3:-3000000} feed=${4:-200000} rate=${BENCH_RATE:-5000}
storm=${BENCH_STORM:-100000} storm_rate=${BENCH_STORM_RATE:-20000}
export LC_ALL=C TZ=UTC
D=${BENCH_DIR:-$(mktemp -d /var/tmp/sigtrail-prune.XXXXXX)}
mkdir -p "$D"
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$D"' EXIT
now=$(date +%s)
db=${BENCH_BASE_DB:-$D/base.db}
if [ ! -s "$db" ]; then
	echo "generating $events events into $db ..." >&2
	"$build/tests/bench/genlog" mix "$events" "$now" $((7 * 86400)) |
		"$build/tests/bench/nlfeed" /dev/stdin "$db" $((now - 7 * 86400)) >&2
fi
[ "$feed" = 0 ] || [ -s "$D/feed.log" ] || "$build/tests/bench/genlog" mix "$feed" "$now" 3600 >"$D/feed.log"
[ "$storm" = 0 ] || [ -s "$D/storm.log" ] || "$build/tests/bench/genlog" storm "$storm" "$now" 60 >"$D/storm.log"
live=$(sqlite3 "$db" "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size")
cap=$((live * 2 / 3 / 1048576))
rows=$(sqlite3 "$db" "SELECT count(*) FROM signal_rows")
echo "prune benchmark: $rows rows, $((live / 1048576)) MiB live; cap $cap MiB; $feed events fed at $rate/s; $(nproc) CPUs, $(uname -r)"
for b in "$build" ${base:+"$base"}; do
	[ "$feed" = 0 ] && break
	cp "$db" "$D/t.db"
	echo "== $b"
	NLFEED_RATE=$rate NLFEED_MAX_DB_MB=$cap "$b/tests/bench/nlfeed" "$D/feed.log" "$D/t.db"
	echo "rows left $(sqlite3 "$D/t.db" "SELECT count(*) FROM signal_rows")"
	rm -f "$D/t.db" "$D/t.db-wal" "$D/t.db-shm"
done
[ "$storm" = 0 ] && exit 0
echo "storm during the prune: $storm events at $storm_rate/s, a full queue drops"
for b in "$build" ${base:+"$base"}; do
	cp "$db" "$D/t.db"
	echo "== $b"
	NLFEED_DROP=1 NLFEED_PRUNE_WAIT=0 NLFEED_RATE=$storm_rate NLFEED_MAX_DB_MB=$cap \
		"$b/tests/bench/nlfeed" "$D/storm.log" "$D/t.db" | sed -n 1p
	rm -f "$D/t.db" "$D/t.db-wal" "$D/t.db-shm"
done
