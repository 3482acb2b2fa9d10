#!/bin/bash
# replay: raw audit records recorded from the kernel (tests/fixtures/kernel.log,
# made by tests/fixtures/record.sh through sigtraild's own --tee) replayed
# through `sigtraild --source stdin`, unprivileged: every event shape gives
# the rows a user would see. kernel.env holds the pids of that recording.
set -u
export LC_ALL=C
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
# shellcheck source=../fixtures/kernel.env
. "$fixtures/kernel.env"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
q() { sqlite3 -batch -noheader -nullvalue NULL "$1" "$2"; }

"$SIGTRAILD" --foreground --source stdin --db "$T/a.db" <"$fixtures/kernel.log" 2>"$T/a.log"
is "$?" 0 "replay exits 0 at end of input"
is "$(q "$T/a.db" 'select count(*) from signals')" "$((LIVE_ROWS - 1))" \
	"as many rows as the live run, minus its signal-0 probe"

# Every syscall from both ABIs: sigsend printed "syscall sender target sig ret errno arg".
for abi in 64 32; do
	arch=x86_64 && [ $abi = 32 ] && arch=i386
	lines=ALL$abi
	IFS=';' read -ra calls <<<"${!lines}"
	for c in "${calls[@]}"; do
		read -r sc sender target sig _ _ arg <<<"$c"
		is "$(q "$T/a.db" "select arch, syscall, signal, signame, success, coalesce(errno, 'NULL'),
			target_arg, sender_comm, target_comm from signals
			where sender_pid = $sender and target_pid = $target")" \
			"$arch|$sc|$sig|SIGUSR1|1|NULL|$arg|sigsend$abi|sigsend$abi" "$arch $sc"
	done
done

is "$(q "$T/a.db" "select signame, sender_comm, sender_exe, sender_cmdline, target_comm, sender_user
	from signals where target_pid = $SH_VICTIM")" \
	"SIGKILL|sh|/usr/bin/dash|sh -c kill -9 $SH_VICTIM|sleep|root" 'sh -c "kill -9 PID"'
is "$(q "$T/a.db" "select sender_ppid = (select min(sender_ppid) from signals where sender_comm =
	'sigsend64') from signals where target_pid = $SH_VICTIM")" 1 \
	"sh's parent is the recording script, like sigsend64's"

is "$(q "$T/a.db" "select group_concat(target_pid, ' ') from (select target_pid from signals
	where target_arg = -$GROUP_PGID order by target_pid)") " "$GROUP_PIDS" \
	"group kill: one row per process of the group"
is "$(q "$T/a.db" "select count(distinct serial) || ' ' || min(signame) from signals
	where target_arg = -$GROUP_PGID")" "1 SIGTERM" "group kill: one event"

is "$(q "$T/a.db" "select success, errno, sender_uid, sender_user, sender_comm, target_comm,
	target_user from signals where target_pid = $EPERM_VICTIM and success = 0")" \
	"0|EPERM|65534|nobody|kill|sleep|root" "EPERM attempt kept, with its target"

is "$(q "$T/a.db" "select count(*) || ' ' || min(success) || ' ' || min(errno) || ' ' ||
	coalesce(min(target_pid), 'NULL') || ' ' || coalesce(min(target_comm), 'NULL')
	from signals where target_arg = $ESRCH_PID")" "1 0 ESRCH NULL NULL" \
	"ESRCH: one row, NULL target"

is "$(q "$T/a.db" "select arch, syscall, signame from signals
	where target_pid = $EPERM_VICTIM and success = 1")" "i386|tgkill|SIGKILL" \
	"i386 tgkill SIGKILL"
is "$(q "$T/a.db" "select count(*) from signals where signal = 0")" 0 \
	"signal 0 dropped by default, although the records are in the stream"

"$SIGTRAILD" --foreground --source stdin --include-sig0 --db "$T/b.db" \
	<"$fixtures/kernel.log" 2>"$T/b.log"
is "$(q "$T/b.db" "select count(*) || ' ' || min(target_pid) || ' ' || coalesce(min(signame), 'NULL')
	from signals where signal = 0")" "1 $EPERM_VICTIM NULL" "--include-sig0 keeps it"

is "$(q "$T/a.db" "select count(*) from signals where time not glob
	'[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9]Z'")" 0 \
	"every time is ISO-8601 UTC with milliseconds"
is "$(q "$T/a.db" "select count(*) from signals where sender_auid is not null or sender_ses is
	not null or target_auid is not null or target_ses is not null")" 0 \
	"unset auid/ses (no login session in the recording) are NULL"

# Hostile input: the same stream with garbage, truncated records, an
# oversized line and binary noise mixed in gives the same rows, counted.
{
	echo "garbage without a type"
	head -c 40000 /dev/zero | tr '\0' 'A'
	echo
	cat "$fixtures/kernel.log"
	echo "type=SYSCALL msg=audit(1795320999.000:999999): arch=c000003e syscall=62 success=yes"
	echo "type=EOE msg=audit(1795320999.000:999999): "
	printf 'type=OBJ_PID msg=audit(\x01\xff\n'
} >"$T/hostile.log"
"$SIGTRAILD" --foreground --source stdin --db "$T/c.db" <"$T/hostile.log" 2>"$T/c.log"
is "$?" 0 "hostile input: exits 0"
is "$(q "$T/c.db" "select count(*) from signals")" "$((LIVE_ROWS - 1))" "hostile input: same rows"
is "$(grep -c '1 oversized and 1 unparsable lines, 2 malformed records, 0 malformed events' "$T/c.log")" 1 \
	"hostile input: every loss counted in the stop summary"

# A group kill (kill(0, SIGTERM): its own group) of more processes than one event keeps (ST_MAX_TARGETS, 4096
# OBJ_PID records): the targets beyond it are not named, and the run's
# coverage row says how many.
{
	echo 'type=SYSCALL msg=audit(1795320999.000:777): arch=c000003e syscall=62 success=yes exit=0 a0=0 a1=f a2=0 a3=0 items=0 ppid=1 pid=4000 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="killer" exe="/usr/bin/kill" subj=unconfined key="sigtrail"'
	for ((i = 0; i < 4100; i++)); do
		echo "type=OBJ_PID msg=audit(1795320999.000:777): opid=$((10000 + i)) oauid=-1 ouid=0 oses=-1 obj=unconfined ocomm=\"worker\""
	done
	echo 'type=EOE msg=audit(1795320999.000:777): '
} >"$T/group.log"
"$SIGTRAILD" --foreground --source stdin --db "$T/g.db" <"$T/group.log" 2>"$T/g.log"
is "$(q "$T/g.db" "select count(*) from signals where serial = 777")" 4096 \
	"a group kill of 4100: the 4096 targets one event keeps are rows"
is "$(q "$T/g.db" "select lost_targets from coverage")" 4 \
	"coverage: the 4 targets beyond them counted as lost_targets"
is "$(q "$T/c.db" "select lost_targets, lost_kernel_log, lost_abends, lost_process_facts,
	untracked_processes from coverage")" "0|0|0|0|0" "coverage: no other loss counted where none happened"

tap_done
