#!/bin/bash
# user: with --user NAME the daemon runs as that user after setup, keeping
# only CAP_AUDIT_CONTROL and CAP_SYS_PTRACE (process table), still records,
# with the target's command line, and still removes its rules and restores
# the audit state at stop.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 6
chmod 0755 "$T"
mkdir -m 0750 "$T/db"
DB=$T/db/sigtrail.db
start_daemon --source unicast --user nobody
status=$(cat "/proc/$DAEMON_PID/status")
is "$(awk '/^Uid:/ { print $2, $3, $4 }' <<<"$status")" "65534 65534 65534" "runs as nobody"
is "$(awk '/^CapEff:/ { print $2 }' <<<"$status")" "$(printf '%016x' $(((1 << 30) | (1 << 19))))" \
	"with CAP_AUDIT_CONTROL and CAP_SYS_PTRACE only"
is "$(stat -c %U "$DB")" nobody "the database belongs to nobody"
sleep 6 # past a heartbeat, which looks the database up as nobody
start_victim
"$SIGSEND64" kill "$VICTIM" 15 >/dev/null
wait_rows 1 "select count(*) from signals where target_pid = $VICTIM"
stop_daemon
is "$(q "select signame from signals where target_pid = $VICTIM")" SIGTERM "and records"
is "$(q "select target_cmdline from signals where target_pid = $VICTIM")" "sleep 1000" \
	"with the target's command line, read from /proc as nobody"
done_testing
