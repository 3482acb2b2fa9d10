#!/bin/bash
# privileges: once ready, the daemon keeps only CAP_AUDIT_CONTROL (to remove
# its rules and restore the audit state at exit) and CAP_SYS_PTRACE (the
# process table reads /proc/PID/exe of every process), has an empty bounding
# set otherwise and no_new_privs, and every fd it holds is close-on-exec.
# With --no-processes, CAP_AUDIT_CONTROL alone. Capabilities are per
# thread: every thread is checked. The exec reader alone runs at SCHED_FIFO.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 11
cap_audit_control=$(printf "%016x" $((1 << 30))) # CAP_AUDIT_CONTROL is 30
cap_both=$(printf "%016x" $(((1 << 30) | (1 << 19)))) # CAP_SYS_PTRACE is 19
start_daemon --no-processes
is "$(awk '/^CapEff:/ { print $2 }' /proc/"$DAEMON_PID"/task/*/status | sort -u)" \
	"$cap_audit_control" "--no-processes: effective CAP_AUDIT_CONTROL only, in every thread"
stop_daemon
is "$(q "select processes from coverage order by run desc limit 1")" "off: --no-processes" \
	"coverage: the process table was off, and why"
start_daemon
# "NAME CapEff CapPrm CapBnd NoNewPrivs policy" for each thread, sorted.
threads() {
	local t
	for t in /proc/"$DAEMON_PID"/task/*; do
		printf '%s %s %s\n' "$(cat "$t/comm")" \
			"$(awk '/^(CapEff|CapPrm|CapBnd|NoNewPrivs):/ { printf "%s ", $2 }' "$t/status")" \
			"$(awk '{ sub(/.*\) /, ""); print $39 }' "$t/stat")"
	done | sort
}
all=$(threads)
diag "$all"
is "$(awk '{ print $2 }' <<<"$all" | sort -u)" "$cap_both" \
	"effective, in every thread: CAP_AUDIT_CONTROL and CAP_SYS_PTRACE only"
is "$(awk '{ print $3 }' <<<"$all" | sort -u)" "$cap_both" "permitted: the same two"
is "$(awk '{ print $4 }' <<<"$all" | sort -u)" "$cap_both" "bounding set: the same two"
is "$(awk '{ print $5 }' <<<"$all" | sort -u)" 1 "no_new_privs set"
is "$(awk '{ print $1 }' <<<"$all" | tr '\n' ' ')" "sigtrail-ckpt sigtrail-exec sigtrail-writer sigtraild " \
	"four threads: the WAL checkpointer, the exec reader, the writer and the main loop"
is "$(awk '{ print $1 "=" $6 }' <<<"$all" | tr '\n' ' ')" \
	"sigtrail-ckpt=0 sigtrail-exec=1 sigtrail-writer=0 sigtraild=0 " \
	"the exec reader alone is real-time (SCHED_FIFO, policy 1)"
leaky=''
for fd in /proc/"$DAEMON_PID"/fdinfo/*; do
	n=${fd##*/}
	[ "$n" -le 2 ] && continue
	flags=$(awk '/^flags:/ { print $2 }' "$fd")
	((8#$flags & 8#2000000)) || leaky+="$n -> $(readlink "/proc/$DAEMON_PID/fd/$n") "
done
is "$leaky" "" "every fd above 2 is O_CLOEXEC"
stop_daemon
done_testing
