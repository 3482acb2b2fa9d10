#!/usr/bin/env bash
# run.sh BUILD_DIR [SENDERS SIGNALS_EACH ROUNDS]: the collector benchmark.
# Alternates, in one run, the configurations below (the order rotates from
# round to round) and prints one table of medians, with ratios against auditd
# and the count-only reader (the machine's limit) measured in the same run:
#   limit       a reader that becomes the audit daemon and only counts the
#               records (countreader: no parsing, no storage): the fastest
#               any audit daemon lets the senders go on this machine
#   ceiling     audit rules loaded, no reader (not a limit: without a reader
#               the kernel formats every record for printk and its hold queue)
#   auditd      the real auditd (private config and log), unicast
#   unicast     sigtraild --source unicast
#   multicast   sigtraild --source multicast (no audit daemon registered)
#   coexist     auditd (unicast) plus sigtraild (multicast beside it)
# BENCH_CONFIGS="..." picks others; `unicast-noproc` is unicast with
# --no-processes (the process table's share of the cost); `unicast-big` is
# unicast into a copy of the database BENCH_BASE_DB (tests/bench/sweep.sh
# keeps its 10M-event one with BENCH_KEEP=1): the storm's rate into a big
# database against `unicast`'s into an empty one (its rows and bytes per
# event are the storm's, the copy's own left out).
# Every sigtraild runs with --coalesce 0: one row per signal, the worst case
# (the default coalesces a storm into a few rows).
# Bytes per event: for sigtraild the database file once the stop has
# checkpointed the WAL into it (the WAL, a bounded scratch area, is shown
# apart), for auditd its log.
# Root and a usable audit subsystem: on a host whose audit is locked use
#   tests/vm/run.sh BUILD -- bash tests/bench/run.sh BUILD
# Never touches rules other than its own (key sigtrail-bench), and restores
# the enabled flag and backlog limit it found. BENCH_RAW=FILE keeps the
# per-run lines. See tests/bench/README.md.
set -eu
build=$(cd "${1:?usage: run.sh BUILD_DIR [SENDERS SIGNALS_EACH ROUNDS]}" && pwd)
senders=${2:-2} each=${3:-20000} rounds=${4:-3}
storm=$build/tests/bench/storm
countreader=$build/tests/bench/countreader
daemon=$build/collector/sigtraild
T=$(mktemp -d)
orig_enabled=$(auditctl -s | awk '$1 == "enabled" { print $2 }')
orig_backlog=$(auditctl -s | awk '$1 == "backlog_limit" { print $2 }')
[ "$orig_enabled" != 2 ] || { echo "run.sh: audit is immutable here; use tests/vm/run.sh" >&2; exit 1; }
[ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = 0 ] ||
	{ echo "run.sh: an audit daemon is running; stop it first" >&2; exit 1; }
