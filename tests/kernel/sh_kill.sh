#!/bin/bash
# sh_kill: `sh -c "kill -9 PID"` from a script, the sender that has exited by
# the time anyone looks. Its row must carry what ps can no longer tell: the
# shell's command line, its parent (this script), its user; the victim; and a
# well-formed time.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 9
start_daemon
start_victim
victim_ids="$(auid_of "$VICTIM")|$(ses_of "$VICTIM")" # before /proc/$VICTIM goes
before=$(now_ms)
sh -c "kill -9 $VICTIM" &
SH=$!
wait "$SH"
is "$?" 0 "sh -c 'kill -9 $VICTIM' succeeded"
after=$(now_ms)
wait_rows 1 "select count(*) from signals where sender_pid = $SH"
stop_daemon

where="from signals where sender_pid = $SH"
is "$(q "select arch, syscall, signal, signame, success, errno, target_arg $where")" \
	"x86_64|kill|9|SIGKILL|1|NULL|$VICTIM" "one row: kill($VICTIM, SIGKILL) succeeded"
auid=$(auid_of $$)
is "$(q "select sender_ppid, sender_uid, sender_euid, sender_user, sender_auid, sender_ses, sender_login $where")" \
	"$$|0|0|root|$auid|$(ses_of $$)|$(user_of "$auid")" "sender: parent is this script, user root"
is "$(q "select sender_comm, sender_exe, sender_cmdline $where")" \
	"sh|$(readlink -f /bin/sh)|sh -c kill -9 $VICTIM" "sender: comm, exe and full command line"
is "$(q "select target_pid, target_uid, target_user, target_auid, target_ses, target_comm $where")" \
	"$VICTIM|0|root|$victim_ids|sleep" "target: the sleep victim"

IFS='|' read -r time ms host <<<"$(q "select time, epoch_ms, host $where")"
like "$time" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' \
	"time is UTC ISO-8601 with milliseconds"
ok "epoch_ms $ms is the time of the kill (between $before and $after, 1 s slack)" \
	test "$ms" -ge $((before - 1000)) -a "$ms" -le $((after + 1000))
is "$time|$host" "$(iso_ms "$ms")|$(uname -n)" "time agrees with epoch_ms, host is this machine"
done_testing
