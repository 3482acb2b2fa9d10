#!/bin/bash
# esrch: a kill aimed at a pid that does not exist reaches no process; it
# gives exactly one row, with success 0, errno ESRCH and NULL target columns.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# free_pid: a pid near pid_max that names no process or thread right now.
free_pid() {
	local max p
	max=$(cat /proc/sys/kernel/pid_max)
	for ((p = max - 1; p > max - 1000; p--)); do
		[ ! -e "/proc/$p" ] && ! kill -0 "$p" 2>/dev/null && echo "$p" && return 0
	done
	return 1
}

plan 4
PID=$(free_pid) || bail "no free pid below pid_max"
start_daemon
"$SIGSEND64" kill "$PID" 15 >"$T/kill.out"
is "$(cut -d' ' -f1,3-6 "$T/kill.out")" "kill $PID 15 -1 ESRCH" "kill($PID, SIGTERM) failed with ESRCH"
SENDER=$(field 2 "$T/kill.out")
wait_rows 1 "select count(*) from signals where sender_pid = $SENDER"
stop_daemon

where="from signals where sender_pid = $SENDER"
is "$(q "select syscall, signal, success, errno, target_arg, target_pid, target_uid, target_auid, target_ses, target_user, target_comm $where")" \
	"kill|15|0|ESRCH|$PID|NULL|NULL|NULL|NULL|NULL|NULL" "one row: ESRCH, target columns NULL"
is "$(q "select count(*) from signals where serial = (select serial $where)")" 1 \
	"exactly one row carries the kill's serial"
done_testing
