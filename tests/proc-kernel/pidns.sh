#!/bin/bash
# pidns: `unshare --pid --fork` runs an init that starts two children and
# exits while they run. The kernel kills both children with SIGKILL when
# their namespace loses its init: both deaths are `pidns-teardown`, and the
# evidence names the init. The init's own clean exit is no death.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v unshare >/dev/null || skip_all "unshare not found (util-linux)"
unshare --pid --fork true 2>/dev/null || skip_all "cannot create a pid namespace here"

plan 10
start_deathwatch
unshare --pid --fork --mount-proc sh -c \
	"sleep 1001 & sleep 1002 & echo \$! > $T/ready; sleep 0.5; exit 0" &
outer=$!
_children+=("$outer")
wait_until 5 test -s "$T/ready" || bail "the namespace's children did not start"
wait "$outer"
# The children's pids in the initial namespace, by their command lines.
victims=$(grep -lE '^sleep.100[12]' /proc/[0-9]*/cmdline 2>/dev/null)
wait_until 10 grep -qP "cmdline=sleep 1002\t" "$DW_OUT" || diag "no death of sleep 1002"
wait_until 3 grep -qP "cmdline=sleep 1001\t" "$DW_OUT" || diag "no death of sleep 1001"
sleep 0.5
for n in 1001 1002; do
	line=$(grep -P "cmdline=sleep $n\t" "$DW_OUT" | tail -n 1)
	diag "$line"
	is "$(dfield cause "$line")" pidns-teardown "sleep $n: pidns-teardown"
	is "$(dfield signal "$line")" SIGKILL "sleep $n: SIGKILL"
	like "$(dfield evidence "$line")" "lost its init sh\\[[0-9]+\\], which exited [0-9]+ ms (after|before) the death \\(exit status 0\\)" \
		"sleep $n: the evidence names the init and its exit"
	is "$(dfield nspid "$line")" "$([ $n = 1001 ] && echo 2 || echo 3)" "sleep $n: its pid inside the namespace"
done
ok "no death line for the init's clean exit" test -z "$(grep -P 'cmdline=sh -c sleep' "$DW_OUT")"
[ -z "$victims" ] || diag "still alive: $victims"
stop_deathwatch
done_testing
