#!/bin/bash
# oom: a process in a memory cgroup with a 32 MiB limit allocates until the
# OOM killer kills it. Its death is `oom`, with the cgroup that hit its
# limit, the constraint and the RSS from the kernel log, and its command line
# from the process table. Recorded by sigtraild, read from the deaths view. cgroup v2 when the memory controller is there,
# else v1.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

root=''
use_cgroup2 && root=$CG2
if [ -n "$root" ] && grep -qw memory "$root/cgroup.controllers" 2>/dev/null; then
	grep -qw memory "$root/cgroup.subtree_control" ||
		echo +memory >"$root/cgroup.subtree_control" ||
		skip_all "cannot enable the memory controller in $root"
	cg=$root/sigtrail-oom-$$
	make_cgroup "$cg" || skip_all "cannot create $cg"
	echo $((32 << 20)) >"$cg/memory.max"
	echo 0 >"$cg/memory.swap.max" 2>/dev/null
	version=v2
else
	root=$(cgroup_v1_root memory)
	[ -n "$root" ] || skip_all "no memory cgroup controller (v1 or v2)"
	cg=$root/sigtrail-oom-$$
	make_cgroup "$cg" || skip_all "cannot create $cg"
	echo $((32 << 20)) >"$cg/memory.limit_in_bytes"
	echo $((32 << 20)) >"$cg/memory.memsw.limit_in_bytes" 2>/dev/null
	version=v1
fi
memcg=${cg#"$root"}
diag "memory cgroup $version at $cg"

plan 11
start_recording
# The hog moves itself into the cgroup before it allocates.
bash -c 'echo $$ > "$1/cgroup.procs" && exec "$2" hog 512' _ "$cg" "$DEATHHELP" >"$T/hog.out" &
hog=$!
_children+=("$hog")
line=$(death_of "$hog")
diag "$line"
is "$(dfield cause "$line")" oom "the death is attributed to the OOM killer"
is "$(dfield signal "$line")" SIGKILL "by SIGKILL"
is "$(dfield oom_memcg "$line")" "$memcg" "the memory cgroup that hit its limit"
is "$(dfield oom_constraint "$line")" CONSTRAINT_MEMCG "the constraint"
rss=$(dfield oom_rss_kb "$line")
ok "the victim's RSS is there ($rss kB) and near the limit" test "${rss:-0}" -ge 16384
is "$(dfield cmdline "$line")" "$DEATHHELP hog 512" "its command line, from the process table"
is "$(dfield comm "$line")" deathhelp "its comm"
like "$(dfield evidence "$line")" "^kernel log: the OOM killer killed $hog \\(deathhelp\\)" \
	"the evidence names the kernel log line"
like "$(dfield evidence "$line")" "memory cgroup .* at its limit \\(limit 32768 kB, usage [0-9]+ kB\\)" \
	"the evidence gives the cgroup's limit at the kill"
ok "its start time is known" test "$(dfield start "$line" | tr -d '~')" -gt 0
stop_daemon
cleanup_cgroups
done_testing
