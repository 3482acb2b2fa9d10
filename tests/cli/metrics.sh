#!/bin/bash
# metrics.sh: `sigtrail metrics`: Prometheus text that promtool accepts,
# whose values are the database's (signals by signal and result, deaths by
# signal and cause, every run counter summed, collector up and heartbeat,
# size), written whole with -o.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/m.db
deaths_db "$DB"
# Runs that lost events, one of them open with a fresh heartbeat.
now_ms=$(($(date +%s) * 1000))
sqlite3 "$DB" "delete from collector_runs"
add_run "$DB" 1000 2000 crashed 14
add_run "$DB" 3000 4000 stopped 5
sqlite3 "$DB" "update collector_runs set lost_queue = 3, lost_kernel_log = 2 where id = (select max(id) from collector_runs)"
add_run "$DB" 5000 "$now_ms" running

# Zombies: three found, two of them unreaped under one parent.
sqlite3 "$DB" "insert into zombie_rows(epoch_ms, exit_seen, pid, ppid, parent_is_init) values
	($now_ms, 1, 601, 600, 0), ($now_ms, 1, 602, 600, 0), ($now_ms, 1, 603, 700, 1);
	insert into zombie_reaps(zombie_id, epoch_ms) select id, epoch_ms + 1000 from zombie_rows where pid = 603"
run_cli metrics --db "$DB"
is "$RC" 0 "metrics: exit 0"
printf '%s\n' "$OUT" >"$T/m.prom"
# value NAME{LABELS}: the sample's value.
value() { awk -v k="$1" '$1 == k { print $2 }' "$T/m.prom"; }

if command -v promtool >/dev/null; then
	promtool check metrics <"$T/m.prom" >"$T/promtool.out" 2>&1
	is "$?/$(cat "$T/promtool.out")" "0/" "promtool check metrics accepts it, without a lint warning"
else
	skip "promtool check metrics accepts it" "promtool is not installed (Debian package prometheus)"
fi

is "$(value 'sigtrail_signals_total{signal="SIGKILL",result="ok"}')" \
	"$(q "$DB" "select sum(count) from signals where signal = 9 and success = 1")" "signals: SIGKILL delivered"
is "$(value 'sigtrail_signals_total{signal="SIGTERM",result="EPERM"}')" \
	"$(q "$DB" "select sum(count) from signals where signal = 15 and errno = 'EPERM'")" "signals: SIGTERM refused with EPERM"
is "$(awk '/^sigtrail_signals_total\{/ { n += $2 } END { print n }' "$T/m.prom")" \
	"$(q "$DB" "select sum(count) from signals")" "signals: the samples add up to every signal"
is "$(value 'sigtrail_deaths_total{signal="SIGKILL",cause="pidns-teardown"}')" 2 "deaths: by signal and cause"
is "$(value 'sigtrail_deaths_total{signal="SIGSEGV",cause="crash"}')" 1 "deaths: a crash"
is "$(value sigtrail_zombies_total) $(value sigtrail_zombies_unreaped) $(value sigtrail_zombie_parents)" "3 2 1" \
	"zombies: 3 found, 2 unreaped under 1 parent"
is "$(value sigtrail_collector_lost_kernel_total)" 19 "lost_kernel summed over the runs"
is "$(value sigtrail_collector_lost_queue_total)" 3 "lost_queue"
is "$(value sigtrail_collector_lost_kernel_log_total)" 2 "lost_kernel_log"
# Every run counter of the store (STORE_RUN_COUNTERS) is a metric.
counters=$(sed -n 's/^[[:space:]]*X(\([a-z_]*\)).*/\1/p' "$CLI_TESTS/../../include/sigtrail/store.h")
missing=""
for c in $counters; do grep -q "^sigtrail_collector_${c}_total " "$T/m.prom" || missing="$missing $c"; done
is "$(echo "$counters" | wc -w)/${missing:-none}" "19/none" "every run counter of STORE_RUN_COUNTERS is a metric"
is "$(value sigtrail_collector_up)" 1 "collector up: an open run with a fresh heartbeat"
is "$(value sigtrail_collector_last_heartbeat_timestamp_seconds)" "$((now_ms / 1000)).000" "the last heartbeat, in seconds"
size=$(($(stat -c %s "$DB") + $(stat -c %s "$DB-wal" 2>/dev/null || echo 0)))
is "$(value sigtrail_database_size_bytes)" "$size" "the database size, main file and -wal"
like "$(value 'sigtrail_info{version="'"$(sed -n "s/.*version : '\([^']*\)'.*/\1/p" "$CLI_TESTS/../../meson.build" | head -1)"'",schema="'"$SCHEMA_VERSION"'"}')" '^1$' "sigtrail_info: version and schema"

# A stale heartbeat: down.
sqlite3 "$DB" "update collector_runs set heartbeat_ms = $((now_ms - 120000)) where ended is null"
run_cli metrics --db "$DB"
like "$OUT" $'\nsigtrail_collector_up 0\n' "collector down when its heartbeat is 2 min old"

# -o FILE: written whole, readable by node_exporter, nothing else left.
mkdir "$T/textfile"
run_cli metrics --db "$DB" -o "$T/textfile/sigtrail.prom"
is "$RC/$OUT" "0/" "metrics -o: exit 0, nothing on stdout"
is "$(ls -A "$T/textfile")" "sigtrail.prom" "metrics -o: only the file, no temporary left"
is "$(stat -c %a "$T/textfile/sigtrail.prom")" 644 "metrics -o: mode 0644"
like "$(cat "$T/textfile/sigtrail.prom")" "sigtrail_collector_up 0" "metrics -o: the metrics"
run_cli metrics --db "$DB" -o "$DB-wal"
is "$RC" 73 "metrics -o the database's -wal: refused, exit 73"
run_cli metrics --db "$T/none.db"
is "$RC" 66 "metrics on a missing database: exit 66"
run_cli metrics --db "$DB" --since 1h
is "$RC" 64 "metrics takes no --since: exit 64"

# An old schema: what it has, nothing invented.
OLD=$T/old.db
fixture_db "$OLD"
sqlite3 "$OLD" "drop view deaths"
run_cli metrics --db "$OLD"
is "$RC" 0 "metrics on a database without deaths: exit 0"
unlike "$OUT" "sigtrail_deaths_total" "no deaths family where deaths are not recorded"

done_testing
