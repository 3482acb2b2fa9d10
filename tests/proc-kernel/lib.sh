# shellcheck shell=bash
# lib.sh: shared code of the proc kernel tests that need no kernel audit
# (OOM, pid namespace teardown, crash, cgroups, pid reuse). It offers the
# same TAP and process helpers as tests/kernel/lib.sh (plan, ok, is, like,
# diag, bail, skip_all, alive, wait_until) but not its preconditions: that
# file skips every test when the kernel's audit configuration is locked
# (enabled 2) or its audit pid is taken, and these tests do not touch audit.
# The tests that do need audit (recorded signal rows) source
# tests/kernel/lib.sh itself, then dw.sh. Shape of a test:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   plan 3                  # the script's checks; stop_deathwatch adds none
#   start_deathwatch        # deathwatch --hold 1000, waits for "ready"
#   ... make processes die ...
#   line=$(death_of "$PID") # waits for its death line
#   is "$(dfield cause "$line")" oom "..."
#   done_testing
#
# Environment (meson sets it): DEATHWATCH, DEATHHELP. By hand, as root:
#   DEATHWATCH=build/tests/proc-kernel/deathwatch \
#   DEATHHELP=build/tests/proc-kernel/deathhelp bash tests/proc-kernel/oom.sh
# A failing test keeps its temp dir and says where.
# Exit status: 0 all passed, 1 otherwise, 77 (after "1..0 # SKIP") when not
# root or when the kernel lacks what the test needs.

set -u
export LC_ALL=C

_tap_n=0
_tap_failed=0
_tap_planned=''
_children=()  # processes to kill at exit
T=''

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
plan() { _tap_planned=$1; echo "1..$_tap_planned"; }

_tap_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$1"
}

ok() {
	local desc=$1
	shift
	"$@" && _tap_result 0 "$desc" && return 0
	_tap_result 1 "$desc"
	diag "command failed: $*"
	return 1
}

is() {
	[ "$1" = "$2" ] && _tap_result 0 "$3" && return 0
	_tap_result 1 "$3"
	diag "got:" "$1" "expected:" "$2"
	return 1
}

like() {
	[[ $1 =~ $2 ]] && _tap_result 0 "$3" && return 0
	_tap_result 1 "$3"
	diag "got:" "$1" "expected to match: $2"
	return 1
}

bail() { echo "Bail out! $*"; exit 1; }
_skipped=0
# skip_all REASON: the kernel lacks what the test needs (cleans up, exits 77).
skip_all() { echo "1..0 # SKIP $*"; _skipped=1; exit 77; }

alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

wait_until() {
	local tries=$(($1 * 20))
	shift
	while ((tries-- > 0)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# done_testing: exit through the cleanup trap.
done_testing() { exit 0; }

_cleanup() {
	local status=$? pid failed=0
	trap - EXIT
	for pid in "${_children[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	[ -n "${DW_PID:-}" ] && kill -TERM "$DW_PID" 2>/dev/null
	wait 2>/dev/null
	cleanup_cgroups
	if [ "$_skipped" = 1 ]; then
		rm -rf "$T"
		exit 77
	fi
	if [ "$status" -ne 0 ] || [ "$_tap_failed" -ne 0 ] || [ "$_tap_n" != "$_tap_planned" ]; then
		failed=1
	fi
	[ "$_tap_n" = "$_tap_planned" ] || diag "planned $_tap_planned checks, ran $_tap_n"
	if [ -n "$T" ]; then
		if [ "$failed" -eq 1 ]; then
			diag "kept $T for inspection"
		else
			rm -rf "$T"
		fi
	fi
	exit "$failed"
}

[ "$(id -u)" -eq 0 ] || skip_all "the proc kernel tests need root"
trap _cleanup EXIT
trap 'exit 1' HUP INT TERM

T=$(mktemp -d "${TMPDIR:-/tmp}/sigtrail-pkt.XXXXXX") || bail "mktemp failed"

. "$(dirname "${BASH_SOURCE[0]}")/dw.sh"
