#!/bin/bash
# bench_smoke: a few seconds of the benchmark (tests/bench/run.sh) as a test.
# The storm generator's senders kill() their children with SIGUSR1 as fast as
# they can, against sigtraild in unicast and then in multicast (no audit
# daemon registered), one row per signal (--coalesce 0). No timing is
# asserted: only that the kernel lost nothing and that every signal sent is a
# row. Storm size: BENCH_SMOKE_SENDERS x BENCH_SMOKE_EACH (default 2 x 1500).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -x "${STORM:-}" ] || bail "STORM (tests/bench/storm) not set"
senders=${BENCH_SMOKE_SENDERS:-2} each=${BENCH_SMOKE_EACH:-1500}
sent=$((senders * each))
plan 10
# Rows of this storm: the storm's senders are its only processes named storm
# that send SIGUSR1.
stored="select coalesce(sum(count), 0) from signals where sender_comm = 'storm' and signal = 10"
_all_stored() { [ "$(q "$stored")" = "$sent" ]; }

for source in unicast multicast; do
	DB=$T/$source.db LOG=$T/$source.log
	start_daemon --source "$source" --coalesce 0
	lost0=$(audit_status lost)
	"$STORM" "$senders" "$each" >"$T/storm.out"
	is "$?" 0 "$source: the storm ran ($(cat "$T/storm.out"))"
	wait_until 30 _all_stored
	is "$(($(audit_status lost) - lost0))" 0 "$source: the kernel lost no record"
	stop_daemon
	is "$(q "$stored")" "$sent" "$source: every signal sent is stored ($sent)"
	like "$(cat "$LOG")" "lost: 0 socket overruns.* 0 queue-full drops" \
		"$source: the daemon counted no loss of its own"
done
done_testing
