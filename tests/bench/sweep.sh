#!/usr/bin/env bash
# sweep.sh BUILD_DIR [SIZES [FEED]]: the store's cost per event against the
# size of the database it writes into.
# For each size in SIZES (events, default "0 1000000 3000000 10000000"), a
# database of that many varied events (genlog mix over 7 days, built once
# with nlfeed and kept in BENCH_DIR), then a copy of it fed the same FEED
# varied events (default 200000, unpaced) through nlfeed: the CPU per event
# (all threads), the writer's share, and the pwrite()/pread() calls per
# event (a second run under strace -c). Growth is against the empty
# database of the same run. No privileges; data in BENCH_DIR (default a new
# directory under /var/tmp, removed at the end unless BENCH_KEEP=1); 10M
# events take about 1.7 GB, twice while fed.
set -eu
build=$(cd "${1:?usage: sweep.sh BUILD_DIR [SIZES [FEED]]}" && pwd)
sizes=${2:-0 1000000 3000000 10000000} feed=${3:-200000}
export LC_ALL=C TZ=UTC
D=${BENCH_DIR:-$(mktemp -d /var/tmp/sigtrail-sweep.XXXXXX)}
mkdir -p "$D"
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$D"' EXIT
nlfeed=$build/tests/bench/nlfeed genlog=$build/tests/bench/genlog
now=$(date +%s)
[ -s "$D/feed.log" ] || "$genlog" mix "$feed" "$now" 3600 >"$D/feed.log"
printf '%-12s %10s %10s %8s %10s %10s %8s\n' 'database' 'B/row' 'cpu/event' 'writer' 'pwrite/ev' 'pread/ev' 'growth'
empty=
for n in $sizes; do
	db=$D/base-$n.db
	if [ "$n" -gt 0 ] && [ ! -s "$db" ]; then
		"$genlog" mix "$n" $((now - 3600)) $((7 * 86400)) | "$nlfeed" /dev/stdin "$db" >/dev/null
	fi
	rm -f "$D/t.db" "$D/t.db-wal" "$D/t.db-shm"
	bpr=-
	if [ "$n" -gt 0 ]; then
		cp "$db" "$D/t.db"
		bpr=$(($(stat -c %s "$db") / $(sqlite3 "$db" "SELECT count(*) FROM signal_rows")))
	fi
	out=$("$nlfeed" "$D/feed.log" "$D/t.db")
	cpu=$(sed -n 's/.* cpu\/event \([0-9.]*\) us.*/\1/p' <<<"$out")
	wr=$(sed -n 's/.* writer\/event \([0-9.]*\) us.*/\1/p' <<<"$out")
	rm -f "$D/t.db" "$D/t.db-wal" "$D/t.db-shm"
	[ "$n" -gt 0 ] && cp "$db" "$D/t.db"
	counts=$(strace -f -c -e trace=pwrite64,pread64 -o "$D/strace.txt" "$nlfeed" "$D/feed.log" "$D/t.db" >/dev/null && cat "$D/strace.txt")
	pw=$(awk '$NF == "pwrite64" { print $(NF - 1) }' <<<"$counts")
	pr=$(awk '$NF == "pread64" { print $(NF - 1) }' <<<"$counts")
	[ -n "$empty" ] || empty=$cpu
	printf '%-12s %10s %10s %8s %10.2f %10.2f %7.2fx\n' "$n events" "$bpr" "$cpu us" "$wr us" \
		"$(awk -v c="${pw:-0}" -v n="$feed" 'BEGIN { print c / n }')" \
		"$(awk -v c="${pr:-0}" -v n="$feed" 'BEGIN { print c / n }')" \
		"$(awk -v a="$cpu" -v b="$empty" 'BEGIN { print a / b }')"
	rm -f "$D/t.db" "$D/t.db-wal" "$D/t.db-shm"
done
