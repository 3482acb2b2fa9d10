# shellcheck shell=bash
# deaths.sh: helpers of the proc kernel tests, sourced after
# tests/kernel/lib.sh (its TAP helpers, $T, $DB, q, start_daemon and
# _children). The tests run the real sigtraild, make processes die and read
# the `deaths` view; death_of prints one death as a tab-separated line of
# KEY=VALUE fields (escaped strings never hold a tab), which dfield reads:
#
#   start_recording                 # sigtraild on $DB, process table active
#   line=$(death_of "$PID")         # waits for its deaths row
#   is "$(dfield cause "$line")" oom "..."

[ -x "${DEATHHELP:-}" ] || bail "DEATHHELP is not an executable: '${DEATHHELP:-}' (meson test sets it)"

# start_recording [ARG...]: start_daemon ARG..., then check that the process
# table is on (its warning names why not: the test cannot pass without it).
start_recording() {
	start_daemon "$@"
	if grep -q 'but not deaths' "$LOG"; then
		diag "$(cat "$LOG")"
		bail "sigtraild runs without its process table"
	fi
}

# The deaths of PID as lines, oldest first.
_death_lines() {
	q "select 'death' || char(9) || 'pid=' || pid || char(9) || 'signal=' ||
		coalesce(signame, signal, 'NULL') || char(9) || 'core=' || core_dumped || char(9) ||
		'exit_status=' || coalesce(exit_status, 'NULL') || char(9) ||
		'cause=' || cause || char(9) || 'signal_id=' || coalesce(signal_id, -1) || char(9) ||
		'epoch_ms=' || epoch_ms || char(9) || 'start=' || coalesce(start_time, 0) || char(9) ||
		'ppid=' || coalesce(ppid, 0) || char(9) || 'uid=' || coalesce(uid, -1) || char(9) ||
		'user=' || coalesce(user, 'NULL') || char(9) || 'pidns=' || coalesce(pidns, 0) ||
		char(9) || 'nspid=' || coalesce(nspid, 0) || char(9) || 'comm=' ||
		coalesce(comm, 'NULL') || char(9) || 'exe=' || coalesce(exe, 'NULL') || char(9) ||
		'unit=' || coalesce(unit, 'NULL') || char(9) || 'container=' ||
		coalesce(container, 'NULL') || char(9) || 'oom_constraint=' ||
		coalesce(oom_constraint, 'NULL') || char(9) || 'oom_memcg=' ||
		coalesce(oom_memcg, 'NULL') || char(9) || 'oom_task_memcg=' ||
		coalesce(oom_task_memcg, 'NULL') || char(9) || 'oom_rss_kb=' ||
		coalesce(oom_rss_kb, 'NULL') || char(9) || 'abend_serial=' ||
		coalesce(abend_serial, '') || char(9) || 'cmdline=' || coalesce(cmdline, 'NULL') ||
		char(9) || 'evidence=' || evidence from deaths where pid = $1 order by id" 2>/dev/null
}
_deaths_at_least() { [ "$(_death_lines "$1" | wc -l)" -ge "$2" ]; }

# death_of PID [N]: wait up to 10 s for the Nth (default 1st) death of PID
# to be stored, then print the latest one.
death_of() {
	wait_until 10 _deaths_at_least "$1" "${2:-1}" || diag "no death #${2:-1} of pid $1 after 10 s"
	_death_lines "$1" | tail -n 1
}

# deaths_of PID: every stored death of PID, oldest first.
deaths_of() { _death_lines "$1"; }

# dfield KEY LINE: the value of KEY= in a death_of line.
dfield() { printf '%s\n' "$2" | tr '\t' '\n' | sed -n "s/^$1=//p" | head -n 1; }

# helper_start ARG...: run deathhelp ARG... in the background; sets HELPER
# to its pid once it printed "ready".
helper_start() {
	local out=$T/helper.$RANDOM
	"$DEATHHELP" "$@" >"$out" &
	HELPER=$!
	_children+=("$HELPER")
	wait_until 5 grep -q "^ready $HELPER\$" "$out" || bail "deathhelp $* did not start"
}

# --- cgroups ------------------------------------------------------------------

# cgroup2_root: the mount point of the unified hierarchy, if any.
cgroup2_root() { awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts; }

# cgroup_v1_root CONTROLLER: the mount point of a v1 hierarchy holding it.
cgroup_v1_root() {
	awk -v c="$1" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++)
		if (o[i] == c || o[i] == "name=" c) { print $2; exit } }' /proc/self/mounts
}

_cgroups=()  # cgroup directories created, removed by cleanup_cgroups (deepest last)
_mounted=()  # cgroup2 mounts made by use_cgroup2, unmounted by cleanup_cgroups

# use_cgroup2: set CG2 to the unified hierarchy's mount point, mounting one
# under $T when the machine has none (a bare guest kernel). Fails when
# cgroup2 cannot be mounted.
use_cgroup2() {
	CG2=$(cgroup2_root)
	[ -n "$CG2" ] && return 0
	mkdir -p "$T/cgroup2" && mount -t cgroup2 none "$T/cgroup2" 2>/dev/null || return 1
	_mounted+=("$T/cgroup2")
	CG2=$T/cgroup2
}

# cleanup_cgroups: remove the cgroups made by make_cgroup (their processes
# must be gone) and unmount what use_cgroup2 mounted.
cleanup_cgroups() {
	local i
	for ((i = ${#_cgroups[@]} - 1; i >= 0; i--)); do
		rmdir "${_cgroups[i]}" 2>/dev/null || diag "could not remove cgroup ${_cgroups[i]}"
	done
	_cgroups=()
	for i in "${_mounted[@]}"; do
		umount "$i" || diag "could not unmount $i"
	done
	_mounted=()
}

# make_cgroup DIR: mkdir -p DIR, remembering every level created for removal.
make_cgroup() {
	local d=$1 missing=()
	while [ ! -d "$d" ]; do
		missing=("$d" "${missing[@]}")
		d=$(dirname "$d")
	done
	for d in "${missing[@]}"; do
		mkdir "$d" || return 1
		_cgroups+=("$d")
	done
}

# move_to_cgroup DIR PID: put PID in the cgroup at DIR.
move_to_cgroup() { echo "$2" >"$1/cgroup.procs"; }
