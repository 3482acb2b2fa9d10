#!/bin/bash
# stop_state: while running, the daemon owns the audit pid, has rules for both
# ABIs, audit enabled and a large backlog. SIGTERM right after a burst of
# kills must store all of them, then leave the audit state as it was found.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 9
rules_before=$(auditctl -l)
start_daemon --source unicast
start_sink
rules=$(sigtrail_rules)
like "$rules" '-F arch=b64 ' "running: sigtrail rules for arch=b64"
like "$rules" '-F arch=b32 ' "running: sigtrail rules for arch=b32"
is "$(audit_status pid)" "$DAEMON_PID" "running: the daemon holds the audit pid"
is "$(audit_status enabled)" 1 "running: audit enabled"
ok "running: backlog_limit $(audit_status backlog_limit) >= 8192" test "$(audit_status backlog_limit)" -ge 8192

# Past the daemon's periodic rule check (every 10 s): it must still know
# which rules it added.
sleep 11
for _ in $(seq 20); do
	"$SIGSEND64" kill "$SINK" 10
done >"$T/kills"
stop_daemon
is "$(awk '$5 != 0' "$T/kills")" "" "the 20 kills succeeded"
senders=$(awk '{ print $2 }' "$T/kills" | paste -sd,)
is "$(q "select count(*), count(distinct serial) from signals
	where sender_pid in ($senders) and target_pid = $SINK and signal = 10 and success = 1")" \
	"20|20" "all 20 kills sent just before SIGTERM are stored"
is "$(auditctl -l)" "$rules_before" "stopped: the audit rules are as before"
done_testing
