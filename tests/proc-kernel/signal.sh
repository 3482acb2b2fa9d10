#!/bin/bash
# signal: with sigtraild recording signals, a script started by a parent
# script runs `kill -9` on a victim. The victim's death is `signal`, linked
# (signal_id) to the row whose sender is that script, and it keeps the
# victim's full command line although the victim is dead. Then pid reuse:
# the victim's pid goes to a new process, killed by the kernel
# (cgroup.kill) a moment later; the earlier row must not explain it.
# Needs the kernel's audit: sources tests/kernel/lib.sh, which skips when the
# audit configuration is locked (run it in tests/vm/run.sh then).
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/dw.sh"

root=''
use_cgroup2 && root=$CG2
plan 11
start_daemon --source unicast
start_deathwatch --db "$DB"

"$DEATHHELP" sleep victim --with "many arguments" >"$T/victim.out" &
victim=$!
_children+=("$victim")
wait_until 5 grep -q "^ready $victim\$" "$T/victim.out" || bail "victim did not start"
cat >"$T/inner.sh" <<INNER
#!/bin/bash
kill -9 $victim
INNER
cat >"$T/outer.sh" <<OUTER
#!/bin/bash
"$T/inner.sh" cleanup --all
OUTER
chmod +x "$T/inner.sh" "$T/outer.sh"
"$T/outer.sh" nightly
wait "$victim" 2>/dev/null

line=$(death_of "$victim")
diag "$line"
wait_rows 1 "select count(*) from signals where target_pid = $victim and signal = 9"
row=$(q "select id from signals where target_pid = $victim and signal = 9 order by id desc limit 1")
is "$(dfield cause "$line")" signal "the death is attributed to the signal"
is "$(dfield signal_id "$line")" "$row" "linked to the signal row ($row)"
is "$(q "select sender_comm from signals where id = $row")" inner.sh "whose sender is the inner script"
like "$(dfield evidence "$line")" "^signal row $row: SIGKILL from inner.sh\\[[0-9]+\\]" \
	"the evidence names the row and its sender"
is "$(dfield cmdline "$line")" "$DEATHHELP sleep victim --with many arguments" \
	"the victim's full command line, although it is dead"

# Pid reuse: the next owner of the pid, killed with no sender within 10 s.
if [ -n "$root" ] && make_cgroup "$root/sigtrail-signal-$$" &&
	[ -e "$root/sigtrail-signal-$$/cgroup.kill" ]; then
	second=''
	for _ in $(seq 50); do
		echo $((victim - 1)) >/proc/sys/kernel/ns_last_pid
		bash -c 'echo $$ > "$1/cgroup.procs"; exec "$2" sleep second-owner' _ \
			"$root/sigtrail-signal-$$" "$DEATHHELP" >"$T/second.out" &
		if [ "$!" = "$victim" ]; then
			second=$!
			break
		fi
		kill -KILL "$!" 2>/dev/null
		wait "$!" 2>/dev/null
	done
	[ -n "$second" ] || bail "could not get pid $victim again"
	_children+=("$second")
	wait_until 5 grep -q "^ready $second\$" "$T/second.out" || bail "second owner did not start"
	echo 1 >"$root/sigtrail-signal-$$/cgroup.kill"
	wait "$second" 2>/dev/null
	# shellcheck disable=SC2317 # called through wait_until
	_two() { [ "$(grep -cP "^death\\tpid=$victim\\t" "$DW_OUT")" -ge 2 ]; }
	wait_until 10 _two || diag "no second death of pid $victim"
	line=$(deaths_of "$victim" | tail -n 1)
	diag "$line"
	is "$(dfield cmdline "$line")" "$DEATHHELP sleep second-owner" "pid reuse: the new owner's death"
	is "$(dfield cause "$line")" kernel "pid reuse: cgroup.kill, no sender: kernel"
	is "$(dfield signal_id "$line")" -1 "pid reuse: not linked to the earlier owner's row"
	like "$(dfield evidence "$line")" "ruled out 1 SIGKILL row for pid reuse \\(row $row" \
		"pid reuse: the evidence names the row it ruled out"
else
	for _ in 1 2 3 4; do _tap_result 0 "# SKIP no cgroup v2 cgroup.kill for the pid reuse part"; done
fi
stop_deathwatch
stop_daemon
cleanup_cgroups
done_testing