AUDITD='' SIGTRAILD='' COUNTREADER=''
cleanup() {
	for p in $SIGTRAILD $AUDITD $COUNTREADER; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	auditctl -D -k sigtrail-bench >/dev/null 2>&1 || true
	auditctl -e "$orig_enabled" >/dev/null
	auditctl -b "$orig_backlog" >/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

status() { auditctl -s | awk -v k="$1" '$1 == k { print $2 }'; }
# The rules sigtraild loads, under the benchmark's own key.
bench_rules() { # add|delete
	local op=-a
	[ "$1" = delete ] && op=-d
	for arch in b64 b32; do
		auditctl $op always,exit -F arch=$arch -S kill,tkill,rt_sigqueueinfo,pidfd_send_signal \
			-F 'a1!=0' -k sigtrail-bench >/dev/null
		auditctl $op always,exit -F arch=$arch -S tgkill,rt_tgsigqueueinfo -F 'a2!=0' \
			-k sigtrail-bench >/dev/null
	done
}
# auditd at its fastest: RAW log, no flushing, no plugins.
start_auditd() {
	rm -rf "$T/auditd" && mkdir -p "$T/auditd/plugins.d"
	printf '%s\n' "log_file = $T/audit.log" "log_format = RAW" "flush = NONE" "freq = 0" \
		"write_logs = yes" "max_log_file_action = IGNORE" "space_left = 2" \
		"space_left_action = IGNORE" "admin_space_left = 1" "admin_space_left_action = IGNORE" \
		"disk_full_action = IGNORE" "disk_error_action = IGNORE" "plugin_dir = $T/auditd/plugins.d" \
		>"$T/auditd/auditd.conf"
	chmod -R go-w "$T/auditd"
	: >"$T/audit.log"
	auditd -n -c "$T/auditd" 2>/dev/null &
	AUDITD=$!
	for _ in $(seq 300); do [ "$(status pid)" = "$AUDITD" ] && break; sleep 0.1; done
	[ "$(status pid)" = "$AUDITD" ] || { echo "run.sh: auditd did not register" >&2; exit 1; }
	auditctl -b 8192 >/dev/null
}
stop_pid() { kill -TERM "$1"; wait "$1" 2>/dev/null || true; }
start_countreader() {
	"$countreader" >"$T/count.out" 2>"$T/count.log" &
	COUNTREADER=$!
	for _ in $(seq 300); do [ "$(status pid)" = "$COUNTREADER" ] && break; sleep 0.1; done
	[ "$(status pid)" = "$COUNTREADER" ] || { cat "$T/count.log" >&2; exit 1; }
	auditctl -b 8192 >/dev/null # as sigtraild raises it
}
start_sigtraild() { # source [option...]
	local src=$1
	shift
	rm -f "$T/b.db"*
	if [ -n "${seed:-}" ]; then cp "$seed" "$T/b.db"; fi
	"$daemon" --foreground --db "$T/b.db" --runtime-dir "$T/run" --source "$src" --coalesce 0 \
		"$@" 2>"$T/d.log" &
	SIGTRAILD=$!
	for _ in $(seq 300); do grep -q ready "$T/d.log" && break; sleep 0.1; done
	grep -q ready "$T/d.log" || { cat "$T/d.log" >&2; exit 1; }
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# Wait until a collector has caught up: it used at most 2% of a CPU over
# the last second (it still ticks when idle), at most 120 s.
settle() {
	local a b=-1000 hz
	hz=$(getconf CLK_TCK)
	for _ in $(seq 120); do
		a=$(cpu_ticks "$1")
		[ $((a - b)) -le $((hz / 50)) ] && return 0
		b=$a
		sleep 1
	done
}
size() { local t=0 f; for f in "$@"; do [ -e "$f" ] && t=$((t + $(stat -c %s "$f"))); done; echo "$t"; }

# one CONFIG: prints "config rate lost rows cpu_s_per_100k rss_kb bytes_per_event"
one() {
	local config=$1 pid='' lost0 out rate rows=- cpu=- rss=- bytes=- c0=0
	case $config in
	ceiling) auditctl -e 1 >/dev/null; bench_rules add ;;
	limit) auditctl -e 1 >/dev/null; start_countreader; bench_rules add; pid=$COUNTREADER ;;
	auditd) start_auditd; bench_rules add; pid=$AUDITD ;;
	unicast) start_sigtraild unicast; pid=$SIGTRAILD ;;
	unicast-noproc) start_sigtraild unicast --no-processes; pid=$SIGTRAILD ;;
	unicast-big) seed=$BENCH_BASE_DB start_sigtraild unicast; pid=$SIGTRAILD ;;
	multicast) auditctl -e 1 >/dev/null; start_sigtraild multicast; pid=$SIGTRAILD ;;
	coexist) start_auditd; start_sigtraild auto; pid=$SIGTRAILD ;;
	*) echo "run.sh: unknown configuration $config" >&2; exit 64 ;;
	esac
	sleep 1 # the collector's start-up is not the storm's cost
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	lost0=$(status lost)
	out=$("$storm" "$senders" "$each")
	rate=$(awk '{ print $6 }' <<<"$out")
	if [ -n "$pid" ]; then
		settle "$pid"
		cpu=$(awk -v t=$(($(cpu_ticks "$pid") - c0)) -v hz="$(getconf CLK_TCK)" -v n=$((senders * each)) \
			'BEGIN { printf "%.3f", t / hz * 100000 / n }')
		rss=$(hwm_kb "$pid")
	else
		sleep 1
	fi
	local lost=$(($(status lost) - lost0))
	case $config in
	ceiling) bench_rules delete ;;
	limit) bench_rules delete; stop_pid "$COUNTREADER"; COUNTREADER=''
		rows=$(awk '{ print $4 }' "$T/count.out") ;;
	auditd) stop_pid "$AUDITD"; AUDITD=''; bench_rules delete
		rows=$(grep -c '^type=SYSCALL.* syscall=62 .* a1=a ' "$T/audit.log" || true)
		bytes=$(($(size "$T/audit.log") / (rows > 0 ? rows : 1))) ;;
	unicast | unicast-noproc | unicast-big | multicast | coexist)
		# The WAL is a bounded scratch area (checkpointed into the
		# database every ~4 MB, then reused): its peak is reported apart,
		# and the bytes per row are the database's once the stop has
		# checkpointed everything into it.
		wal=$(size "$T/b.db-wal")
		stop_pid "$SIGTRAILD"; SIGTRAILD=''
		rows=$(sqlite3 "$T/b.db" "select coalesce(sum(count), 0) from signals where signal = 10")
		local b0=0
		if [ "$config" = unicast-big ]; then rows=$((rows - base_rows)) b0=$base_bytes; fi
		bytes=$((($(size "$T/b.db") - b0) / (rows > 0 ? rows : 1)))
		echo "$config wal_bytes_at_end_of_storm $wal" >>"$T/notes"
		if [ "$config" = coexist ]; then stop_pid "$AUDITD"; AUDITD=''; fi ;;
	esac
	auditctl -e "$orig_enabled" >/dev/null
	auditctl -b "$orig_backlog" >/dev/null
	echo "$config $rate $lost $rows $cpu $rss $bytes"
}

