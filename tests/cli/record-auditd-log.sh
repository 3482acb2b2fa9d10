#!/usr/bin/env bash
# record-auditd-log.sh: record real auditd logs of signal traffic, for the
# import-vs-ausearch oracle (tests/cli/oracle.sh). Needs root and a kernel
# whose audit state may be changed, so on a locked host run it in the guest:
#
#   sudo bash tests/vm/run.sh /tmp/cli-build -- \
#       bash tests/cli/record-auditd-log.sh /tmp/cli-build tests/cli/fixtures/auditd
#
# It runs the real auditd twice, once with log_format = RAW and once with
# ENRICHED (and node= names), each with its own temporary configuration and
# log file, loads signal rules for both ABIs (signal 0 included) plus some
# non-signal noise, sends every kind of signal sigtrail must understand, and
# writes OUT_PREFIX-raw.log and OUT_PREFIX-enriched.log. It deletes the rules
# it loaded (by key) and puts the backlog limit back; auditd enables auditing
# when it starts (the guest is thrown away after). It never runs `auditctl -e`.
# Progress goes to BUILD_DIR/record-auditd-log.progress.
set -eu
build=$(cd "${1:?usage: record-auditd-log.sh BUILD_DIR OUT_PREFIX}" && pwd)
out=${2:?usage: record-auditd-log.sh BUILD_DIR OUT_PREFIX}
s64=$build/tests/helpers/sigsend64
s32=$build/tests/helpers/sigsend32
[ "$(id -u)" = 0 ] || { echo "record-auditd-log.sh: needs root (run it in tests/vm/run.sh)" >&2; exit 1; }
command -v auditd >/dev/null || { echo "record-auditd-log.sh: auditd is not installed" >&2; exit 1; }
enabled=$(auditctl -s | awk '$1 == "enabled" { print $2 }')
[ "$enabled" != 2 ] || { echo "record-auditd-log.sh: audit is locked (enabled 2): use the VM" >&2; exit 1; }
[ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = 0 ] || { echo "record-auditd-log.sh: an audit daemon already runs" >&2; exit 1; }
tmp=$(mktemp -d)
auditd_pid=''
old_backlog=$(auditctl -s | awk '$1 == "backlog_limit" { print $2 }')
# Progress, where the host can read it while the guest runs (BUILD is shared).
step() { echo "$(date +%T) $*" >>"$build/record-auditd-log.progress"; }
cleanup() {
	[ -n "$auditd_pid" ] && kill "$auditd_pid" 2>/dev/null && wait "$auditd_pid" 2>/dev/null
	auditctl -D -k sigtrail-rec >/dev/null 2>&1 || true
	auditctl -D -k sigtrail-noise >/dev/null 2>&1 || true
	auditctl -b "$old_backlog" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# victim: start a `sleep 1000` and wait until it has exec'd, so that a
# signal reaches sleep and not the shell forking it; sets v.
victim() {
	sleep 1000 &
	v=$!
	local tries=0
	while [ "$(cat /proc/$v/comm 2>/dev/null)" != sleep ] && [ $((tries += 1)) -lt 250 ]; do
		sleep 0.02
	done
}

# Every signal comes from a program started after auditd enabled auditing:
# the kernel does not audit the syscalls of older processes, such as this
# script's own bash (so: /bin/kill, never the kill builtin).
signals() { # the traffic: every syscall and ABI, shells, groups, refusals, probes, a burst
	"$s64" all 10 >/dev/null
	"$s32" all 12 >/dev/null
	step "all syscalls, both ABIs"
	local v
	victim
	sh -c "kill -9 $v"
	wait "$v" 2>/dev/null || true
	setsid bash -c 'sleep 1000 & sleep 1000 & exec sleep 1000' & local leader=$!
	local mine pgid tries=0
	mine=$(ps -o pgid= -p $$ | tr -d ' ')
	pgid=$mine
	while [ "$pgid" = "$mine" ] && [ $((tries += 1)) -lt 150 ]; do # until setsid ran
		sleep 0.2
		pgid=$(ps -o pgid= -p "$leader" | tr -d ' ')
	done
	[ "$pgid" != "$mine" ] || { echo "record-auditd-log.sh: setsid never ran" >&2; exit 1; }
	sleep 0.5 # the two background sleeps
	/bin/kill -TERM -- "-$pgid"
	step "group kill of $pgid"
	victim
	setpriv --reuid=65534 --regid=65534 --clear-groups /bin/kill -TERM "$v" 2>/dev/null || true
	"$s64" kill "$v" 0 >/dev/null                      # a signal-0 probe
	local gone=$(($(cat /proc/sys/kernel/pid_max) - 11))
	"$s64" kill "$gone" 15 >/dev/null || true           # nobody there (ESRCH)
	"$s32" tgkill "$v" 9 >/dev/null
	wait "$v" 2>/dev/null || true
	cat /etc/hostname >/dev/null                        # noise: a watched file
	step "refused, probe, nobody there"
	for _ in $(seq 40); do                              # a burst of short-lived victims
		victim
		/bin/kill -USR1 "$v"
		wait "$v" 2>/dev/null || true
	done
	victim                                              # a real-time signal
	"$s64" rt_sigqueueinfo "$v" 40 >/dev/null || true
	/bin/kill -KILL "$v" 2>/dev/null || true # signal 40 may have ended it already
	wait "$v" 2>/dev/null || true
}

record() { # FORMAT NAME_FORMAT OUTPUT
	local conf=$tmp/$1
	mkdir -p "$conf/plugins"
	cat >"$conf/auditd.conf" <<CONF
local_events = yes
write_logs = yes
log_file = $conf/audit.log
log_group = root
log_format = $1
flush = INCREMENTAL_ASYNC
freq = 20
max_log_file = 100
num_logs = 2
priority_boost = 0
name_format = $2
$([ "$2" = USER ] && echo "name = sigtrail-rec")
max_log_file_action = ignore
space_left = 2
space_left_action = ignore
admin_space_left = 1
admin_space_left_action = ignore
disk_full_action = ignore
disk_error_action = ignore
plugin_dir = $conf/plugins
end_of_event_timeout = 2
CONF
	chmod 600 "$conf/auditd.conf"
	step "$1: starting auditd"
	auditd -n -c "$conf" >"$conf/auditd.err" 2>&1 &
	auditd_pid=$!
	for _ in $(seq 600); do
		[ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = "$auditd_pid" ] && break
		sleep 0.1
	done
	if [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" != "$auditd_pid" ]; then
		# auditd -n tells configuration errors to syslog only: `auditd -f` shows them.
		echo "record-auditd-log.sh: auditd did not start ($(kill -0 "$auditd_pid" 2>/dev/null && echo running || echo exited; cat "$conf/auditd.err")); try auditd -f -c $conf" >&2
		exit 1
	fi
	step "$1: auditd pid $auditd_pid registered"
	# The kernel's default backlog (64) makes every audited syscall wait
	# (backlog_wait_time) whenever auditd falls behind, as it does in a
	# slow guest; the old limit is restored at exit.
	auditctl -b 8192 >/dev/null
	for arch in b64 b32; do
		auditctl -a exit,always -F arch=$arch \
			-S kill,tkill,tgkill,rt_sigqueueinfo,rt_tgsigqueueinfo,pidfd_send_signal -k sigtrail-rec
	done
	auditctl -w /etc/hostname -p r -k sigtrail-noise
	signals
	sleep 1
	auditctl -D -k sigtrail-rec >/dev/null
	auditctl -D -k sigtrail-noise >/dev/null
	kill "$auditd_pid"
	wait "$auditd_pid" || true
	auditd_pid=''
	step "$1: auditd stopped"
	cp "$conf/audit.log" "$3"
	echo "record-auditd-log.sh: $(wc -l <"$3") lines, $(grep -c 'type=SYSCALL' "$3") SYSCALL records ($1) in $3" >&2
}

record RAW NONE "$out-raw.log"
record ENRICHED USER "$out-enriched.log"
echo "record-auditd-log.sh: audit state after: $(auditctl -s | tr '\n' ' ')" >&2
