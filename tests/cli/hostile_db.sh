#!/bin/bash
# hostile_db: a database is input like any other. Times of INT64_MIN and
# INT64_MAX (a row's epoch_ms, a run's start and heartbeat), counts that sum
# past 2^63 and a --limit of INT64_MAX must give defined answers: no signed
# overflow (the sanitizer build aborts on one), the time printed as
# "(invalid time)", and a sum that cannot be made refused as a damaged
# value (65, the error naming it), not an internal error (70). And strings
# that would drive a terminal never reach it raw.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MIN=-9223372036854775808 MAX=9223372036854775807
fixture_db "$T/min.db"
sqlite3 "$T/min.db" "update signal_rows set epoch_ms = $MIN where id = (select min(id) from signal_rows);
	update collector_runs set started_ms = $MIN, heartbeat_ms = $MIN, stopped_ms = $MIN, ended = NULL"
cp "$T/min.db" "$T/max.db"
sqlite3 "$T/max.db" "update signal_rows set epoch_ms = $MAX, count = $MAX where id in (select id from signal_rows order by id limit 2);
	update collector_runs set started_ms = $MAX, heartbeat_ms = $MAX, stopped_ms = $MAX"

for db in min max; do
	for cmd in "export" "export --format jsonl" "export --format json" "list" "list --json" \
		"list --limit $MAX" "who $SH_VICTIM" "who --json $SH_VICTIM" "who --limit $MAX $SH_VICTIM" \
		"status" "status --json" "export --deaths --format json"; do
		# shellcheck disable=SC2086 # cmd is words
		run_cli $cmd --db "$T/$db.db"
		unlike "$RC|$ERR" '^(70|1[2-9][0-9])\||runtime error' "$db times: sigtrail $cmd: no overflow, no internal error"
	done
done
run_cli export --db "$T/min.db"
like "$OUT" ',"\(invalid time\)",' "export: an epoch_ms of INT64_MIN is printed as (invalid time)"
run_cli report --db "$T/max.db" --format md
is "$RC" 65 "report: counts summing past 2^63: exit status 65, a damaged value"
like "$ERR" 'integer overflow' "and the error names it"
run_cli report --db "$T/min.db" --format md
is "$RC" 0 "report on INT64_MIN times: exit status 0"
# Found by tests/fuzz/fuzz_db: one row counting 4e18 (its HTML bar was
# 4e18 * 300, a signed overflow), and empty strings, which export appended
# through a buffer not yet allocated (NULL + 0), and a run's losses whose sum
# passes 2^63 (coverage.c added them up): all abort the sanitizer build.
fixture_db "$T/big.db"
sqlite3 "$T/big.db" "update signal_rows set count = 4405135575539149615 where id = (select min(id) from signal_rows);
	update strings set value = '' where id in (select sender_comm_s from signal_rows union select host_s from signal_rows);
	update collector_runs set lost_kernel = 8675407474233667360, lost_socket = 7451597272424412007"
for cmd in "report" "report --format md" "export" "export --format jsonl" "export --format json" \
	"status" "status --json"; do
	# shellcheck disable=SC2086 # cmd is words
	run_cli $cmd --db "$T/big.db"
	# status: 3, as no sigtraild runs
	like "$RC|$(grep -c 'runtime error' <<<"$ERR")" '^[03]\|0$' "a count of 4e18, empty strings, losses past 2^63: sigtrail $cmd exits 0 (or 3), no undefined behaviour"
done
# Every string the database holds carries a C1 CSI, a right-to-left override
# and an ESC sequence (every user controls their own comm and process title;
# an imported log, everything): no answer may print one of them raw.
fixture_db "$T/str.db"
sqlite3 "$T/str.db" "update strings set value = value || char(155) || char(8238) || char(27) || '[2J';
	update collector_runs set source = source || char(155) || char(27), stopped_by = 'x' || char(8238) || char(27)"
for cmd in "who $SH_VICTIM" "who --json $SH_VICTIM" "who sleep" "list" "list --json" "list --deaths" \
	"status" "status --json" "report --format md" "report" "export" "export --format jsonl" \
	"export --format json" "export --deaths"; do
	# shellcheck disable=SC2086 # cmd is words
	case $cmd in status*) run_cli $cmd --db "$T/str.db" ;; *) run_cli $cmd --db "$T/str.db" --until "@$FIXTURE_END" ;; esac
	[ "$RC" = 64 ] && diag "sigtrail $cmd: usage error: $ERR"
	raw=$(printf '%s\n%s' "$OUT" "$ERR" | LC_ALL=C grep -c $'\x1b\|\xc2\x9b\|\xe2\x80\xae')
	is "$raw|$((RC == 64))" "0|0" "sigtrail $cmd: ran, and no raw ESC, C1 control or bidi override in its output"
done
done_testing
