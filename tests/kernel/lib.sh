# shellcheck shell=bash
# lib.sh: shared code of the kernel tests, sourced by every tests/kernel/*.sh.
#
# A kernel test runs the real sigtraild against the real kernel audit
# subsystem, sends real signals, stops the daemon with SIGTERM and checks the
# `signals` view with sqlite3. Its shape:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   plan 3                      # the script's own checks; done_testing adds 2
#   start_daemon                # --foreground --db "$DB", waits for "ready"
#   start_victim                # sets VICTIM (a `sleep 1000`)
#   ... send signals ...
#   stop_daemon                 # one check: exit status 0 after SIGTERM
#   is "$(q "select ...")" "expected" "description"
#   done_testing                # checks the audit state is as found, exits
#
# Every daemon a test starts keeps its runtime state (the record of the audit
# state it changed) in the test's own $RUNTIME_DIR, never in /run/sigtrail:
# no test sees what another test, or an installed collector, left there.
#
# Other processes on the machine send signals too: always select rows by the
# pids this test created (sender or target) or by their serial.
#
# Environment (meson sets it): SIGTRAILD, SIGSEND64, SIGSEND32, SQLITE3.
# By hand, as root, from the source tree after a build in build/:
#   SIGTRAILD=build/sigtraild SIGSEND64=build/tests/helpers/sigsend64 \
#   SIGSEND32=build/tests/helpers/sigsend32 bash tests/kernel/sh_kill.sh
# A failing test keeps its temp dir (database, daemon log) and says where.
#
# Exit status: 0 when every check passed, 1 otherwise, 77 (after a TAP
# "1..0 # SKIP") when not root or the kernel has no usable audit support.

set -u
export LC_ALL=C

# shellcheck source=../lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
_daemons=()     # sigtraild pids not yet stopped by stop_daemon
_children=()    # victims and other helpers to kill at exit
T=''            # this test's temp dir
_audit_ours=0   # 1 once the audit state was found clean: the cleanup may restore it

# --- TAP (tests/lib/tap.sh) -------------------------------------------------

# plan N: N is the number of checks in the script itself; done_testing adds
# its three audit-state checks to the printed plan.
plan() { _tap_planned=$(($1 + 3)); echo "1..$_tap_planned"; }

# --- processes -----------------------------------------------------------------

# alive PID: the process exists and is not a zombie. Reads /proc rather than
# kill -0, which would itself be a signal syscall.
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

_dead() { ! alive "$1"; }

_comm_is() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

# wait_comm PID COMM: wait until a freshly forked child has exec'd COMM, so
# the audit record names the program and not the forking bash.
wait_comm() {
	wait_until 5 _comm_is "$1" "$2" || bail "pid $1 never became '$2'"
}

# start_victim: a `sleep 1000` to be signalled; sets VICTIM.
start_victim() {
	sleep 1000 &
	VICTIM=$!
	_children+=("$VICTIM")
	wait_comm "$VICTIM" sleep
}

# start_sink: a sigsend64 that ignores every catchable signal; sets SINK.
start_sink() {
	"$SIGSEND64" sink >>"$T/sink.out" &
	SINK=$!
	_children+=("$SINK")
	wait_until 5 grep -q "^sink $SINK ready$" "$T/sink.out" || bail "sigsend64 sink did not start"
}

# field N FILE: the Nth space-separated field of FILE's first line (sigsend
# output: 1 syscall, 2 own pid, 3 target, 4 sig, 5 return, 6 errno, 7 arg).
field() { awk -v n="$1" 'NR == 1 { print $n }' "$2"; }

now_ms() { date +%s%3N; }

# iso_ms EPOCH_MS: the `time` column sigtrail must derive from epoch_ms.
iso_ms() { printf '%s.%03dZ\n' "$(date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%S)" $(($1 % 1000)); }

# auid_of PID / ses_of PID: the login uid and session a process inherited,
# as the signals view shows them (unset, 4294967295, is NULL).
_unset_is_null() { [ "$1" = 4294967295 ] && echo NULL || echo "$1"; }
auid_of() { _unset_is_null "$(cat "/proc/$1/loginuid")"; }
ses_of() { _unset_is_null "$(cat "/proc/$1/sessionid")"; }

# user_of UID: the user name of UID, NULL for NULL.
user_of() {
	[ "$1" = NULL ] && { echo NULL; return; }
	getent passwd "$1" | cut -d: -f1
}

# --- audit state -------------------------------------------------------------

# audit_status KEY: one value of `auditctl -s` (enabled, pid, backlog_limit...).
audit_status() { auditctl -s | awk -v k="$1" '$1 == k { print $2 }'; }

# set_enabled 0|1: `auditctl -e`, refusing any other value: enabled 2 locks
# the audit configuration until reboot and must never come from a test.
set_enabled() {
	case $1 in
	0 | 1) auditctl -e "$1" >/dev/null ;;
	*) echo "set_enabled: refusing auditctl -e '$1'" >&2; return 1 ;;
	esac
}

