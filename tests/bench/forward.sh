#!/bin/bash
# forward.sh: the fleet's throughput benchmark (a command, not a test).
# A real PostgreSQL on loopback with TLS (verify-full, client certificate)
# and fsync on (tests/forward/pg.sh), a local database of N events of
# genlog's mix (imported), then `sigtrail forward --once` under
# /usr/bin/time -v: rows per second to the centre, CPU per row, peak RSS,
# and the central bytes per row (the signal_rows partitions with their
# indexes). Prints the figures BENCHMARKS.md quotes. Usage, from the tree:
#   SIGTRAIL=build/collector/cli/sigtrail SIGTRAILD=build/collector/sigtraild \
#     GENLOG=build/tests/bench/genlog bash tests/bench/forward.sh [N [BATCH_ROWS]]
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
: "${GENLOG:?GENLOG must name tests/bench/genlog}"
N=${1:-200000}
BATCH=${2:-5000}
PG_HOSTS=bench PG_FSYNC=on . "$(dirname "${BASH_SOURCE[0]}")/../forward/pg.sh"
"$SIGTRAIL" central init --to "$ADMIN" >/dev/null && "$SIGTRAIL" central add-host bench --to "$ADMIN" >/dev/null ||
	bail "central set-up failed"
"$GENLOG" mix "$N" $(($(date +%s) - 3600)) 3600 >"$T/mix.log"
"$SIGTRAIL" import --db "$T/b.db" "$T/mix.log" >/dev/null || bail "import failed"
rows=$(q "$T/b.db" 'select count(*) from signal_rows')
/usr/bin/time -v "$SIGTRAIL" forward --db "$T/b.db" --to "$(to bench)" --once --batch-rows "$BATCH" \
	>"$T/out" 2>"$T/time" || bail "forward failed: $(cat "$T/time")"
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/time" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
user=$(sed -n 's/.*User time (seconds): //p' "$T/time")
sys=$(sed -n 's/.*System time (seconds): //p' "$T/time")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time")
central=$(aq "select count(*) from signals where host = 'bench'")
bytes=$(aq "select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = 'sigtrail.signal_rows'::regclass")
local_bytes=$(stat -c %s "$T/b.db")
is "$central" "$rows" "every row arrived" || bail "rows missing"
diag "$(cat "$T/out")"
awk -v r="$rows" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v b="$bytes" -v l="$local_bytes" 'BEGIN {
	printf "# rows %d, wall %.2f s: %.0f rows/s over TLS\n", r, w, r / w
	printf "# forwarder CPU %.2f s user + %.2f s sys: %.1f us per row\n", u, s, (u + s) * 1e6 / r
	printf "# forwarder peak RSS %d KiB\n", m
	printf "# central signal_rows with indexes: %d bytes, %.0f bytes per row (local database %.0f bytes per row)\n", b, b / r, l / r
}'

# Lag while connected: events stamped now, imported, until the centre has
# them, with the default seal (6 s: the coalescing window, 1 s, and room
# for a writer that is behind) and with --seal 1500.
lag() { # SEAL_MS DB
	"$SIGTRAIL" import --db "$2" /dev/null >/dev/null # the database exists first
	"$SIGTRAIL" forward --db "$2" --to "$(to bench)" --poll 100 --seal "$1" 2>/dev/null &
	local f=$! t0 t1 want
	sleep 1
	"$GENLOG" mix 1000 "$(date +%s)" 1 >"$T/now.log"
	"$SIGTRAIL" import --db "$2" "$T/now.log" >/dev/null
	t0=$(date +%s%N)
	want=$(q "$2" 'select count(*) from signal_rows')
	for _ in $(seq 300); do
		[ "$(aq "select count(*) from signals where instance = '$(q "$2" 'select uuid from instance')'")" -ge "$want" ] && break
		sleep 0.05
	done
	t1=$(date +%s%N)
	kill "$f"
	wait "$f"
	# The import's newest event is at most 1 s before its end.
	echo $(((t1 - t0) / 1000000))
}
diag "lag from import to central visibility: $(lag 6000 "$T/l1.db") ms (seal 6000), $(lag 1500 "$T/l2.db") ms (seal 1500)"
done_testing
