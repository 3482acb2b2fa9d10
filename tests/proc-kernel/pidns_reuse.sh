#!/bin/bash
# pidns_reuse: the container stop that goes wrong, run again and again. An
# init (`unshare --pid --fork sh -c 'sleep & sleep & wait'`) ignores the
# SIGTERM of docker-stop.sh, which then sends SIGKILL; the kernel kills both
# children when the init exits. The kernel hands the freed namespace's inode
# number to the next namespace at once, so runs repeat it: each run's
# children must be blamed on that run's init and sender, never on an
# earlier run's, in the deaths row (init_pid, init_start_time) and in the
# answer of `sigtrail who CHILD`. The scenario runs until the number
# repeats (at most RUNS times), and says so when it never did.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

command -v unshare >/dev/null || skip_all "unshare not found (util-linux)"
unshare --pid --fork true 2>/dev/null || skip_all "cannot create a pid namespace here"
[ -x "${SIGTRAIL:-}" ] || bail "SIGTRAIL is not an executable: '${SIGTRAIL:-}' (meson test sets it)"

RUNS=6
plan 16
start_recording
cat >"$T/docker-stop.sh" <<'STOP'
#!/bin/sh
# docker-stop.sh INIT: SIGTERM, a grace period, SIGKILL.
kill -TERM "$1"
sleep 0.3
kill -KILL "$1"
STOP
chmod +x "$T/docker-stop.sh"

# _children_of PID: its children's pids, space-separated.
_children_of() { cat "/proc/$1/task/$1/children" 2>/dev/null; }
_has_children() { [ "$(_children_of "$1" | wc -w)" -ge "$2" ]; }
_deaths_of_both() { [ "$(q "select count(*) from deaths where pid in ($1, $2)")" = 2 ]; }
_init_death() { [ "$(q "select count(*) from deaths where pid = $1")" = 1 ]; }

# One run: sets INIT, KIDS, NS, STOPPER; its deaths are stored when it returns.
run_once() {
	# --kill-child: should the test end early, the init dies with unshare
	# and takes its namespace with it.
	unshare --pid --fork --kill-child --mount-proc sh -c 'sleep 1000 & sleep 1000 & wait' &
	local outer=$!
	_children+=("$outer")
	wait_until 5 _has_children "$outer" 1 || bail "unshare started no init"
	INIT=$(_children_of "$outer")
	INIT=${INIT// /}
	wait_until 5 _has_children "$INIT" 2 || bail "the init $INIT did not start its two children"
	KIDS=$(_children_of "$INIT")
	NS=$(readlink "/proc/$INIT/ns/pid")
	"$T/docker-stop.sh" "$INIT" &
	STOPPER=$!
	wait "$STOPPER" "$outer" 2>/dev/null
	# shellcheck disable=SC2086
	wait_until 10 _deaths_of_both $KIDS || diag "not both deaths of $KIDS after 10 s"
	wait_until 10 _init_death "$INIT" || diag "no death of the init $INIT after 10 s"
}

declare -A seen=()
repeated='' first_init='' first_stopper=''
for ((run = 1; run <= RUNS; run++)); do
	run_once
	diag "run $run: init $INIT, children $KIDS, namespace $NS, docker-stop.sh $STOPPER"
	if [ -n "${seen[$NS]:-}" ]; then
		repeated=$NS
		first_init=${seen[$NS]% *}
		first_stopper=${seen[$NS]#* }
		break
	fi
	seen[$NS]="$INIT $STOPPER"
done
if [ -n "$repeated" ]; then
	diag "namespace $repeated repeated in run $run (first with init $first_init)"
else
	diag "the kernel did not reuse a pid-namespace number in $RUNS runs: the checks below" \
		"are of the last run only, without an earlier namespace of that number"
fi

kid=${KIDS%% *}
line=$(death_of "$kid")
diag "$line"
is "$(dfield cause "$line")" pidns-teardown "the child's cause: pidns-teardown"
like "$(dfield evidence "$line")" "lost its init sh\\[$INIT\\]" "the evidence names this run's init"
is "$(q "select init_pid from deaths where pid = $kid")" "$INIT" "init_pid: this run's init"
is "$(q "select init_start_time from deaths where pid = $kid")" \
	"$(q "select start_time from deaths where pid = $INIT")" \
	"init_start_time: this run's init's start time"
for k in $KIDS; do
	is "$(q "select count(*) from deaths where pid = $k and init_pid = $INIT")" 1 \
		"child $k: blamed on init $INIT"
done
init_line=$(death_of "$INIT")
is "$(dfield signal "$init_line")" SIGKILL "the init died of SIGKILL"
sid=$(q "select id from signals where target_pid = $INIT and signal = 9 and sender_pid = $STOPPER")
is "$(dfield signal_id "$init_line")" "$sid" "the init's death is linked to docker-stop.sh's SIGKILL"

answer=$("$SIGTRAIL" who --db "$DB" "$kid" 2>&1)
diag "$answer"
like "$answer" "its init pid $INIT \\(sh\\) died of SIGKILL from" "who: this run's init"
like "$answer" "\\(pid $STOPPER[,)]" "who: this run's sender"
if [ -n "$repeated" ]; then
	unlike "$answer" "pid $first_init \\(sh\\)|\\(pid $first_stopper[,)]" \
		"who: not the earlier init $first_init of namespace $repeated or its sender"
else
	ok "who: no earlier namespace of that number to confuse it with" true
fi
# The stop told in order: the SIGTERM the init dropped, the SIGKILL 0.3 s
# later, then the teardown; and from the init's side, what its death caused.
like "$answer" "  stop     [-0-9 :.TZ]+ SIGTERM to the init from .*docker-stop.sh $INIT. \\(pid $STOPPER[^)]*\\), ignored: a namespace init without a handler drops it, it changed nothing" \
	"who CHILD: the SIGTERM that the init dropped"
like "$answer" "           [-0-9 :.TZ]+ SIGKILL to the init from .*\\(pid $STOPPER[^)]*\\), 0\\.[3-9] s later" \
	"who CHILD: then the SIGKILL, 0.3 s or so later"
like "$answer" "  teardown killed 2 processes, [0-9-]+ ms after its death: pid [0-9]+ \\(sleep\\), pid [0-9]+ \\(sleep\\)" \
	"who CHILD: the teardown killed both children"
answer=$("$SIGTRAIL" who --db "$DB" "$INIT" 2>&1)
like "$answer" "  teardown its death killed 2 processes" "who INIT: the processes its death killed"
stop_daemon
done_testing