# sigtrail_rules: the loaded audit rules carrying the key sigtrail.
sigtrail_rules() { auditctl -l | grep -E -- '(-F key=|-k )sigtrail( |$)'; }

# admin_rules: what an administrator does: load (afresh) the 4 rules sigtrail
# would, with auditctl, so that they are not a collector's.
admin_rules() {
	auditctl -D -k sigtrail >/dev/null
	for arch in b64 b32; do
		auditctl -a always,exit -F arch=$arch -S kill,tkill,rt_sigqueueinfo,pidfd_send_signal \
			-F 'a1!=0' -k sigtrail >/dev/null || bail "auditctl -a (arch=$arch, a1) failed"
		auditctl -a always,exit -F arch=$arch -S tgkill,rt_tgsigqueueinfo \
			-F 'a2!=0' -k sigtrail >/dev/null || bail "auditctl -a (arch=$arch, a2) failed"
	done
	[ "$(sigtrail_rules | wc -l)" -eq 4 ] || bail "expected 4 sigtrail rules: $(sigtrail_rules)"
}

# --- the daemon -------------------------------------------------------------

DB=''  # database of the next start_daemon and of q
DAEMON_WRAPPER=() # command prefix for start_daemon (valgrind.sh runs it under memcheck)
READY_TIMEOUT=10  # seconds start_daemon waits for "ready"
DAEMON_STDIN=/dev/null # stdin of the next start_daemon (a FIFO for --source stdin)
LOG='' # stderr of the next start_daemon

# start_daemon [ARG...]: start sigtraild in the background on $DB with its
# stderr in $LOG and its runtime state in $RUNTIME_DIR, wait up to 10 s for
# "ready"; sets DAEMON_PID. Bails out, printing the log, when the daemon dies
# or never gets ready.
start_daemon() {
	# Emptied here, not by the redirection below: that runs in the child,
	# and the wait for "ready" must not find an earlier daemon's line.
	: >"$LOG"
	"${DAEMON_WRAPPER[@]}" "$SIGTRAILD" --foreground --db "$DB" --runtime-dir "$RUNTIME_DIR" \
		"$@" 2>"$LOG" <"$DAEMON_STDIN" &
	DAEMON_PID=$!
	_daemons+=("$DAEMON_PID")
	local tries=$((READY_TIMEOUT * 20))
	while ((tries-- > 0)); do
		grep -qw ready "$LOG" && return 0
		alive "$DAEMON_PID" || break
		sleep 0.05
	done
	diag "sigtraild $* did not get ready; its log ($LOG):"
	diag "$(cat "$LOG")"
	bail "sigtraild not ready"
}

# stop_daemon [PID]: SIGTERM the daemon (default $DAEMON_PID), give it 10 s,
# and check that it exited 0. Counts as one check.
stop_daemon() {
	local pid=${1:-$DAEMON_PID} status i
	kill -TERM "$pid"
	wait_until 10 _dead "$pid" || {
		diag "sigtraild $pid still running 10 s after SIGTERM; killing it"
		kill -KILL "$pid"
	}
	wait "$pid"
	status=$?
	for i in "${!_daemons[@]}"; do
		[ "${_daemons[$i]}" = "$pid" ] && unset '_daemons[i]'
	done
	is "$status" 0 "sigtraild $pid exited 0 on SIGTERM"
}

# run_daemon_to_exit LOGFILE [CMD-PREFIX...] -- [ARG...]: run sigtraild in the
# foreground with stderr in LOGFILE; sets STATUS. 15 s at most, a hang guard
# (a sanitizer build in an emulated guest starts slowly): a daemon that had
# to be killed gives 124 or more, which no check accepts as an exit.
run_daemon_to_exit() {
	local logfile=$1 prefix=()
	shift
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		prefix+=("$1")
		shift
	done
	shift
	timeout -k 2 15 "${prefix[@]}" "$SIGTRAILD" --foreground --runtime-dir "$RUNTIME_DIR" "$@" \
		2>"$logfile"
	# shellcheck disable=SC2034 # read by the tests
	STATUS=$?
}

# exited_with_error STATUS: the daemon exited by itself with a failure code.
exited_with_error() { [ "$1" -ge 1 ] && [ "$1" -le 123 ]; }

# q SQL / qdb DBFILE SQL: run SQL on $DB (or DBFILE); NULL prints as NULL,
# columns are separated by |, rows by newlines.
qdb() {
	[ -f "$1" ] || { diag "no database at $1"; return 1; }
	"$SQLITE3" -batch -noheader -nullvalue NULL -cmd '.timeout 2000' "$1" "$2"
}
q() { qdb "$DB" "$1"; }

