#!/bin/bash
# group_kill: `kill -TERM -- -PGID` reaches every process of the group with a
# single syscall; sigtrail must store one row per process reached, all with
# the same serial and the negative pid argument as the caller passed it. The
# same when the pid comes in a whole 64-bit register, as Go's
# syscall.Kill(-pgid, sig) passes it (audit prints a0=ffffffffffffcd01).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2317 # called through wait_until
_group_formed() { [ "$(pgrep -g "$1" -x sleep | wc -l)" -eq 3 ]; }

plan 8
start_daemon
# new_group: sets PGID to a new process group of three sleeps, MEMBERS to
# their pids. A child of a shell without job control is no group leader, so
# setsid makes it the leader of a new session and group (pgid = its pid)
# without forking.
new_group() {
	setsid bash -c 'sleep 1000 & sleep 1000 & exec sleep 1000' &
	PGID=$!
	_children+=("-$PGID")
	wait_until 5 _group_formed "$PGID" || bail "process group $PGID of 3 sleeps did not form"
	MEMBERS=$(pgrep -g "$PGID" | sort -n)
}
new_group
members=$MEMBERS pgid=$PGID

/bin/kill -TERM -- "-$pgid" &
KILLER=$!
wait "$KILLER"
is "$?" 0 "/bin/kill -TERM -- -$pgid succeeded"
wait_rows 3 "select count(*) from signals where sender_pid = $KILLER"

new_group
wide_pgid=$PGID wide_members=$MEMBERS
"$SIGSEND64" kill-long "-$wide_pgid" 15 >"$T/wide"
is "$?" 0 "kill((long)-$wide_pgid, SIGTERM) succeeded"
WIDE=$(field 2 "$T/wide")
wait_rows 3 "select count(*) from signals where sender_pid = $WIDE"
stop_daemon

where="from signals where sender_pid = $KILLER"
is "$(q "select target_pid $where order by target_pid")" "$members" \
	"one row per group member: ${members//$'\n'/ }"
is "$(q "select count(*) from signals where serial = (select serial $where limit 1)")" 3 \
	"exactly 3 rows carry the kill's serial"
is "$(q "select distinct sender_comm, arch, syscall, signal, signame, success, errno, target_arg, target_comm $where")" \
	"kill|x86_64|kill|15|SIGTERM|1|NULL|-$pgid|sleep" "every row: kill(-$pgid, SIGTERM) from kill to a sleep"
where="from signals where sender_pid = $WIDE"
is "$(q "select target_pid $where order by target_pid")" "$wide_members" \
	"the 64-bit pid argument: one row per group member, none dropped as malformed"
is "$(q "select distinct sender_comm, syscall, signal, success, target_arg $where")" \
	"sigsend64|kill|15|1|-$wide_pgid" "every row: kill(-$wide_pgid, SIGTERM), the pid's low 32 bits"
done_testing
