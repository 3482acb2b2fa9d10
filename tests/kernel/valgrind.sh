#!/bin/bash
# valgrind: the daemon's lifecycle against the kernel (rules, audit pid,
# netlink reads, writer thread, teardown) under memcheck: a clean exit on
# SIGTERM with no leak (definite, indirect, possible; libauparse keeps a
# still-reachable block from its constructor) and no memory error.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v valgrind >/dev/null || bail "valgrind not found (install valgrind)"
plan 3
DAEMON_WRAPPER=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
	--error-exitcode=99 --log-file="$T/valgrind.log")
READY_TIMEOUT=60
start_daemon --source unicast
start_victim
"$SIGSEND64" kill "$VICTIM" 15 >"$T/kill"
wait_rows 1 "select count(*) from signals where target_pid = $VICTIM"
stop_daemon
is "$(cat "$T/valgrind.log")" "" "valgrind reports nothing"
is "$(q "select signame from signals where target_pid = $VICTIM")" SIGTERM "the kill is recorded"
done_testing
