#!/usr/bin/env bash
# run.sh BUILD_DIR [SENDERS SIGNALS_EACH ROUNDS]: the collector benchmark.
# Alternates, in one run, the configurations below and prints one table of
# medians, with ratios against auditd measured in the same run:
#   ceiling     audit rules loaded, no reader (the kernel's own ceiling)
#   auditd      the real auditd (private config and log), unicast
#   unicast     sigtraild --source unicast
#   multicast   sigtraild --source multicast (no audit daemon registered)
#   coexist     auditd (unicast) plus sigtraild (multicast beside it)
# Root, a usable audit subsystem (tests/vm/run.sh BUILD -- bash tests/bench/run.sh BUILD
# when this host's audit is locked). Never touches rules other than its own.
set -eu
build=$(cd "${1:?usage: run.sh BUILD_DIR [SENDERS SIGNALS_EACH ROUNDS]}" && pwd)
senders=${2:-2} each=${3:-20000} rounds=${4:-3}
storm=$build/tests/bench/storm
daemon=$build/collector/sigtraild
T=$(mktemp -d)
orig_enabled=$(auditctl -s | awk '$1 == "enabled" { print $2 }')
orig_backlog=$(auditctl -s | awk '$1 == "backlog_limit" { print $2 }')
[ "$orig_enabled" != 2 ] || { echo "run.sh: audit is immutable here; use tests/vm/run.sh" >&2; exit 1; }
cleanup() {
	pkill -TERM -f "$T/" 2>/dev/null || true
	sleep 1
	auditctl -D -k sigtrail-bench >/dev/null 2>&1 || true
	auditctl -e "$orig_enabled" >/dev/null
	auditctl -b "$orig_backlog" >/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

status() { auditctl -s | awk -v k="$1" '$1 == k { print $2 }'; }
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
start_auditd() {
	mkdir -p "$T/auditd/plugins.d"
	printf '%s\n' "log_file = $T/audit.log" "log_format = RAW" "flush = NONE" "freq = 0" \
		"write_logs = yes" "max_log_file_action = IGNORE" "space_left = 2" \
		"space_left_action = IGNORE" "admin_space_left = 1" "admin_space_left_action = IGNORE" \
		"disk_full_action = IGNORE" "disk_error_action = IGNORE" "plugin_dir = $T/auditd/plugins.d" \
		>"$T/auditd/auditd.conf"
	chmod -R go-w "$T/auditd"
	: >"$T/audit.log"
	auditd -n -c "$T/auditd" 2>/dev/null &
	AUDITD=$!
	for _ in $(seq 100); do [ "$(status pid)" = "$AUDITD" ] && break; sleep 0.1; done
	auditctl -b 8192 >/dev/null
}
stop_pid() { kill -TERM "$1"; wait "$1" 2>/dev/null || true; }
start_sigtraild() { # source
	rm -f "$T/b.db"*
	"$daemon" --foreground --db "$T/b.db" --source "$1" --coalesce 0 2>"$T/d.log" &
	SIGTRAILD=$!
	for _ in $(seq 100); do grep -q ready "$T/d.log" && break; sleep 0.1; done
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# one CONFIG: prints "config rate lost rows cpu_s_per_100k rss_kb bytes_per_event"
one() {
	local config=$1 pid='' lost0 out rate rows=- cpu=- rss=- bytes=- c0=0
	case $config in
	ceiling) auditctl -e 1 >/dev/null; bench_rules add ;;
	auditd) start_auditd; bench_rules add; pid=$AUDITD ;;
	unicast) start_sigtraild unicast; pid=$SIGTRAILD ;;
	multicast) auditctl -e 1 >/dev/null; start_sigtraild multicast; pid=$SIGTRAILD ;;
	coexist) start_auditd; start_sigtraild auto; pid=$SIGTRAILD ;;
	esac
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	lost0=$(status lost)
	out=$("$storm" "$senders" "$each")
	rate=$(awk '{ print $6 }' <<<"$out")
	sleep 1
	local lost=$(($(status lost) - lost0))
	if [ -n "$pid" ]; then
		cpu=$(awk -v t=$(($(cpu_ticks "$pid") - c0)) -v hz="$(getconf CLK_TCK)" -v n=$((senders * each)) \
			'BEGIN { printf "%.3f", t / hz * 100000 / n }')
		rss=$(hwm_kb "$pid")
	fi
	case $config in
	ceiling) bench_rules delete ;;
	auditd) stop_pid "$AUDITD"; bench_rules delete
		rows=$(grep -c 'syscall=62' "$T/audit.log")
		bytes=$(($(stat -c %s "$T/audit.log") / (rows > 0 ? rows : 1))) ;;
	unicast | multicast | coexist)
		stop_pid "$SIGTRAILD"
		rows=$(sqlite3 "$T/b.db" "select coalesce(sum(count), 0) from signals where signal = 10")
		bytes=$(($(stat -c %s "$T/b.db") / (rows > 0 ? rows : 1)))
		[ "$config" = coexist ] && stop_pid "$AUDITD" ;;
	esac
	auditctl -e "$orig_enabled" >/dev/null
	auditctl -b "$orig_backlog" >/dev/null
	echo "$config $rate $lost $rows $cpu $rss $bytes"
}

configs=${BENCH_CONFIGS:-ceiling auditd unicast multicast coexist}
for r in $(seq "$rounds"); do
	for c in $configs; do one "$c"; done
done >"$T/results"
sent=$((senders * each))
echo "sigtrail benchmark: $senders senders x $each signals = $sent per run, $rounds rounds, $(nproc) CPUs, $(uname -r)"
printf '%-10s %12s %8s %10s %10s %12s %10s %10s %10s\n' config 'signals/s' lost rows 'cpu/100k' 'peak RSS kB' 'B/event' 'rate/auditd' 'cpu/auditd'
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : "-") }'; }
for c in $configs; do
	col() { awk -v c="$c" -v i="$1" '$1 == c { print $i }' "$T/results" | median; }
	printf '%s %s %s %s %s %s %s\n' "$c" "$(col 2)" "$(col 3)" "$(col 4)" "$(col 5)" "$(col 6)" "$(col 7)"
done >"$T/table"
ar=$(awk '$1 == "auditd" { print $2 }' "$T/table")
ac=$(awk '$1 == "auditd" { print $5 }' "$T/table")
awk -v ar="$ar" -v ac="$ac" '{ rr = ar > 0 ? sprintf("%.2f", $2 / ar) : "-"
	cr = ($5 != "-" && ac > 0) ? sprintf("%.2f", $5 / ac) : "-"
	printf "%-10s %12s %8s %10s %10s %12s %10s %10s %10s\n", $1, $2, $3, $4, $5, $6, $7, rr, cr }' "$T/table"