configs=${BENCH_CONFIGS:-limit ceiling auditd unicast multicast coexist}
base_rows=0 base_bytes=0
if [[ " $configs " == *" unicast-big "* ]]; then
	[ -s "${BENCH_BASE_DB:-}" ] || { echo "run.sh: unicast-big needs BENCH_BASE_DB, a sigtrail database" >&2; exit 64; }
	base_rows=$(sqlite3 "$BENCH_BASE_DB" "select coalesce(sum(count), 0) from signals where signal = 10")
	base_bytes=$(size "$BENCH_BASE_DB")
fi
set -- $configs
for r in $(seq "$rounds"); do
	for c in "$@"; do one "$c" | tee -a "$T/results" >&2; done
	set -- "${@:2}" "$1" # rotate: no configuration always runs first
done
if [ -n "${BENCH_RAW:-}" ]; then cat "$T/results" "$T/notes" >"$BENCH_RAW" 2>/dev/null || true; fi
sent=$((senders * each))
echo "sigtrail benchmark: $senders senders x $each signals = $sent per run, medians of $rounds rounds, $(nproc) CPUs, $(uname -r)"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : "-") }'; }
for c in $configs; do
	col() { awk -v c="$c" -v i="$1" '$1 == c { print $i }' "$T/results" | median; }
	# rows: the smallest of the runs, so that one short run shows
	printf '%s %s %s %s %s %s %s\n' "$c" "$(col 2)" \
		"$(awk -v c="$c" '$1 == c { print $3 }' "$T/results" | sort -n | tail -1)" \
		"$(awk -v c="$c" '$1 == c { print $4 }' "$T/results" | sort -n | head -1)" \
		"$(col 5)" "$(col 6)" "$(col 7)"
done >"$T/table"
ar=$(awk '$1 == "auditd" { print $2 }' "$T/table")
ac=$(awk '$1 == "auditd" { print $5 }' "$T/table")
lr=$(awk '$1 == "limit" { print $2 }' "$T/table")
printf '%-14s %10s %9s %10s %10s %9s %8s %8s %8s %8s\n' config 'signals/s' 'max lost' 'min rows' \
	'cpu s/100k' 'RSS kB' 'B/event' 'rate/ad' 'rate/lim' 'cpu/ad'
awk -v ar="${ar:-0}" -v ac="${ac:-0}" -v lr="${lr:-0}" '
	function ratio(a, b) { return (a != "-" && b > 0) ? sprintf("%.2f", a / b) : "-" }
	{ printf "%-14s %10s %9s %10s %10s %9s %8s %8s %8s %8s\n", $1, $2, $3, $4, $5, $6, $7,
		ratio($2, ar), ratio($2, lr), ratio($5, ac) }' "$T/table"
echo "(rows: signals stored, $sent expected; auditd: SYSCALL records logged; limit: SYSCALL records counted. B/event: the sigtraild database after its stop, the auditd log.)"
[ -s "$T/notes" ] && echo "(sigtraild WAL at the end of a storm, largest: $(awk '{ print $3 }' "$T/notes" | sort -n | tail -1) bytes; bounded by the checkpoints, not per event)"
true
