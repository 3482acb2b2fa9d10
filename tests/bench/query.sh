#!/usr/bin/env bash
# query.sh BUILD_DIR [EVENTS [RUNS]]: query speed on a big database, against
# ausearch on the auditd log that holds the same events.
#  1. genlog mix EVENTS: an auditd RAW log of EVENTS signal events over the 7
#     days up to now (thousands of senders, targets and command lines, both
#     ABIs, every signal syscall, refused calls, group kills), with a probe
#     target pid 4194000 signalled 5 times;
#  2. nlfeed: the same records through the collector's netlink path into a
#     database, with a collector run covering the 7 days;
#  3. times, median of RUNS (default 5): `sigtrail who 4194000`,
#     `sigtrail list --since 1h --signal KILL`, and a full `sigtrail export`
#     to CSV (rows/s, one run); and ausearch answering the same questions on
#     the log (one run each: each one reads the whole log).
# ausearch cannot search the target pid (opid) nor the signal argument: its
# figures are a lower bound, one pass over the log that finds the records
# (OBJ_PID records, then grep; events since the time, then grep for a1=9),
# before the per-event `ausearch -a SERIAL` an answer would still need.
# No privileges needed. Data in BENCH_DIR (default a new directory under
# /var/tmp, removed at the end unless BENCH_KEEP=1); 10M events take about
# 6.5 GB of log and 1.5 GB of database.
set -eu
build=$(cd "${1:?usage: query.sh BUILD_DIR [EVENTS [RUNS]]}" && pwd)
events=${2:-10000000} runs=${3:-5}
export LC_ALL=C TZ=UTC
D=${BENCH_DIR:-$(mktemp -d /var/tmp/sigtrail-query.XXXXXX)}
mkdir -p "$D"
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$D"' EXIT
sigtrail=$build/collector/cli/sigtrail
probe=4194000
now=$(date +%s)

# ms CMD...: wall milliseconds of one run, output discarded.
ms() {
	local a b
	a=$(date +%s%N)
	"$@" >/dev/null 2>&1 || [ $? -eq 1 ] # 1: nothing found, still an answer
	b=$(date +%s%N)
	echo $(((b - a) / 1000000))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
times() { # RUNS CMD...: the median of RUNS runs
	local n=$1
	shift
	for _ in $(seq "$n"); do ms "$@"; done | median
}

if [ ! -s "$D/q.db" ]; then
	echo "$now" >"$D/end" # the data ends here: "the last hour" is the hour before
	echo "generating $events events into $D ..." >&2
	"$build/tests/bench/genlog" mix "$events" "$now" $((7 * 86400)) >"$D/audit.log"
	"$build/tests/bench/nlfeed" "$D/audit.log" "$D/q.db" $((now - 7 * 86400)) >"$D/nlfeed.out"
	cat "$D/nlfeed.out" >&2
fi
now=$(cat "$D/end" 2>/dev/null || echo "$now")
rows=$(sqlite3 "$D/q.db" "select count(*) from signals")
log_bytes=$(stat -c %s "$D/audit.log")
db_bytes=$(stat -c %s "$D/q.db")

# Warm the page cache the same way for both sides: read each file once.
cat "$D/q.db" >/dev/null
who=$(times "$runs" "$sigtrail" --db "$D/q.db" who "$probe")
# "the last hour" of the data (= the last hour when it was just generated)
list=$(times "$runs" "$sigtrail" --db "$D/q.db" list --since @$((now - 3600)) --signal KILL)
listall=$(times "$runs" "$sigtrail" --db "$D/q.db" list --since @$((now - 3600)) --signal KILL --limit 0)
n_list=$("$sigtrail" --db "$D/q.db" list --since @$((now - 3600)) --signal KILL --limit 0 2>/dev/null | tail -n +2 | wc -l)
exp_ms=$(ms "$sigtrail" --db "$D/q.db" export --no-progress --format csv -o "$D/export.csv")
exp_rows=$(($(wc -l <"$D/export.csv") - 1))
rm -f "$D/export.csv"
n_who=$("$sigtrail" --db "$D/q.db" who "$probe" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["signals"]))' 2>/dev/null || echo "?")

cat "$D/audit.log" >/dev/null
since=$(date -d @$((now - 3600)) '+%m/%d/%y %H:%M:%S') # ausearch reads %x: the C locale's is 2-digit
a_who=$(ms sh -c "ausearch --input '$D/audit.log' -m OBJ_PID --raw | grep -w 'opid=$probe'")
a_list=$(ms sh -c "ausearch --input '$D/audit.log' -m SYSCALL -ts $since --raw | grep -E ' syscall=62 .* a1=9 '")
a_hits=$(ausearch --input "$D/audit.log" -m OBJ_PID --raw 2>/dev/null | grep -cw "opid=$probe" || true)

echo "query benchmark: $rows rows from $events events over 7 days; database $((db_bytes / 1048576)) MiB ($((db_bytes / rows)) B/row), auditd log $((log_bytes / 1048576)) MiB; $(nproc) CPUs, $(uname -r)"
printf '%-44s %12s %14s %10s\n' question 'sigtrail ms' 'ausearch ms' 'ausearch/sigtrail'
printf '%-44s %12s %14s %10s\n' "who $probe ($n_who rows; ausearch: $a_hits records)" "$who" "$a_who" \
	"$(awk -v a="$a_who" -v s="$who" 'BEGIN { printf "%.0fx", a / (s > 0 ? s : 1) }')"
printf '%-44s %12s %14s %10s\n' "list --since 1h --signal KILL (50 rows)" "$list" "$a_list" \
	"$(awk -v a="$a_list" -v s="$list" 'BEGIN { printf "%.0fx", a / (s > 0 ? s : 1) }')"
printf '%-44s %12s %14s %10s\n' "list --since 1h --signal KILL --limit 0 ($n_list)" "$listall" "$a_list" \
	"$(awk -v a="$a_list" -v s="$listall" 'BEGIN { printf "%.0fx", a / (s > 0 ? s : 1) }')"
echo "export: $exp_rows rows to CSV in $exp_ms ms = $(awk -v r="$exp_rows" -v m="$exp_ms" 'BEGIN { printf "%.0f", r / (m / 1000) }') rows/s"
echo "(sigtrail: median of $runs runs; ausearch: one run each, a lower bound: one pass finding the records, before fetching each event)"
