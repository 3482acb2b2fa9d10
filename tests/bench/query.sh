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
# BENCH_STREAM=1 (the 100M run: a 100M-event log would not fit beside its
# database) streams genlog's events straight into nlfeed and keeps no log:
# no ausearch, and no export unless BENCH_EXPORT=1. BENCH_DAYS (default 7)
# is the span of the data: at 100M events, 70 days hold as many events an
# hour as 10M in 7 days, so that "the last hour" is the same question.
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
ratio() { # AUSEARCH_MS SIGTRAIL_MS: how many times faster, or - without ausearch
	if [ "$1" = - ]; then echo -; else awk -v a="$1" -v s="$2" 'BEGIN { printf "%.0fx", a / (s > 0 ? s : 1) }'; fi
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
times() { # RUNS CMD...: the median of RUNS runs
	local n=$1
	shift
	for _ in $(seq "$n"); do ms "$@"; done | median
}

stream=${BENCH_STREAM:-0} days=${BENCH_DAYS:-7}
if [ ! -s "$D/q.db" ]; then
	echo "$now" >"$D/end" # the data ends here: "the last hour" is the hour before
	echo "generating $events events into $D ..." >&2
	if [ "$stream" = 1 ]; then
		"$build/tests/bench/genlog" mix "$events" "$now" $((days * 86400)) |
			"$build/tests/bench/nlfeed" /dev/stdin "$D/q.db" $((now - days * 86400)) >"$D/nlfeed.out"
	else
		"$build/tests/bench/genlog" mix "$events" "$now" $((days * 86400)) >"$D/audit.log"
		"$build/tests/bench/nlfeed" "$D/audit.log" "$D/q.db" $((now - days * 86400)) >"$D/nlfeed.out"
	fi
	cat "$D/nlfeed.out" >&2
fi
now=$(cat "$D/end" 2>/dev/null || echo "$now")
rows=$(sqlite3 "$D/q.db" "select count(*) from signal_rows")
log_bytes=0
[ "$stream" = 1 ] || log_bytes=$(stat -c %s "$D/audit.log")
db_bytes=$(stat -c %s "$D/q.db")

# Warm the page cache the same way for both sides: read each file once.
cat "$D/q.db" >/dev/null
who=$(times "$runs" "$sigtrail" --db "$D/q.db" who "$probe")
# "the last hour" of the data (= the last hour when it was just generated)
list=$(times "$runs" "$sigtrail" --db "$D/q.db" list --since @$((now - 3600)) --signal KILL)
listh=$(times "$runs" "$sigtrail" --db "$D/q.db" list --since @$((now - 3600)))
listall=$(times "$runs" "$sigtrail" --db "$D/q.db" list --since @$((now - 3600)) --signal KILL --limit 0)
n_list=$("$sigtrail" --db "$D/q.db" list --since @$((now - 3600)) --signal KILL --limit 0 2>/dev/null | tail -n +2 | wc -l)
exp_ms=0 exp_rows=0
if [ "$stream" != 1 ] || [ "${BENCH_EXPORT:-0}" = 1 ]; then
	exp_ms=$(ms "$sigtrail" --db "$D/q.db" export --no-progress --format csv -o "$D/export.csv")
	exp_rows=$(($(wc -l <"$D/export.csv") - 1))
	rm -f "$D/export.csv"
fi
n_who=$("$sigtrail" --db "$D/q.db" who "$probe" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["signals"]))' 2>/dev/null || echo "?")

a_who=- a_list=- a_hits=-
if [ "$stream" != 1 ]; then
	cat "$D/audit.log" >/dev/null
	since=$(date -d @$((now - 3600)) '+%m/%d/%y %H:%M:%S') # ausearch reads %x: the C locale's is 2-digit
	a_who=$(ms sh -c "ausearch --input '$D/audit.log' -m OBJ_PID --raw | grep -w 'opid=$probe'")
	a_list=$(ms sh -c "ausearch --input '$D/audit.log' -m SYSCALL -ts $since --raw | grep -E ' syscall=62 .* a1=9 '")
	a_hits=$(ausearch --input "$D/audit.log" -m OBJ_PID --raw 2>/dev/null | grep -cw "opid=$probe" || true)
fi

echo "query benchmark: $rows rows from $events events over $days days; database $((db_bytes / 1048576)) MiB ($((db_bytes / rows)) B/row), auditd log $((log_bytes / 1048576)) MiB; $(nproc) CPUs, $(uname -r)"
printf '%-44s %12s %14s %10s\n' question 'sigtrail ms' 'ausearch ms' 'ausearch/sigtrail'
printf '%-44s %12s %14s %10s\n' "who $probe ($n_who rows; ausearch: $a_hits records)" "$who" "$a_who" \
	"$(ratio "$a_who" "$who")"
printf '%-44s %12s %14s %10s\n' "list --since 1h --signal KILL (50 rows)" "$list" "$a_list" \
	"$(ratio "$a_list" "$list")"
printf '%-44s %12s %14s %10s\n' "list --since 1h (50 rows)" "$listh" - -
printf '%-44s %12s %14s %10s\n' "list --since 1h --signal KILL --limit 0 ($n_list)" "$listall" "$a_list" \
	"$(ratio "$a_list" "$listall")"
[ "$exp_rows" = 0 ] || echo "export: $exp_rows rows to CSV in $exp_ms ms = $(awk -v r="$exp_rows" -v m="$exp_ms" 'BEGIN { printf "%.0f", r / (m / 1000) }') rows/s"
echo "(sigtrail: median of $runs runs; ausearch: one run each, a lower bound: one pass finding the records, before fetching each event)"
