#!/bin/bash
# lag.sh: the fleet's lag while connected (a command, not a test): from audit
# records reaching `sigtraild --source stdin` (a FIFO, events stamped now)
# to their rows at the centre, with a `sigtrail forward` service at its
# defaults (seal, poll), five rounds of 20 events. Usage, from the tree:
#   SIGTRAIL=build/collector/cli/sigtrail SIGTRAILD=build/collector/sigtraild \
#     GENLOG=build/tests/bench/genlog bash tests/bench/lag.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
PG_HOSTS=bench . "$(dirname "${BASH_SOURCE[0]}")/../forward/pg.sh"
"$SIGTRAIL" central init --to "$ADMIN" >/dev/null && "$SIGTRAIL" central add-host bench --to "$ADMIN" >/dev/null || bail setup
mkfifo "$T/in"
"$SIGTRAILD" --foreground --source stdin --db "$T/d.db" <"$T/in" 2>"$T/dlog" &
d=$!
exec 3>"$T/in"
wait_until 10 grep -q ready "$T/dlog"
"$SIGTRAIL" forward --db "$T/d.db" --to "$(to bench)" 2>"$T/flog" &
f=$!
sleep 2
for i in 1 2 3 4 5; do
	"$GENLOG" mix 20 "$(date +%s)" 0 >"$T/now$i.log"
	t0=$(date +%s%N)
	cat "$T/now$i.log" >&3
	sleep 0.05
	want=$(q "$T/d.db" 'select count(*) from signal_rows')
	for _ in $(seq 400); do
		[ "$(aq "select count(*) from signals where host = 'bench'")" -ge "$want" ] && break
		sleep 0.02
	done
	t1=$(date +%s%N)
	diag "round $i: $want rows, lag $(((t1 - t0) / 1000000)) ms"
	sleep 1.5
done
kill $f; wait $f
exec 3>&-; wait $d
done_testing
