#!/bin/bash
# watch.sh: `sigtrail watch` and `sigtrail list --follow` while rows are
# added to the database (`sigtrail import` of more audit text for signals,
# a death row as the daemon writes one): the header once, each new event on
# one line with fixed columns (or one JSON object per line) within a moment,
# the filters, and a clean stop with status 0 on SIGINT, SIGTERM and a
# closed pipe; and an idle watch reads nothing from the database.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/k.db
deaths_db "$DB"
shifted_log 100000 >"$T/more1.log"
shifted_log 200000 >"$T/more2.log"
shifted_log 300000 >"$T/more3.log"
BEFORE=$(q "$DB" 'select max(id) from signal_rows')

# lines FILE: how many lines FILE has.
lines() { wc -l <"$1"; }
# has_lines FILE N: FILE has at least N lines.
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }
ms() { date +%s%3N; }

# A watch of everything, from now on.
"$SIGTRAIL" watch --db "$DB" --utc >"$T/w.out" 2>"$T/w.err" &
W=$!
wait_until 10 has_lines "$T/w.out" 1
like "$(head -1 "$T/w.out")" '^TIME \(UTC\) +EVENT +SIGNAL +RESULT +PID USER +COMM +TARGET COMM +DETAIL$' \
	"watch: the header first, naming the zone"
sleep 0.5
is "$(lines "$T/w.out")" 1 "watch: nothing stored since it started, nothing shown"

"$SIGTRAIL" import --db "$DB" "$T/more1.log" >/dev/null 2>"$T/import.err" || bail "import failed: $(cat "$T/import.err")"
t0=$(ms)
NEW=$(q "$DB" "select count(*) from signal_rows where id > $BEFORE")
wait_until 10 has_lines "$T/w.out" $((NEW + 1))
t1=$(ms)
is "$(lines "$T/w.out")" $((NEW + 1)) "watch: one line per new signal row ($NEW)"
diag "the rows showed $((t1 - t0)) ms after the import committed them"
ok "watch: shown within 2 s of the commit (it polls every 200 ms)" test $((t1 - t0)) -lt 2000
like "$(cat "$T/w.out")" "signal SIGKILL +ok +[0-9]+ root +sh +$SH_VICTIM sleep +sh -c kill -9 $SH_VICTIM" \
	"watch: a signal line: event, signal, result, sender, target, command line"
like "$(cat "$T/w.out")" "signal SIGTERM +EPERM +[0-9]+ nobody +kill +$EPERM_VICTIM sleep" "watch: a refused signal"
is "$(tail -n +2 "$T/w.out" | cut -c1-23 | sort -c && echo sorted)" sorted "watch: in time order"
is "$(awk 'NR > 1 && substr($0, 25, 7) != "signal "' "$T/w.out" | wc -l)" 0 "watch: fixed columns (EVENT at column 25)"

# A death, as the daemon's writer stores one.
sqlite3 "$DB" "insert into death_rows(epoch_ms, host_s, pid, start_time, signal, core_dumped, uid,
	user_s, comm_s, exe_s, cmdline_s, ppid, pidns, nspid, cause, evidence, oom_constraint_s, oom_memcg_s,
	oom_task_memcg_s, oom_rss_kb) select epoch_ms + 1000, host_s, 4999, start_time, signal, 0, uid,
	user_s, comm_s, exe_s, cmdline_s, ppid, pidns, 4999, cause, 'the OOM killer again', oom_constraint_s,
	oom_memcg_s, oom_task_memcg_s, oom_rss_kb from death_rows where pid = 4000"
wait_until 10 has_lines "$T/w.out" $((NEW + 2))
like "$(tail -1 "$T/w.out")" '^[0-9-]+ [0-9:.]+ death +SIGKILL +oom +- app +- +4999 java +the OOM killer again$' \
	"watch: a death line: signal, cause, user, the dead pid and comm, the evidence"

kill -INT "$W"
wait "$W"
is "$?" 0 "watch: SIGINT ends it with status 0"
is "$(cat "$T/w.err")" "" "watch: nothing on stderr"

# Filters: a signal-only filter, and --deaths.
"$SIGTRAIL" watch --db "$DB" --signal KILL --sender-comm sh >"$T/k.out" 2>&1 &
K=$!
"$SIGTRAIL" watch --db "$DB" --deaths --json >"$T/d.out" 2>&1 &
D=$!
wait_until 10 has_lines "$T/k.out" 1
BEFORE=$(q "$DB" 'select max(id) from signal_rows')
"$SIGTRAIL" import --db "$DB" "$T/more2.log" >/dev/null 2>&1
sqlite3 "$DB" "insert into death_rows(epoch_ms, pid, signal, core_dumped, comm_s, cause, evidence)
	select epoch_ms + 2000, 4998, 11, 1, comm_s, 'crash', 'core dumped again' from death_rows where pid = 4100"
WANT=$(q "$DB" "select count(*) from signals where id > $BEFORE and signal = 9 and sender_comm = 'sh'")
wait_until 10 has_lines "$T/k.out" $((WANT + 1))
wait_until 10 has_lines "$T/d.out" 1
sleep 0.5
kill -TERM "$K" "$D"
wait "$K"
is "$?" 0 "watch: SIGTERM ends it with status 0"
wait "$D"
is "$(tail -n +2 "$T/k.out" | awk '{print $3 "/" $4 "/" $8}' | sort -u)" "signal/SIGKILL/sh" \
	"watch --signal KILL --sender-comm sh: only those signals, no deaths"
