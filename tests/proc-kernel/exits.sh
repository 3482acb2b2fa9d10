#!/bin/bash
# exits: processes that ended by themselves, under the exit policy. A shell
# that sleeps 1.2 s and exits 3 and a python script that dies of an
# uncaught exception (status 1) lived past --exit-min-age (1 s by default):
# each has a deaths row of cause `exit` with its exit_status and no signal,
# and `who` says it was not killed. A shell that exits at once is below the
# age and was never signalled: no row. Then, with a minimum age no process
# here reaches, a process that handled a SIGTERM and exited 0 is still
# recorded, because a signal reached it, and its evidence names that signal.
# Last, the deaths' hash chain: verify checks it and names an edited death.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

[ -x "${SIGTRAIL:-}" ] || bail "SIGTRAIL is not an executable: '${SIGTRAIL:-}' (meson test sets it)"
command -v python3 >/dev/null || skip_all "python3 not found"

plan 20
start_recording
sh -c 'exit 4' &
short=$!
wait "$short"
sh -c 'sleep 1.2; exit 3' &
slow=$!
python3 -c 'import time; time.sleep(1.1); raise ValueError("boom")' 2>/dev/null &
py=$!
wait "$slow" "$py"

line=$(death_of "$slow")
diag "$line"
is "$(dfield cause "$line")" exit "sh exit 3: cause exit"
is "$(dfield exit_status "$line")" 3 "sh exit 3: exit_status 3"
is "$(dfield signal "$line")" NULL "sh exit 3: no signal"
like "$(dfield evidence "$line")" "^it exited on its own with status 3 after 1\\.[2-9] s; no signal reached it$" \
	"sh exit 3: the evidence gives its status and age"
line=$(death_of "$py")
is "$(dfield cause "$line") $(dfield exit_status "$line")" "exit 1" "python's uncaught exception: exit 1"
like "$(dfield cmdline "$line")" "python3 -c import time; time.sleep\\(1.1\\); raise ValueError" \
	"python: its command line"
# Deaths are stored in the order of their exits: the short one's turn has passed.
is "$(q "select count(*) from deaths where pid = $short")" 0 \
	"a shell that exited at once, never signalled: below --exit-min-age, no row"

answer=$("$SIGTRAIL" who --db "$DB" "$slow" 2>&1)
diag "$answer"
like "$answer" "pid $slow \\(sh\\) exited with status 3: it exited on its own" "who: the headline"
like "$answer" "Verdict: pid $slow \\(sh\\) was not killed: at .* it exited on its own with status 3 after 1\\.[2-9] s; no signal reached it\\." \
	"who: the verdict says it was not killed"
unlike "$answer" "may still run" "who: not 'may still run'"
like "$answer" "Deaths coverage: the process table was on in every run" \
	"who, while the collector runs: its run has the process table on from the start"
stop_daemon

# A process that a signal reached is recorded whatever its age. It handles
# SIGTERM and waits on a FIFO; it is let go only once the signal row is
# stored, which the collector does after it marked the process as signalled.
start_recording --exit-min-age 3600000
mkfifo "$T/go"
bash -c 'trap "read -r _ < \"$1\"; exit 0" TERM; echo ready; while :; do sleep 0.05; done' _ "$T/go" >"$T/handler.out" &
handler=$!
_children+=("$handler")
wait_until 5 grep -q ready "$T/handler.out" || bail "the handler did not start"
kill -TERM "$handler"
sid=''
_row() { sid=$(q "select id from signals where target_pid = $handler and signal = 15"); [ -n "$sid" ]; }
wait_until 10 _row || diag "no signal row of the SIGTERM after 10 s"
echo go >"$T/go"
wait "$handler"
line=$(death_of "$handler")
diag "$line"
is "$(dfield cause "$line") $(dfield exit_status "$line")" "exit 0" "the handler: an exit with status 0"
like "$(dfield evidence "$line")" "^it exited on its own with status 0 after [0-9.]+ m?s; SIGTERM from bash\\[$$\\] reached it [0-9]+ ms before \\(signal row $sid\\): it handled or ignored the signal, then exited$" \
	"its evidence names the SIGTERM it handled"
is "$(dfield signal_id "$line")" -1 "no signal row killed it (signal_id NULL)"
answer=$("$SIGTRAIL" who --db "$DB" "$handler" 2>&1)
unlike "$answer" "=> it died of this signal" "who: the SIGTERM is not marked as its death"
stop_daemon

# The deaths the daemon wrote are chained (schema 019): verify checks them,
# and names a death edited since.
n=$(q "select count(*) from death_rows")
like "$("$SIGTRAIL" verify --db "$DB" 2>&1)" "
deaths chain intact: $n rows" "verify: every death the daemon wrote is in the deaths' chain"
id=$(q "select id from deaths where pid = $slow")
qdb "$DB" "update death_rows set exit_status = 9 where id = $id" >/dev/null
out=$("$SIGTRAIL" verify --db "$DB" 2>&1)
is "$?" 1 "verify after a death was edited: exit 1"
like "$out" "deaths chain BROKEN at death row $id: edited" "and it names the death"
done_testing
