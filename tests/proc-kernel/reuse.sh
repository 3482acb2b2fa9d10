#!/bin/bash
# reuse: pid N belongs first to one process, which is killed, then to
# another (ns_last_pid forces the kernel to hand out N again). Each death
# carries its own process's command line and start time: the table follows
# the pid's new owner, not the old one's leftovers. With cgroup v2, the
# second owner is killed by cgroup.kill: no sender at all, `kernel`.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

[ -w /proc/sys/kernel/ns_last_pid ] || skip_all "cannot write /proc/sys/kernel/ns_last_pid"
root=''
use_cgroup2 && root=$CG2

plan 9
start_recording
helper_start sleep first-owner
first=$HELPER
sleep 0.2
kill -KILL "$first"
wait "$first" 2>/dev/null
line1=$(death_of "$first")
diag "$line1"
is "$(dfield cmdline "$line1")" "$DEATHHELP sleep first-owner" "first owner: its command line"

# Ask for pid $first again; other processes may take it first: retry.
second=''
for _ in $(seq 50); do
	echo $((first - 1)) >/proc/sys/kernel/ns_last_pid
	"$DEATHHELP" sleep second-owner >"$T/second.out" &
	if [ "$!" = "$first" ]; then
		second=$!
		break
	fi
	kill -KILL "$!"
	wait "$!" 2>/dev/null
done
[ -n "$second" ] || bail "could not get pid $first again"
_children+=("$second")
wait_until 5 grep -q "^ready $second\$" "$T/second.out" || bail "second owner did not start"
sleep 0.2
how="kill -9"
if [ -n "$root" ] && make_cgroup "$root/sigtrail-reuse-$$" &&
	[ -e "$root/sigtrail-reuse-$$/cgroup.kill" ]; then
	move_to_cgroup "$root/sigtrail-reuse-$$" "$second"
	echo 1 >"$root/sigtrail-reuse-$$/cgroup.kill"
	how=cgroup.kill
else
	kill -KILL "$second"
fi
wait "$second" 2>/dev/null
# shellcheck disable=SC2317 # called through wait_until
line2=$(death_of "$first" 2)
diag "$line2"
is "$(dfield pid "$line2")" "$first" "the second owner has the same pid"
is "$(dfield cmdline "$line2")" "$DEATHHELP sleep second-owner" \
	"second owner ($how): its own command line, not the first's"
s1=$(dfield start "$line1" | tr -d '~')
s2=$(dfield start "$line2" | tr -d '~')
ok "start times differ ($s1, $s2)" test "$s1" != "$s2"
ok "the second started later" test "$s2" -ge "$s1"
is "$(dfield cause "$line1")" signal "first owner: kill -9 from this test's shell"
is "$(dfield cause "$line2")" kernel "second owner: $how, no sender: kernel"
ok "the first owner's exit is not counted twice" test "$(deaths_of "$first" | wc -l)" = 2
stop_daemon
cleanup_cgroups
done_testing
