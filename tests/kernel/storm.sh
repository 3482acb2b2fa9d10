#!/bin/bash
# storm: an unprivileged user kill()s its own child in a tight loop (every
# call is audited). Coalescing keeps one row per second for that pair, so the
# database stays small, and a single SIGKILL from root to another process
# during the storm is recorded exactly.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 5
start_daemon --source unicast
chmod 0755 "$T"
install -d -o 65534 -g 65534 "$T/nobody" || bail "cannot create $T/nobody"
setpriv --reuid=65534 --regid=65534 --clear-groups bash -c \
	'sleep 1000 & child=$!; end=$((SECONDS + 6)); n=0
	 while [ $SECONDS -lt $end ]; do kill -CONT $child; n=$((n + 1)); done
	 echo "$n" >'"$T"'/nobody/storm.count; kill -KILL $child' &
storm=$!
_children+=("$storm")
sleep 2
start_victim
"$SIGSEND64" kill "$VICTIM" 9 >"$T/kill"
wait "$storm"
sent=$(cat "$T/nobody/storm.count")
_counted() { [ "$(q "select sum(count) from signals where sender_uid = 65534 and signal = 18")" = "$sent" ]; }
wait_until 3 _counted
ok "while the daemon runs, the coalesced counts are readable and complete" _counted
stop_daemon
stored=$(q "select count(*) || ' ' || sum(count) from signals where sender_uid = 65534 and signal = 18")
read -r rows total <<<"$stored"
ok "the storm: $sent kills stored as $rows rows (at most one per second, plus slack)" test "$rows" -le 10
is "$total" "$sent" "their counts add up to every kill the loop made"
is "$(q "select signame, sender_pid, count from signals where target_pid = $VICTIM")" \
	"SIGKILL|$(field 2 "$T/kill")|1" "the SIGKILL during the storm is recorded, on its own row"
done_testing
