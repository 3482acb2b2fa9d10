#!/bin/bash
# container: a victim in a fake docker container's cgroup is killed by a
# sender in a fake CRI-O container's cgroup. The victim's death carries its
# unit and container id from its cgroup path, and the signal row has both
# sides: sender_unit/sender_container and target_unit/target_container
# (cgroup v2 or the v1 name=systemd hierarchy).
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

root=''
use_cgroup2 && root=$CG2
[ -n "$root" ] || root=$(cgroup_v1_root systemd)
[ -n "$root" ] || skip_all "no cgroup v2 and no name=systemd v1 hierarchy"
vid=$(printf '%064x' $$ | sed 's/^0/a/')
sid=$(printf '%064x' $((RANDOM + 1)) | sed 's/^0/b/')
vcg=$root/sigtrail-test-$$.slice/docker-$vid.scope
scg=$root/sigtrail-test-$$.slice/kubepods-pod1.slice/crio-$sid.scope
if ! make_cgroup "$vcg" || ! make_cgroup "$scg"; then
	skip_all "cannot create cgroups under $root"
fi

plan 9
start_recording
# The victim joins its cgroup before it execs, as runtimes and systemd do
# (the connector reports no cgroup moves; the table reads cgroups at exec).
bash -c 'echo $$ > "$1/cgroup.procs" && exec "$2" sleep victim' _ "$vcg" "$DEATHHELP" >"$T/victim.out" &
victim=$!
_children+=("$victim")
wait_until 5 grep -q "^ready $victim\$" "$T/victim.out" || bail "victim did not start"
# The sender waits in its cgroup, then kills the victim.
mkfifo "$T/go"
bash -c 'echo $$ > "$1/cgroup.procs"; exec bash -c "read -r _ < $2; kill -KILL $3; sleep 1"' _ \
	"$scg" "$T/go" "$victim" &
sender=$!
_children+=("$sender")
wait_until 5 grep -q "sigtrail-test-$$" "/proc/$sender/cgroup" || bail "sender not in its cgroup"
echo go >"$T/go"

line=$(death_of "$victim")
diag "$line"
is "$(dfield unit "$line")" "docker-$vid.scope" "the victim's unit"
is "$(dfield container "$line")" "$vid" "the victim's container id"
is "$(dfield signal "$line")" SIGKILL "killed by SIGKILL"
is "$(dfield cmdline "$line")" "$DEATHHELP sleep victim" "the victim's command line"
ok "its parent: this test's shell" test "$(dfield ppid "$line")" = $$
wait "$sender" 2>/dev/null
row=$(q "select id from signals where target_pid = $victim and signal = 9 order by id desc limit 1")
is "$(dfield signal_id "$line")" "$row" "the death is linked to the signal row ($row)"
is "$(q "select sender_unit || ' ' || sender_container from signals where id = $row")" \
	"crio-$sid.scope $sid" "the row's sender unit and container id, from its cgroup"
is "$(q "select target_unit || ' ' || target_container from signals where id = $row")" \
	"docker-$vid.scope $vid" "the row's target unit and container id"
stop_daemon
cleanup_cgroups
done_testing
