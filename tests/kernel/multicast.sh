#!/bin/bash
# multicast: when another process holds the audit pid (auditd, or here a first
# sigtrail), `--source auto` joins the read-only multicast group and both see
# every event; the second daemon never removes rules that it did not add.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 9
DB=$T/a.db LOG=$T/a.log
start_daemon --source unicast
A=$DAEMON_PID
rules_a=$(sigtrail_rules)
DB=$T/b.db LOG=$T/b.log
start_daemon --source auto
B=$DAEMON_PID
like "$(cat "$T/b.log")" multicast "second daemon (--source auto) says it uses multicast"
is "$(audit_status pid)" "$A" "the first daemon still holds the audit pid"

start_sink
"$SIGSEND64" kill "$SINK" 10 >"$T/kill.out"
SENDER=$(field 2 "$T/kill.out")
row="select serial, arch, syscall, signal, success, target_pid from signals where sender_pid = $SENDER"
wait_rows 1 "select count(*) from signals where sender_pid = $SENDER" "$T/a.db"
wait_rows 1 "select count(*) from signals where sender_pid = $SENDER" "$T/b.db"

stop_daemon "$B"
is "$(sigtrail_rules)" "$rules_a" "after the second daemon stopped: the first one's rules are still loaded"
ok "the first daemon is still running" alive "$A"
stop_daemon "$A"
is "$(sigtrail_rules)" "" "after the first daemon stopped: no sigtrail rule"

a_row=$(qdb "$T/a.db" "$row")
like "$a_row" "^[0-9]+\|x86_64\|kill\|10\|1\|$SINK\$" "a.db (unicast) has the kill"
is "$(qdb "$T/b.db" "$row")" "$a_row" "b.db (multicast) has the same row, same serial"
done_testing
