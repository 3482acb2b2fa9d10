#!/bin/bash
# privileges: once ready, the daemon keeps only CAP_AUDIT_CONTROL (to remove
# its rules and restore the audit state at exit) and CAP_SYS_PTRACE (the
# process table reads /proc/PID/exe of every process), has an empty bounding
# set otherwise and no_new_privs, and every fd it holds is close-on-exec.
# With --no-processes, CAP_AUDIT_CONTROL alone.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 9
cap_audit_control=$(printf "%016x" $((1 << 30))) # CAP_AUDIT_CONTROL is 30
cap_both=$(printf "%016x" $(((1 << 30) | (1 << 19)))) # CAP_SYS_PTRACE is 19
start_daemon --no-processes
status=$(cat "/proc/$DAEMON_PID/status")
is "$(awk '/^CapEff:/ { print $2 }' <<<"$status")" "$cap_audit_control" \
	"--no-processes: effective CAP_AUDIT_CONTROL only"
stop_daemon
is "$(q "select processes from coverage order by run desc limit 1")" "off: --no-processes" \
	"coverage: the process table was off, and why"
start_daemon
status=$(cat "/proc/$DAEMON_PID/status")
is "$(awk '/^CapEff:/ { print $2 }' <<<"$status")" "$cap_both" "effective: CAP_AUDIT_CONTROL and CAP_SYS_PTRACE only"
is "$(awk '/^CapPrm:/ { print $2 }' <<<"$status")" "$cap_both" "permitted: the same two"
is "$(awk '/^CapBnd:/ { print $2 }' <<<"$status")" "$cap_both" "bounding set: the same two"
is "$(awk '/^NoNewPrivs:/ { print $2 }' <<<"$status")" 1 "no_new_privs set"
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
