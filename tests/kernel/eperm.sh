#!/bin/bash
# eperm: a kill refused by the kernel (uid 65534 signalling a root process) is
# still an attempt worth recording: success 0, errno EPERM, and the target the
# caller aimed at.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 5
nobody=$(user_of 65534)
start_daemon
start_victim
setpriv --reuid=65534 --regid=65534 --clear-groups /bin/kill -TERM "$VICTIM" 2>/dev/null &
KILLER=$!
wait "$KILLER"
is "$?" 1 "/bin/kill -TERM $VICTIM as uid 65534 failed"
wait_rows 1 "select count(*) from signals where sender_pid = $KILLER"
stop_daemon

where="from signals where sender_pid = $KILLER"
is "$(q "select arch, syscall, signal, signame, success, errno, target_arg, target_pid, target_uid, target_comm $where")" \
	"x86_64|kill|15|SIGTERM|0|EPERM|$VICTIM|$VICTIM|0|sleep" "one row: kill($VICTIM, SIGTERM) refused with EPERM"
is "$(q "select sender_uid, sender_euid, sender_user, sender_comm, sender_exe $where")" \
	"65534|65534|$nobody|kill|$(readlink -f /bin/kill)" "sender: /bin/kill as uid 65534 ($nobody)"
ok "the victim is still alive" alive "$VICTIM"
done_testing
