#!/bin/bash
# disposition: signals.target_disposition, what the target would do with
# the signal, read from /proc when the record is processed. A SIGTERM to a
# shell with a trap is caught, a SIGUSR1 it ignores is ignored, a SIGUSR2
# that python blocks is blocked; a SIGTERM to a pid-namespace init without
# a handler is init-ignored (it changes nothing), and the SIGKILL that then
# ends it is default, as is a SIGKILL to a sleep that was gone before its
# state could be read (its death shows it died of that very signal).
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

[ -x "${SIGTRAIL:-}" ] || bail "SIGTRAIL is not an executable: '${SIGTRAIL:-}' (meson test sets it)"

command -v python3 >/dev/null || skip_all "python3 not found"
unshare --pid --fork true 2>/dev/null || skip_all "cannot create a pid namespace here"

plan 8
start_recording

# disp PID SIG: the target_disposition of the newest SIG row to PID, once stored.
_disp_row() { [ -n "$(q "select id from signals where target_pid = $1 and signal = $2")" ]; }
disp() {
	wait_until 10 _disp_row "$1" "$2" || diag "no signal $2 row for $1 after 10 s"
	q "select coalesce(target_disposition, 'NULL') from signals where target_pid = $1 and signal = $2 order by id desc limit 1"
}

# The shell waits with the read builtin on a FIFO nobody writes: it never
# forks, because bash blocks signals while it forks a child (`sleep`), and a
# SIGTERM that arrives then is, when it is read, blocked and pending (one run
# in a few under load read "blocked").
mkfifo "$T/never"
bash -c 'trap "" USR1; trap "echo term" TERM; exec 9<>"$1"; echo ready
	while :; do read -r -t 0.05 -u 9 _; done' _ "$T/never" >"$T/sh.out" &
sh_pid=$!
_children+=("$sh_pid")
wait_until 5 grep -q ready "$T/sh.out" || bail "the trapping shell did not start"
kill -TERM "$sh_pid"
kill -USR1 "$sh_pid"
is "$(disp "$sh_pid" 15)" caught "SIGTERM to a shell with a trap: caught"
is "$(disp "$sh_pid" 10)" ignored "SIGUSR1 it ignores: ignored"

python3 -c 'import signal, sys, time
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
print("ready", flush=True)
time.sleep(1000)' >"$T/py.out" &
py=$!
_children+=("$py")
wait_until 5 grep -q ready "$T/py.out" || bail "python did not start"
kill -USR2 "$py"
is "$(disp "$py" 12)" blocked "SIGUSR2 that python blocks: blocked"

unshare --pid --fork --kill-child sh -c 'sleep 1000 & wait' &
outer=$!
_children+=("$outer")
_init_up() { [ -n "$(cat "/proc/$outer/task/$outer/children" 2>/dev/null)" ]; }
wait_until 5 _init_up || bail "unshare started no init"
init=$(cat "/proc/$outer/task/$outer/children")
init=${init// /}
kill -TERM "$init"
is "$(disp "$init" 15)" init-ignored "SIGTERM to a namespace init without a handler: init-ignored"
kill -KILL "$init"
wait "$outer" 2>/dev/null
death_of "$init" >/dev/null
is "$(disp "$init" 9)" default "the SIGKILL that ended the init: default"
answer=$("$SIGTRAIL" who --db "$DB" "$init" 2>&1)
diag "$answer"
like "$answer" "SIGTERM  delivered, ignored: a namespace init without a handler drops it, it changed nothing" \
	"who INIT: the SIGTERM that changed nothing says so"

sleep 1000 &
victim=$!
kill -KILL "$victim"
wait "$victim" 2>/dev/null
death_of "$victim" >/dev/null
is "$(disp "$victim" 9)" default "SIGKILL to a sleep, gone before its state was read: default, from its death"
stop_daemon
done_testing
