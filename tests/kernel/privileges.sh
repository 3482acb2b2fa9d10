#!/bin/bash
# privileges: once ready, the daemon keeps only CAP_AUDIT_CONTROL (to remove
# its rules and restore the audit state at exit), has an empty bounding set
# otherwise and no_new_privs, and every fd it holds is close-on-exec.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 6
start_daemon
status=$(cat "/proc/$DAEMON_PID/status")
cap_audit_control=$(printf "%016x" $((1 << 30))) # CAP_AUDIT_CONTROL is 30
is "$(awk '/^CapEff:/ { print $2 }' <<<"$status")" "$cap_audit_control" "effective: CAP_AUDIT_CONTROL only"
is "$(awk '/^CapPrm:/ { print $2 }' <<<"$status")" "$cap_audit_control" "permitted: CAP_AUDIT_CONTROL only"
is "$(awk '/^CapBnd:/ { print $2 }' <<<"$status")" "$cap_audit_control" "bounding set: CAP_AUDIT_CONTROL only"
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
