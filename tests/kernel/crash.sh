#!/bin/bash
# crash: `kill -9` the daemon while it ingests a storm, then start it again.
# The database passes integrity_check, every committed row is still there
# (ids without holes), the coverage view shows the first run as crashed at
# its last heartbeat, and the successor removes the rules and restores the
# audit status that the killed collector could not.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 9
start_daemon --source unicast --coalesce 0
first=$DAEMON_PID
start_sink
bash -c "while :; do kill -USR1 $SINK; done" 2>/dev/null &
storm=$!
_children+=("$storm")
wait_rows 200 "select count(*) from signals where target_pid = $SINK"
sleep 6 # past the first heartbeat
kill -KILL "$first"
wait "$first" 2>/dev/null
_daemons=()
kill -KILL "$storm"
wait "$storm" 2>/dev/null
is "$(q 'pragma integrity_check')" ok "after SIGKILL mid-storm: integrity_check ok"
rows=$(q "select count(*) from signals where target_pid = $SINK")
ok "after SIGKILL: $rows committed rows of the storm" test "$rows" -ge 200
ok "the killed collector's rules are still loaded" test -n "$(sigtrail_rules)"

start_daemon --source unicast --coalesce 0
like "$(cat "$LOG")" 'did not stop cleanly' "the successor adopts the leftover rules"
like "$(cat "$LOG")" "earlier run\\(s\\) ended without a clean stop" "and notices the crashed run"
"$SIGSEND64" kill "$SINK" 12 >/dev/null
wait_rows 1 "select count(*) from signals where target_pid = $SINK and signal = 12"
stop_daemon
is "$(q "select count(*) from signals where target_pid = $SINK and signal = 10")" "$rows" \
	"every row committed before the crash is still there"
is "$(q 'select max(id) = count(*) from signals')" 1 "row ids have no holes"
is "$(q "select status, pid, stopped is not null, source, run = 1 and until_ms - started_ms >= 4000
	from coverage order by run")" "crashed|$first|1|unicast|1
stopped|$DAEMON_PID|1|unicast|0" \
	"coverage: the first run crashed at its last heartbeat (>= 4 s after its start), the second stopped"
done_testing