is "$(lines "$T/k.out")" $((WANT + 1)) "watch --signal KILL --sender-comm sh: each of them ($WANT)"
is "$(python3 -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(len(rows), rows[0]["event"], rows[0]["pid"], rows[0]["cause"], rows[0]["core_dumped"])' "$T/d.out")" \
	"1 death 4998 crash 1" "watch --deaths --json: one object per line, the deaths view's keys and \"event\""

# --json of signals; --since shows what was stored since then first.
"$SIGTRAIL" watch --db "$DB" --json --since @0 --signal TERM --target-pid "$EPERM_VICTIM" >"$T/j.out" &
J=$!
WANT=$(q "$DB" "select count(*) from signals where signal = 15 and target_pid = $EPERM_VICTIM")
wait_until 10 has_lines "$T/j.out" "$WANT"
sleep 0.3
kill -INT "$J"
wait "$J"
is "$?" 0 "watch --since: ends with 0 on SIGINT"
OUT=$(cat "$T/j.out")
is "$(printf '%s\n' "$OUT" | python3 -c 'import json,sys
rows = [json.loads(l) for l in sys.stdin]
print(len(rows), sorted({r["event"] for r in rows}), sorted({r["signame"] for r in rows}))')" \
	"$WANT ['signal'] ['SIGTERM']" \
	"watch --since --json: every stored match first, one signal object per line (no deaths: none is of pid $EPERM_VICTIM)"

# A closed pipe ends it with status 0: the reader gone while idle (poll sees
# it) and while it writes (EPIPE).
timeout 10 "$SIGTRAIL" watch --db "$DB" | head -1 >"$T/h.out"
is "${PIPESTATUS[0]}/$(cat "$T/h.out" | cut -c1-10)" "0/TIME (UTC)" "watch | head -1: ends with status 0 after the header"
timeout 10 "$SIGTRAIL" watch --db "$DB" --since @0 | head -3 >"$T/h.out"
is "${PIPESTATUS[0]}/$(lines "$T/h.out")" "0/3" "watch --since @0 | head -3: status 0"
timeout 10 "$SIGTRAIL" watch --db "$DB" --since @0 --json | true
is "${PIPESTATUS[0]}" 0 "watch | true: a pipe closed before the first write: status 0"

# An idle watch costs the database nothing: it reads no byte (it stats the
# files, and every 2 s asks PRAGMA data_version through the shared memory).
"$SIGTRAIL" watch --db "$DB" >/dev/null 2>&1 &
I=$!
sleep 0.5
if [ -r "/proc/$I/io" ]; then
	r0=$(sed -n 's/^rchar: //p' "/proc/$I/io")
	sleep 2.5
	r1=$(sed -n 's/^rchar: //p' "/proc/$I/io")
	is "$((r1 - r0))" 0 "an idle watch reads nothing for 2.5 s"
else
	skip "an idle watch reads nothing" "no /proc/PID/io here"
fi
kill -INT "$I"
wait "$I"

# list --follow: the newest --limit rows oldest first, then new ones.
"$SIGTRAIL" list --follow --db "$DB" --limit 2 --signal KILL >"$T/f.out" 2>"$T/f.err" &
F=$!
wait_until 10 has_lines "$T/f.out" 3
is "$(tail -n +2 "$T/f.out" | cut -c1-23)" \
	"$(q "$DB" "select replace(substr(time, 1, 23), 'T', ' ') from (select time, id from signals where signal = 9 order by id desc limit 2) order by id")" \
	"list --follow --limit 2: the two newest rows, oldest first"
like "$(head -1 "$T/f.out")" '^TIME \(UTC\) +SIGNAL +RESULT +PID USER +COMM +TARGET COMM +COMMAND$' "list --follow: list's header"
"$SIGTRAIL" import --db "$DB" "$T/more3.log" >/dev/null 2>&1
WANT=$(q "$DB" "select count(*) from signals where signal = 9 and serial > 300000")
wait_until 10 has_lines "$T/f.out" $((WANT + 3))
sleep 0.3
kill -INT "$F"
wait "$F"
is "$?/$(lines "$T/f.out")" "0/$((WANT + 3))" "list --follow: each new KILL row, and SIGINT ends it with 0"

# Usage errors.
run_cli watch --db "$DB" --until 1h
is "$RC" 64 "watch --until: exit 64"
like "$ERR" "watch: --until" "watch --until: said"
run_cli watch --db "$DB" --cause oom --sender-pid 1
is "$RC" 64 "watch --cause with a sender filter: exit 64"
run_cli watch --db "$DB" --deaths --signals
is "$RC" 64 "watch --deaths --signals: exit 64"
run_cli watch --db "$T/none.db"
is "$RC" 66 "watch on a missing database: exit 66"
run_cli list --follow --db "$DB" --until 1h
is "$RC" 64 "list --follow --until: exit 64"
run_cli watch --help
like "$OUT" "Examples:" "watch --help has examples"

done_testing
