#!/bin/bash
# group_kill: `kill -TERM -- -PGID` reaches every process of the group with a
# single syscall; sigtrail must store one row per process reached, all with
# the same serial and the negative pid argument as the caller passed it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2317 # called through wait_until
_group_formed() { [ "$(pgrep -g "$1" -x sleep | wc -l)" -eq 3 ]; }

plan 5
start_daemon
# A child of a shell without job control is no group leader, so setsid makes
# it the leader of a new session and group (pgid = its pid) without forking.
setsid bash -c 'sleep 1000 & sleep 1000 & exec sleep 1000' &
PGID=$!
_children+=("-$PGID")
wait_until 5 _group_formed "$PGID" || bail "process group $PGID of 3 sleeps did not form"
members=$(pgrep -g "$PGID" | sort -n)

/bin/kill -TERM -- "-$PGID" &
KILLER=$!
wait "$KILLER"
is "$?" 0 "/bin/kill -TERM -- -$PGID succeeded"
wait_rows 3 "select count(*) from signals where sender_pid = $KILLER"
stop_daemon

where="from signals where sender_pid = $KILLER"
is "$(q "select target_pid $where order by target_pid")" "$members" \
	"one row per group member: ${members//$'\n'/ }"
is "$(q "select count(*) from signals where serial = (select serial $where limit 1)")" 3 \
	"exactly 3 rows carry the kill's serial"
is "$(q "select distinct sender_comm, arch, syscall, signal, signame, success, errno, target_arg, target_comm $where")" \
	"kill|x86_64|kill|15|SIGTERM|1|NULL|-$PGID|sleep" "every row: kill(-$PGID, SIGTERM) from kill to a sleep"
done_testing
