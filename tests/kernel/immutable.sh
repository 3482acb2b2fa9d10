#!/bin/bash
# immutable: with audit locked (enabled 2) no rule can be added or removed.
# The daemon must then refuse to start unless its rules are already loaded,
# and when they are, record with them and leave them in place. The lock is
# only pretended (--inject-status): never run `auditctl -e 2` on a test box.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 7
run_daemon_to_exit "$T/norules.log" -- --db "$DB" --inject-status enabled=2
ok "no rules loaded: exits with an error by itself (status $STATUS)" exited_with_error "$STATUS"
like "$(cat "$T/norules.log")" immutable "no rules loaded: the error says immutable"
is "$(sigtrail_rules)" "" "no rules loaded: it added none"

# What an administrator does before locking: enable audit, load the rules.
set_enabled 1 || bail "auditctl -e 1 failed"
admin_rules
rules=$(sigtrail_rules)
backlog=$(audit_status backlog_limit)

start_daemon --inject-status enabled=2
start_sink
"$SIGSEND64" kill "$SINK" 10 >"$T/kill.out"
SENDER=$(field 2 "$T/kill.out")
wait_rows 1 "select count(*) from signals where sender_pid = $SENDER"
stop_daemon
is "$(q "select syscall, signal, success, target_pid from signals where sender_pid = $SENDER")" \
	"kill|10|1|$SINK" "rules preloaded: the kill is recorded"
is "$(sigtrail_rules)" "$rules" "rules preloaded: the 4 rules it did not add are still loaded"
is "$(audit_status enabled) $(audit_status backlog_limit)" "1 $backlog" \
	"rules preloaded: enabled and backlog_limit untouched"

auditctl -D -k sigtrail >/dev/null
set_enabled "$_orig_enabled"
done_testing
