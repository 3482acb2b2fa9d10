#!/bin/bash
# zombies: processes that exited and that their parent does not reap, on the
# real kernel, with --zombie-delay 1000. A plain parent (deathhelp zombies)
# forks three children that end at once, with status 0, status 3 and by
# SIGTERM, and does not wait for them; the init of a new pid namespace
# (unshare --pid --fork) forks two that exit and becomes `sleep 600`, which
# never waits. Each zombie is a row of the zombies view with its exit status
# or signal and its parent, the namespace init's marked parent_is_init; `who`
# says "zombie since T, not reaped by its parent ...", and `status` groups
# them by parent. Then the plain parent reaps its children, the namespace
# init is killed (the kernel reaps its children as the namespace ends), and
# every row gets its reaped_at.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

[ -x "${SIGTRAIL:-}" ] || bail "SIGTRAIL is not an executable: '${SIGTRAIL:-}' (meson test sets it)"
command -v unshare >/dev/null || bail "unshare not found (util-linux)"

plan 23
start_recording --zombie-delay 1000
before=$(($(date +%s%3N) - 1))

mkfifo "$T/reap"
exec 7<>"$T/reap" # a writer is open, so the helper's read waits for a line
"$DEATHHELP" zombies <"$T/reap" >"$T/zombies.out" &
parent=$!
_children+=("$parent")
wait_until 5 grep -qx ended "$T/zombies.out" || bail "deathhelp zombies did not start"

unshare --pid --fork --kill-child sh -c 'true & true & exec sleep 600' &
ns=$!
_children+=("$ns")
_init() { init=$(pgrep -P "$ns" -x sleep); [ -n "$init" ]; }
wait_until 5 _init || bail "the namespace's init did not become sleep"
_ns_zombies() { [ "$(ps --ppid "$init" -o stat= | grep -c Z)" = 2 ]; }
wait_until 5 _ns_zombies || bail "the namespace's init has no two zombies: $(ps --ppid "$init" -o pid=,stat=,comm=)"

_rows() { [ "$(q "select count(*) from zombies where ppid = $1")" -ge "$2" ]; }
wait_until 10 _rows "$parent" 3 || diag "no 3 zombies of pid $parent after 10 s"
wait_until 10 _rows "$init" 2 || diag "no 2 zombies of pid $init after 10 s"
after=$(($(date +%s%3N) + 1))

is "$(q "select group_concat(pid, ' ') from (select pid from zombies where ppid = $parent order by pid)")" \
	"$(ps --ppid "$parent" -o pid= | tr -d ' ' | sort -n | paste -sd ' ')" \
	"the plain parent: a row for each of its zombies, by pid"
is "$(q "select group_concat(coalesce(exit_status, '-') || '/' || coalesce(signal, '-'), ' ')
	from (select * from zombies where ppid = $parent order by pid)")" "0/- 3/- -/15" \
	"their endings: exit status 0, exit status 3, SIGTERM"
is "$(q "select distinct comm || '|' || cmdline || '|' || parent_comm || '|' || parent_cmdline || '|' ||
	parent_is_init || '|' || exit_seen || '|' || coalesce(reaped_at, 'unreaped') from zombies where ppid = $parent")" \
	"deathhelp|$DEATHHELP zombies|deathhelp|$DEATHHELP zombies|0|1|unreaped" \
	"comm and command line, the parent, not a namespace init, the exit seen, unreaped"
is "$(q "select count(*) from zombies where ppid = $parent and epoch_ms between $before and $after
	and time like '____-__-__T__:__:__.___Z' and start_time > 0 and parent_start_time > 0")" 3 \
	"the time is the exit, while this test ran; start times known"
is "$(q "select group_concat(parent_is_init || ':' || comm || ':' || coalesce(exit_status, '-'), ' ')
	from zombies where ppid = $init")" "1:sh:0 1:sh:0" \
	"the namespace init's two zombies: parent_is_init 1"
is "$(q "select distinct parent_comm || '|' || parent_cmdline from zombies where ppid = $init")" \
	"sleep|sleep 600" "the namespace init is named as it is now: sleep 600"

