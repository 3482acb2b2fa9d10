#!/bin/bash
# syscalls: every signal-sending syscall on both x86_64 ABIs. `sigsend all 10`
# signals six children, one per syscall; from sigsend64 and sigsend32 that
# must give exactly 12 rows with the right arch, syscall name and arguments.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -x "${SIGSEND32:-}" ] || bail "SIGSEND32 is not an executable: '${SIGSEND32:-}' (gcc-multilib missing?)"

# expected ARCH OUTFILE: the calls a `sigsend all` output says it made, in the
# column order of the query below.
expected() {
	awk -v arch="$1" -v comm="${2##*/}" -v OFS='|' \
		'{ print arch, $1, $4, "SIGUSR1", 1, "NULL", $7, $3, comm }' "$2"
}

plan 6
start_daemon
"$SIGSEND64" all 10 >"$T/sigsend64"
is "$?" 0 "sigsend64 all 10: six syscalls succeeded"
"$SIGSEND32" all 10 >"$T/sigsend32"
is "$?" 0 "sigsend32 all 10: six syscalls succeeded"
P64=$(field 2 "$T/sigsend64")
P32=$(field 2 "$T/sigsend32")
where="from signals where sender_pid in ($P64, $P32)"
wait_rows 12 "select count(*) $where"
stop_daemon

is "$(q "select arch, syscall, signal, signame, success, errno, target_arg, target_pid, target_comm $where" | sort)" \
	"$({ expected x86_64 "$T/sigsend64"; expected i386 "$T/sigsend32"; } | sort)" \
	"12 rows: 6 syscalls x 2 ABIs, target_arg the pid (the pidfd for pidfd_send_signal)"
is "$(q "select count(distinct serial) $where")" 12 "12 distinct serials"
is "$(q "select distinct sender_pid, sender_ppid, sender_uid, sender_user, sender_comm, sender_exe, sender_cmdline $where order by sender_pid = $P32")" \
	"$P64|$$|0|root|sigsend64|$(readlink -f "$SIGSEND64")|$SIGSEND64 all 10
$P32|$$|0|root|sigsend32|$(readlink -f "$SIGSEND32")|$SIGSEND32 all 10" \
	"senders: sigsend64 and sigsend32 run by this script"
done_testing