_count_at_least() { [ "$(qdb "$1" "$2" 2>/dev/null)" -ge "$3" ] 2>/dev/null; }

# wait_rows N SQL [DBFILE]: wait up to 5 s for the count query SQL to reach
# N while the daemon runs, so the test stops it after the events are stored.
# Not a check: the counts are checked after the daemon stopped.
wait_rows() {
	wait_until 5 _count_at_least "${3:-$DB}" "$2" "$1" ||
		diag "still fewer than $1 rows after 5 s: $2"
}

# --- life cycle ---------------------------------------------------------------

# done_testing: check that the audit state is as the test found it (no
# sigtrail rule, same enabled flag and backlog limit, no audit daemon) and
# that no daemon left a record behind, then exit through the cleanup trap.
done_testing() {
	is "$(ls -A "$RUNTIME_DIR" 2>/dev/null)" "" "nothing left in the runtime directory"
	is "$(sigtrail_rules)" "" "no audit rule with key sigtrail left loaded"
	is "enabled $(audit_status enabled) backlog_limit $(audit_status backlog_limit) pid $(audit_status pid)" \
		"enabled $_orig_enabled backlog_limit $_orig_backlog pid 0" \
		"audit enabled flag and backlog limit restored, audit pid released"
	exit 0
}

_cleanup() {
	local status=$? pid failed=0
	trap - EXIT
	for pid in "${_daemons[@]}"; do
		diag "sigtraild $pid left running; sending SIGTERM"
		kill -TERM "$pid" 2>/dev/null
		wait_until 5 _dead "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${_children[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	# The proc tests' cgroups (tests/proc-kernel/deaths.sh), if any.
	! declare -F cleanup_cgroups >/dev/null || cleanup_cgroups

	if [ "$status" -ne 0 ] || [ "$_tap_failed" -ne 0 ] || [ "$_tap_n" != "$_tap_planned" ]; then
		failed=1
	fi
	[ "$_tap_n" = "$_tap_planned" ] || diag "planned $_tap_planned checks, ran $_tap_n"

	# Only a failed test may clean up rules: on success the daemon must have.
	# And only a test that found the audit state clean: one that bailed out
	# because rules were loaded or the audit pid was held (a collector
	# running, another test) must not touch what is not its own.
	if [ "$_audit_ours" = 1 ] && [ "$failed" -eq 1 ] && [ -n "$(sigtrail_rules)" ]; then
		diag "removing leftover sigtrail rules"
		auditctl -D -k sigtrail >/dev/null
	fi
	if [ "$_audit_ours" = 1 ] && [ -n "${_orig_enabled:-}" ]; then
		[ "$(audit_status enabled)" = "$_orig_enabled" ] || {
			diag "restoring audit enabled $_orig_enabled"
			set_enabled "$_orig_enabled"
		}
		[ "$(audit_status backlog_limit)" = "$_orig_backlog" ] || {
			diag "restoring audit backlog_limit $_orig_backlog"
			auditctl -b "$_orig_backlog" >/dev/null
		}
	fi

	if [ -n "$T" ]; then
		if [ "$failed" -eq 1 ]; then
			diag "kept $T for inspection"
		else
			rm -rf "$T"
		fi
	fi
	exit "$failed"
}

# --- preconditions and setup ----------------------------------------------------

[ "$(id -u)" -eq 0 ] || skip_all "the kernel tests need root"
command -v auditctl >/dev/null || bail "auditctl not found (install auditd)"
_err=$(auditctl -s 2>&1 >/dev/null) || skip_all "no usable kernel audit support: auditctl -s: $_err"
_orig_enabled=$(audit_status enabled)
_orig_backlog=$(audit_status backlog_limit)
[ "$_orig_enabled" != 2 ] || skip_all "kernel audit is immutable (enabled 2) until reboot"

trap _cleanup EXIT
trap 'exit 1' HUP INT TERM # meson's timeout: clean up on the way out

for _v in SIGTRAILD SIGSEND64; do
	[ -x "${!_v:-}" ] || bail "$_v is not an executable: '${!_v:-}' (meson test sets it)"
done
SQLITE3=${SQLITE3:-$(command -v sqlite3)}
[ -x "$SQLITE3" ] || bail "sqlite3 not found (install sqlite3)"

[ -z "$(sigtrail_rules)" ] ||
	bail "sigtrail audit rules already loaded (a sigtrail running, or leaked by an earlier run)"
[ "$(audit_status pid)" = 0 ] ||
	bail "the audit pid is held by pid $(audit_status pid) (auditd?); the kernel tests need it free"
_audit_ours=1

T=$(mktemp -d "${TMPDIR:-/tmp}/sigtrail-kt.XXXXXX") || bail "mktemp failed"
DB=$T/sigtrail.db
LOG=$T/daemon.log
RUNTIME_DIR=$T/run # the daemons' --runtime-dir