zpid=$(q "select pid from zombies where ppid = $parent and exit_status = 3")
answer=$("$SIGTRAIL" who --db "$DB" "$zpid" 2>&1)
status=$?
diag "$answer"
is "$status" 0 "who on a zombie: exit status 0 (something recorded)"
like "$answer" "pid $zpid \\(deathhelp\\): zombie since [0-9-]+ [0-9:]+Z? ?[A-Z]* \\([0-9]+ s\\), not reaped by its parent pid $parent \\(deathhelp: [^)]*deathhelp zombies\\); it exited with status 3" \
	"who: zombie since T, not reaped by its parent, its exit status"
like "$answer" "Verdict: pid $zpid \\(deathhelp\\) is a zombie since .*, not reaped by its parent pid $parent" \
	"who: the verdict says it is a zombie"
like "$answer" "Deaths: none recorded for pid $zpid \\(its zombie above is its exit: it lived less than sigtraild's --exit-min-age" \
	"who: no death row for a zombie that lived less than --exit-min-age, and it says why"
nspid=$(q "select pid from zombies where ppid = $init limit 1")
like "$("$SIGTRAIL" who --db "$DB" "$nspid" 2>&1)" "not reaped by its parent pid $init \\(sleep: sleep 600\\), a namespace init that does not reap its children" \
	"who on the namespace's zombie: its parent is a namespace init that does not reap its children"
st=$("$SIGTRAIL" status --db "$DB" 2>&1)
diag "$st"
like "$st" "3 unreaped zombies under deathhelp\\[$parent\\] \\([^)]*deathhelp zombies\\), since " \
	"status: the plain parent's 3 zombies, grouped"
like "$st" "2 unreaped zombies under sleep\\[$init\\] \\(sleep 600\\), since [^:]*:[^:]*:[^:]*: a namespace init that does not reap its children" \
	"status: the namespace init's 2, and why"

# The reapings: the plain parent waits for its children; the namespace
# init dies, and the kernel reaps what it left as the namespace ends.
reap_start=$(date +%s%3N)
echo reap >&7
wait_until 5 grep -qx reaped "$T/zombies.out" || diag "deathhelp did not reap"
kill -KILL "$ns"
_reaped() { [ "$(q "select count(*) from zombies where ppid = $1 and reaped_at is not null")" = "$2" ]; }
wait_until 10 _reaped "$parent" 3 || diag "the plain parent's zombies not reaped after 10 s"
wait_until 10 _reaped "$init" 2 || diag "the namespace init's zombies not reaped after 10 s"
is "$(q "select count(*) from zombies where ppid = $parent and reaped_epoch_ms >= $reap_start
	and reaped_at like '____-__-__T__:__:__.___Z'")" 3 "the plain parent's 3 zombies: reaped_at, after the reaping"
is "$(q "select count(*) from zombies where ppid = $init and reaped_epoch_ms >= $reap_start")" 2 \
	"the namespace init's 2: reaped_at, after its death"
like "$("$SIGTRAIL" who --db "$DB" "$zpid" 2>&1)" "pid $zpid \\(deathhelp\\): a zombie from .* until it was reaped at .* unreaped by its parent pid $parent" \
	"who after the reaping: from when until when"
unlike "$("$SIGTRAIL" who --db "$DB" "$zpid" 2>&1)" "Verdict: pid $zpid \\(deathhelp\\) is a zombie" \
	"who after the reaping: no longer a zombie in the verdict"
st=$("$SIGTRAIL" status --db "$DB" 2>&1)
unlike "$st" "under (deathhelp\\[$parent\\]|sleep\\[$init\\])" "status: neither parent is listed once reaped"
stop_daemon
like "$(cat "$LOG")" "zombie watch: [0-9]+ zombies found" "the daemon's last words count the zombies"
is "$(q "select count(*) from zombies where ppid in ($parent, $init) and reaped_at is null")" 0 \
	"nothing of this test is left unreaped"
# The zombies are chained as they were found (schema 019): verify checks
# them, and names one edited since.
like "$("$SIGTRAIL" verify --db "$DB" 2>&1)" "
zombies chain intact: $(q "select count(*) from zombie_rows") rows" \
	"verify: every zombie the daemon found is in the zombies' chain, reaped or not"
zid=$(q "select id from zombies where pid = $zpid")
qdb "$DB" "update zombie_rows set exit_status = 99 where id = $zid" >/dev/null
like "$("$SIGTRAIL" verify --db "$DB" 2>&1)" "zombies chain BROKEN at zombie row $zid: edited" \
	"verify names the edited zombie"
done_testing
