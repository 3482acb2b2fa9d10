#!/bin/bash
# stopper: when someone stops the collector, the trail says who. The kill is
# a signal row targeting sigtraild, and the run's coverage row names the
# sender as the kernel reported it (AUDIT_SIGNAL_INFO).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 4
start_daemon --source unicast
"$SIGSEND64" kill "$DAEMON_PID" 15 >"$T/kill"
sender=$(field 2 "$T/kill")
wait_until 10 _dead "$DAEMON_PID"
wait "$DAEMON_PID"
is "$?" 0 "the daemon stopped cleanly on the SIGTERM"
_daemons=()
is "$(q "select count(*), min(signame), min(sender_comm) from signals
	where target_pid = $DAEMON_PID and sender_pid = $sender")" "1|SIGTERM|sigsend64" \
	"the kill that stopped it is a signal row targeting it, once"
# The sender may be a zombie (comm, no command line) or gone (pid and uid
# only) when the daemon asks /proc about it.
like "$(q 'select stopped_by from coverage')" "^SIGTERM from pid $sender \\(uid 0 root(, sigsend64(: .*sigsend64 kill $DAEMON_PID 15)?)?\\)\$" \
	"coverage names who stopped it"
like "$(cat "$LOG")" "stopping on Terminated: SIGTERM from pid $sender" "and so does the log"
done_testing
