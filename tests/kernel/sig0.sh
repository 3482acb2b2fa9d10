#!/bin/bash
# sig0: kill(pid, 0) only probes whether pid exists (shells do it constantly),
# so it is not recorded by default; --include-sig0 records it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 5
start_daemon
start_sink
"$SIGSEND64" kill "$SINK" 0 >"$T/probe1.out"
"$SIGSEND64" kill "$SINK" 10 >"$T/usr1.out"
PROBE1=$(field 2 "$T/probe1.out")
USR1=$(field 2 "$T/usr1.out")
wait_rows 1 "select count(*) from signals where sender_pid = $USR1"
stop_daemon
is "$(q "select syscall, signal, success, target_pid from signals where sender_pid = $USR1")" \
	"kill|10|1|$SINK" "default: kill($SINK, SIGUSR1) is recorded"
is "$(q "select count(*) from signals where sender_pid = $PROBE1")" 0 \
	"default: the kill($SINK, 0) sent just before it is not"

start_daemon --include-sig0
"$SIGSEND64" kill "$SINK" 0 >"$T/probe2.out"
PROBE2=$(field 2 "$T/probe2.out")
wait_rows 1 "select count(*) from signals where sender_pid = $PROBE2"
stop_daemon
is "$(q "select syscall, signal, success, errno, target_arg, target_pid from signals where sender_pid = $PROBE2")" \
	"kill|0|1|NULL|$SINK|$SINK" "--include-sig0: kill($SINK, 0) is recorded"
done_testing
