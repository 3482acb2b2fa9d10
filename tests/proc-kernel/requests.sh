#!/bin/bash
# requests: who asked (issue 18), natively. A containerd-shim-like supervisor
# signals its "container" when a `docker`-named client asks it through a
# socket; sigtrail names the client's request beside the shim's signal.
#   A: `docker stop` of a container that ignores SIGTERM: the SIGTERM names
#      the request, and the shim's SIGKILL after its grace period is linked
#      to that SIGTERM and to the same request;
#   B: another `docker stop` at the same time, of another container: its
#      signal names its own request, not A's;
#   C: the shim stops its container by itself: "no request seen";
#   D: a `docker` of the user's own (not in --request-dirs) asks: ignored,
#      and the evidence names its program;
#   a plain kill from this shell: not a supervisor, every column NULL.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

root=''
use_cgroup2 && root=$CG2
[ -n "$root" ] || root=$(cgroup_v1_root systemd)
[ -n "$root" ] || skip_all "no cgroup v2 and no name=systemd v1 hierarchy"
declare -A id cg shim_out child
for c in a b c d; do
	id[$c]=$(printf '%s%063x' "$c" $(($$ * 4 + RANDOM % 4)))
	cg[$c]=$root/sigtrail-test-$$.slice/docker-${id[$c]}.scope
	make_cgroup "${cg[$c]}" || skip_all "cannot create cgroups under $root"
done
# The trusted programs: root's, in a directory of root's alone.
mkdir -m 755 "$T/bin" "$T/own"
cp "$SHIM" "$T/bin/containerd-shim-runc-v2"
cp "$SHIM" "$T/bin/docker"
cp "$SHIM" "$T/own/docker" # a user's own docker, elsewhere

plan 18
start_recording --request-dirs "$T/bin"

# start_shim C GRACE_MS SELF_MS IGNORE_TERM: a shim and its container C.
start_shim() {
	local c=$1 trap=''
	[ "$4" = yes ] && trap="trap '' TERM;"
	shim_out[$c]=$T/shim-$c.out
	"$T/bin/containerd-shim-runc-v2" "$T/$c.sock" "$2" "$3" -- bash -c \
		"echo \$\$ > '${cg[$c]}/cgroup.procs'; $trap exec sleep 1000" >"${shim_out[$c]}" 2>&1 &
	_children+=($!)
	wait_until 5 grep -q '^ready ' "${shim_out[$c]}" || bail "shim $c did not start"
	child[$c]=$(awk '$1 == "ready" { print $2 }' "${shim_out[$c]}")
	_children+=("${child[$c]}")
	wait_until 5 _comm_is "${child[$c]}" sleep || bail "container $c did not start"
}
start_shim a 1500 0 yes
start_shim b 1500 0 no
start_shim d 1500 0 no

# A and B asked at the same time; D by the look-alike.
SHIM_SOCK=$T/a.sock "$T/bin/docker" stop "${id[a]:0:12}" >/dev/null &
client_a=$!
SHIM_SOCK=$T/b.sock "$T/bin/docker" stop "${id[b]:0:5}" >/dev/null &
client_b=$!
SHIM_SOCK=$T/d.sock "$T/own/docker" stop "${id[d]:0:12}" >/dev/null &
client_d=$!
wait "$client_a" "$client_b" "$client_d"
# C: nobody asks; it stops its container after 300 ms.
start_shim c 1500 300 no
start_victim
plain=$VICTIM
kill -TERM "$plain"

for c in a b c d; do
	death_of "${child[$c]}" >/dev/null
done
wait_rows 1 "select count(*) from signals where target_pid = $plain"

req() { # PID SIGNAL: the request columns of the shim's signal to PID
	q "select coalesce(requested_by_pid, 'NULL') || '|' || coalesce(requested_by_cmdline, 'NULL')
		|| '|' || coalesce(requested_by_user, 'NULL') || '|' || coalesce(request_evidence, 'NULL')
		from signals where target_pid = $1 and signal = $2 order by id limit 1"
}
ra=$(req "${child[a]}" 15)
diag "A SIGTERM: $ra"
is "$(cut -d'|' -f1-3 <<<"$ra")" "$client_a|$T/bin/docker stop ${id[a]:0:12}|root" \
	"A's SIGTERM: requested by its docker stop (pid, command line, user)"
like "$ra" "names container ${id[a]:0:12}, the target's, exec'd [0-9.]+ (ms|s) before the signal; $T/bin/docker is the system's program" \
	"A's evidence: what matched, how far apart, which program"
ka=$(req "${child[a]}" 9)
diag "A SIGKILL: $ka"
is "$(cut -d'|' -f1-2 <<<"$ka")" "$client_a|$T/bin/docker stop ${id[a]:0:12}" \
	"A's SIGKILL after the grace period: the same request"
like "$ka" "SIGKILL 1\.[0-9] s after the same supervisor's SIGTERM \(serial [0-9]+\): the stop timed out" \
	"A's SIGKILL is linked to the shim's SIGTERM"
serial=$(q "select serial from signals where target_pid = ${child[a]} and signal = 15 limit 1")
like "$ka" "(serial $serial)" "the SIGTERM it names is A's SIGTERM"
rb=$(req "${child[b]}" 15)
diag "B: $rb"
is "$(cut -d'|' -f1-2 <<<"$rb")" "$client_b|$T/bin/docker stop ${id[b]:0:5}" \
	"B, stopped at the same time: its own request, not A's"
is "$(q "select count(*) from signals where target_pid = ${child[b]} and signal = 9")" 0 \
	"B exited on its SIGTERM: no SIGKILL"
rc=$(req "${child[c]}" 15)
diag "C: $rc"
is "$(cut -d'|' -f1-3 <<<"$rc")" "NULL|NULL|NULL" "C, stopped by the shim by itself: no requester"
like "$rc" "no request seen: no docker, podman, nerdctl or crictl stop, kill or rm -f naming container ${id[c]:0:12}" \
	"C: no request seen, and what was looked for"
rd=$(req "${child[d]}" 15)
diag "D: $rd"
is "$(cut -d'|' -f1 <<<"$rd")" NULL "D, asked by a docker of the user's own: no requester"
like "$rd" "ignored \`$T/own/docker stop ${id[d]:0:12}\` \(pid $client_d\): $T/own/docker is not in a system directory" \
	"D: the look-alike is named, with its program"
is "$(q "select coalesce(request_evidence, 'NULL') || coalesce(requested_by_pid, 'NULL')
	from signals where target_pid = $plain")" NULLNULL \
	"a kill from a shell: not a supervisor, no request columns"
who=$("$SIGTRAIL" --db "$DB" who "${child[a]}" 2>&1)
diag "$who"
like "$who" "requested by \`$T/bin/docker stop ${id[a]:0:12}\` \(pid $client_a, user root" \
	"who names the request in the verdict"
like "$who" "SIGKILL 1\.[0-9] s later when the stop timed out" "and the escalation"
report=$("$SIGTRAIL" --db "$DB" report --format md 2>&1)
like "$report" "## Stops by requester" "report: a section of stops by requester"
like "$report" "\| $T/bin/docker stop ${id[a]:0:12} \| 2 \| 1 \| root via containerd-shim \|" \
	"report: A's request, its SIGTERM and SIGKILL, one target"
like "$report" "\| no request seen \| 2 \| 2 \| via containerd-shim \|" \
	"report: the supervisor's stops that nobody asked for (C, and D's look-alike)"
stop_daemon
cleanup_cgroups
done_testing
