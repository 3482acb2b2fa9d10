#!/bin/bash
# auditd: coexistence with the real auditd (Debian's package) running as the
# audit daemon. sigtraild --source auto picks multicast; both see the same
# kill (same serial); sigtraild never removes auditd's rule; either can stop
# or restart without breaking the other.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v auditd >/dev/null || bail "auditd not found (install auditd)"
plan 7
conf=$T/auditd
mkdir -p "$conf"
cat >"$conf/auditd.conf" <<CONF
log_file = $T/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 1
write_logs = yes
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $conf/plugins.d
CONF
mkdir -p "$conf/plugins.d"
chmod -R go-w "$conf"
_audit_pid_is() { [ "$(audit_status pid)" = "$1" ]; }
start_auditd() {
	auditd -n -c "$conf" 2>>"$T/auditd.err" &
	AUDITD=$!
	_children+=("$AUDITD")
	wait_until 10 _audit_pid_is "$AUDITD" || bail "auditd did not register: $(cat "$T/auditd.err")"
}
stop_auditd() {
	kill -TERM "$AUDITD"
	wait "$AUDITD" 2>/dev/null
	wait_until 10 _audit_pid_is 0
}
start_auditd
touch "$T/watched"
auditctl -w "$T/watched" -p w -k auditd-own >/dev/null || bail "cannot add auditd's rule"
trap 'st=$?; auditctl -W "$T/watched" -p w -k auditd-own >/dev/null 2>&1; (exit $st); _cleanup' EXIT

start_daemon
like "$(cat "$LOG")" 'source: multicast, because audit pid [0-9]+ \(auditd\)' "beside auditd, auto picks multicast"
start_sink
"$SIGSEND64" kill "$SINK" 10 >"$T/k1"
wait_rows 1 "select count(*) from signals where sender_pid = $(field 2 "$T/k1")"
serial=$(q "select serial from signals where sender_pid = $(field 2 "$T/k1")")
wait_until 5 grep -q "audit([0-9.]*:$serial): arch=c000003e syscall=62" "$T/audit.log"
ok "auditd logged the same kill (serial $serial)" grep -q "audit([0-9.]*:$serial): arch=c000003e syscall=62" "$T/audit.log"

stop_daemon
like "$(auditctl -l -k auditd-own)" "-w $T/watched -p w -k auditd-own" \
	"after sigtraild stops, auditd's own rule is still loaded"
echo x >>"$T/watched"
wait_until 5 grep -q 'key="auditd-own"' "$T/audit.log"
ok "and auditd still records with it" grep -q 'key="auditd-own"' "$T/audit.log"

start_daemon
stop_auditd
start_auditd
"$SIGSEND64" kill "$SINK" 12 >"$T/k2"
wait_rows 1 "select count(*) from signals where sender_pid = $(field 2 "$T/k2")"
is "$(q "select signame from signals where sender_pid = $(field 2 "$T/k2")")" SIGUSR2 \
	"sigtraild keeps recording across an auditd restart"
stop_daemon
stop_auditd
auditctl -W "$T/watched" -p w -k auditd-own >/dev/null
set_enabled "$_orig_enabled"
done_testing
