#!/bin/bash
# pidns: `unshare --pid --fork` runs an init that starts two children and
# exits while they run. The kernel kills both children with SIGKILL when
# their namespace loses its init: both deaths are `pidns-teardown`, and the
# evidence names the init. The init's own clean exit is no death.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

command -v unshare >/dev/null || skip_all "unshare not found (util-linux)"
unshare --pid --fork true 2>/dev/null || skip_all "cannot create a pid namespace here"

plan 10
start_recording
unshare --pid --fork --mount-proc sh -c \
	"sleep 1001 & sleep 1002 & echo \$! > $T/ready; sleep 0.5; exit 0" &
outer=$!
_children+=("$outer")
wait_until 5 test -s "$T/ready" || bail "the namespace's children did not start"
wait "$outer"
# The children's pids in the initial namespace, by their command lines.
victims=$(grep -lE '^sleep.100[12]' /proc/[0-9]*/cmdline 2>/dev/null)
_both() { [ "$(q "select count(*) from deaths where cmdline in ('sleep 1001', 'sleep 1002')")" -ge 2 ]; }
wait_until 10 _both || diag "not both deaths of sleep 1001 and 1002 after 10 s"
for n in 1001 1002; do
	line=$(death_of "$(q "select pid from deaths where cmdline = 'sleep $n' order by id desc limit 1")")
	diag "$line"
	is "$(dfield cause "$line")" pidns-teardown "sleep $n: pidns-teardown"
	is "$(dfield signal "$line")" SIGKILL "sleep $n: SIGKILL"
	like "$(dfield evidence "$line")" "lost its init sh\\[[0-9]+\\], which exited [0-9]+ ms (after|before) the death \\(exit status 0\\)" \
		"sleep $n: the evidence names the init and its exit"
	is "$(dfield nspid "$line")" "$([ $n = 1001 ] && echo 2 || echo 3)" "sleep $n: its pid inside the namespace"
done
is "$(q "select count(*) from deaths where cmdline like 'sh -c sleep 1001%'")" 0 \
	"no death for the init's clean exit"
[ -z "$victims" ] || diag "still alive: $victims"
stop_daemon
done_testing
