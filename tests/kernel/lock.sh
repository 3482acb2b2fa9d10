#!/bin/bash
# lock: a second sigtraild on the same database refuses to start, at once,
# with a message naming the database and the running daemon, and changes
# nothing; the first keeps recording.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 5
start_daemon
rules=$(sigtrail_rules)
run_daemon_to_exit "$T/second.log" -- --db "$DB" --source multicast
is "$STATUS" 75 "the second daemon exits with EX_TEMPFAIL (75)"
like "$(cat "$T/second.log")" "$DB is in use by another sigtraild \\(pid $DAEMON_PID\\)" \
	"its message names the database and the running daemon"
is "$(sigtrail_rules)" "$rules" "the rules are untouched"
start_victim
"$SIGSEND64" kill "$VICTIM" 15 >/dev/null
wait_rows 1 "select count(*) from signals where target_pid = $VICTIM"
stop_daemon
is "$(q "select count(*) from signals where target_pid = $VICTIM")" 1 "the first daemon went on recording"
done_testing
