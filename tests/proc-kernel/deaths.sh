# shellcheck shell=bash
# dw.sh: deathwatch and cgroup helpers for the proc kernel tests. Sourced
# after a lib.sh (this directory's, or tests/kernel/lib.sh for the tests that
# need recorded signals), whose TAP helpers, $T and _children it uses.

[ -x "${DEATHWATCH:-}" ] || bail "DEATHWATCH is not an executable: '${DEATHWATCH:-}' (meson test sets it)"
[ -x "${DEATHHELP:-}" ] || bail "DEATHHELP is not an executable: '${DEATHHELP:-}' (meson test sets it)"

DW_PID=''
DW_OUT=''
DW_ERR=''

# start_deathwatch [ARG...]: run deathwatch --hold 1000 in the background,
# stdout in $DW_OUT, stderr in $DW_ERR; wait for "ready". Skips the test when
# the proc connector cannot be used here (not in the initial namespaces).
start_deathwatch() {
	DW_OUT=$T/deathwatch.out
	DW_ERR=$T/deathwatch.err
	"$DEATHWATCH" --hold 1000 "$@" >"$DW_OUT" 2>"$DW_ERR" &
	DW_PID=$!
	local tries=200
	while ((tries-- > 0)); do
		grep -q 'ready' "$DW_ERR" && return 0
		alive "$DW_PID" || break
		sleep 0.05
	done
	wait "$DW_PID"
	local status=$?
	if [ "$status" = 69 ] || [ "$status" = 77 ]; then
		skip_all "deathwatch cannot subscribe to the proc connector: $(cat "$DW_ERR")"
	fi
	diag "deathwatch did not get ready (exit $status):" "$(cat "$DW_ERR")"
	bail "deathwatch not ready"
}

# stop_deathwatch: SIGTERM, and check it exits 0 (one check).
stop_deathwatch() {
	kill -TERM "$DW_PID"
	wait "$DW_PID"
	local status=$?
	DW_PID=''
	is "$status" 0 "deathwatch exited 0 on SIGTERM"
	diag "$(cat "$DW_ERR")"
}

_death_line() { grep -P "^death\tpid=$1\t" "$DW_OUT" | tail -n 1; }
_has_death() { [ -n "$(_death_line "$1")" ]; }

# death_of PID: the (last) death line of PID, waiting up to 10 s for it.
death_of() {
	wait_until 10 _has_death "$1" || diag "no death line for pid $1 after 10 s"
	_death_line "$1"
}

# deaths_of PID: every death line of PID (after waiting like death_of).
deaths_of() {
	wait_until 10 _has_death "$1" >/dev/null
	grep -P "^death\tpid=$1\t" "$DW_OUT"
}

# dfield KEY LINE: the value of KEY= in a tab-separated deathwatch line.
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
