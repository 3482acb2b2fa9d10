#!/bin/bash
# import.sh: `sigtrail import`: the rows it adds equal the daemon's replay of
# the same log, importing twice adds nothing (dedupe on host + serial +
# time, including against rows the daemon recorded live), stdin, errors,
# and an import while a daemon writes the same database.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG=$FIXTURES/kernel.log
cols="serial, epoch_ms, host, arch, syscall, signal, success, errno, target_arg, sender_pid,
	sender_ppid, sender_uid, sender_user, sender_comm, sender_exe, sender_cmdline, target_pid,
	target_uid, target_comm, count"

run_cli import --db "$T/i.db" "$LOG"
is "$RC" 0 "import: exit 0"
like "$OUT" "kernel.log: 73 lines, 17 signal events, $((LIVE_ROWS - 1)) rows added, 0 events already stored" "per-file summary"
like "$OUT" "total: 17 signal events, $((LIVE_ROWS - 1)) rows added to $T/i.db, 0 events were already stored" "total"
fixture_db "$T/live.db"
is "$(q "$T/i.db" "select $cols from signals order by serial, target_pid")" \
	"$(q "$T/live.db" "select $cols from signals order by serial, target_pid")" \
	"the rows equal the daemon's own replay of the log"

run_cli import --db "$T/i.db" "$LOG"
is "$RC" 0 "second import: exit 0"
like "$OUT" "0 rows added, 17 events already stored" "second import: nothing added"
is "$(q "$T/i.db" 'select count(*) from signals')" "$((LIVE_ROWS - 1))" "second import: row count unchanged"
run_cli import --db "$T/i.db" "$LOG" "$LOG" - <"$LOG"
like "$OUT" "total: 51 signal events, 0 rows added to .*, 51 events were already stored" "the same log three times in one run (file, file, stdin): nothing added"

run_cli import --db "$T/live.db" "$LOG"
like "$OUT" "0 rows added, 17 events already stored" "events the daemon recorded live are not imported again"
run_cli --utc import --db "$T/live.db" --local "$LOG"
is "$RC" 0 "--utc and --local, taken by every command, are accepted (import prints no times)"

run_cli import --db "$T/i.db" --host elsewhere "$LOG"
like "$OUT" "$((LIVE_ROWS - 1)) rows added" "dedupe is per host: --host elsewhere adds the rows again"
is "$(q "$T/i.db" "select count(*) from signals where host = 'elsewhere'")" "$((LIVE_ROWS - 1))" "--host names records without node="

run_cli import --db "$T/s.db" - <"$LOG"
like "$OUT" "^-: 73 lines, 17 signal events, $((LIVE_ROWS - 1)) rows added" "- reads standard input"

run_cli import --db "$T/sig0.db" --include-sig0 "$LOG"
is "$(q "$T/sig0.db" 'select count(*) from signals where signal = 0')" 1 "--include-sig0 keeps the probe"

# Hostile input: garbage, an oversized line, binary noise; counted, not fatal.
{ echo "garbage"; head -c 40000 /dev/zero | tr '\0' A; echo; cat "$LOG"; printf 'type=OBJ_PID msg=audit(\x01\xff\n'; } >"$T/hostile.log"
run_cli import --db "$T/h.db" "$T/hostile.log"
is "$RC" 0 "hostile input: exit 0"
like "$OUT" "skipped 1 unparsable and 1 oversized lines, 1 malformed records" "hostile input: every skipped line counted"
is "$(q "$T/h.db" 'select count(*) from signals')" "$((LIVE_ROWS - 1))" "hostile input: the same rows"

# Errors: nothing is written when an input is missing.
run_cli import --db "$T/e.db" "$LOG" "$T/missing.log"
is "$RC" 66 "a missing input: exit 66"
like "$ERR" "missing.log: No such file or directory" "a missing input: named"
ok "a missing input: the database is not created" test ! -e "$T/e.db"
gzip -c "$LOG" >"$T/a.log.gz"
run_cli import --db "$T/e.db" "$T/a.log.gz"
is "$RC" 65 "a compressed log: exit 65"
like "$ERR" "gzip-compressed; use \`zcat .* \| sigtrail import -\`" "a compressed log: says what to do"
run_cli import --db "$T/e.db" "$T"
is "$RC" 66 "a directory: exit 66"
run_cli import --db "$T/e.db"
is "$RC" 64 "no input: exit 64"
sqlite3 "$T/other.db" 'create table t(x)'
run_cli import --db "$T/other.db" "$LOG"
is "$RC" 65 "another application's database: exit 65"
is "$(q "$T/other.db" "select group_concat(name) from sqlite_master")" t "another application's database: untouched"
run_cli import --db /proc/sigtrail/x.db "$LOG"
is "$RC" 73 "an unwritable database: exit 73"
cp "$T/i.db" "$T/newer.db"
sqlite3 "$T/newer.db" 'pragma user_version = 99'
run_cli import --db "$T/newer.db" "$LOG"
is "$RC" 65 "a newer schema: exit 65"

# While a daemon writes: sigtraild replays one log slowly into the database
# (every event its own row: --coalesce 0) while import adds another; then
# the daemon's events are not imported again.
shifted_log $(seq 1000 1000 30000) >"$T/daemon.log"
shifted_log $(seq 31000 1000 60000) >"$T/other.log"
slow_feed "$T/daemon.log" 0.005 |
	"$SIGTRAILD" --foreground --source stdin --coalesce 0 --db "$T/c.db" 2>"$T/c.log" &
daemon=$!
sleep 0.5
run_cli import --db "$T/c.db" "$T/other.log"
is "$RC" 0 "import while the daemon writes: exit 0"
like "$OUT" "$((30 * (LIVE_ROWS - 1))) rows added" "import while the daemon writes: every row added"
wait "$daemon"
is "$?" 0 "the daemon was not disturbed"
is "$(q "$T/c.db" 'select count(*) from signals')" "$((60 * (LIVE_ROWS - 1)))" "every event of both logs, once"
run_cli import --db "$T/c.db" "$T/daemon.log"
like "$OUT" "0 rows added, 510 events already stored" "the daemon's events are not imported again"
is "$(q "$T/c.db" "select count(*) from coverage where source = 'stdin' and status = 'stopped'")" 1 \
	"the daemon's run beside the imports is its own, stopped by itself (never closed as crashed by an import)"

# Each import is a run of source import in the coverage view (sigtrail-schema(5)):
# the span of the events it read, what it stored and what it could not read.
t0=$(sed -n '1s/.*msg=audit(\([0-9]*\)\.\([0-9]*\):.*/\1\2/p' "$LOG")
# A garbage line, and a kill whose pid argument is no number (a malformed event).
{
	echo 'garbage line'
	grep -m1 'type=SYSCALL' "$LOG" | sed 's/:8): /:7): /; s/ a0=[0-9a-f]* / a0=zz /'
	echo 'type=EOE msg=audit(1795320453.532:7): '
	cat "$LOG"
} >"$T/junk.log"
run_cli import --db "$T/r.db" "$T/junk.log"
like "$OUT" "skipped 1 unparsable and 0 oversized lines, 0 malformed records, 1 malformed events" \
	"the per-file summary names the malformed event"
is "$(q "$T/r.db" "select source, status, events, rows, lost_unparsable, processes from coverage")" \
	"import|stopped|17|$((LIVE_ROWS - 1))|2|off: import" "the import's run: events, rows and the 2 it could not read"
is "$(q "$T/r.db" "select started_ms = $t0, until_ms = (select max(epoch_ms) from signals) from coverage")" "1|1" \
	"its span is the imported events'"
sqlite3 "$T/r.db" "insert into collector_runs(started_ms, heartbeat_ms, source, pid, version) values (1, 2, 'unicast', 1, 'x')"
run_cli import --db "$T/r.db" "$LOG"
is "$(q "$T/r.db" "select group_concat(source || ':' || status || ':' || rows, ' ') from (select * from coverage order by run)")" \
	"import:stopped:$((LIVE_ROWS - 1)) unicast:running:0 import:stopped:0" \
	"a second import is a run of its own, and an open run (a daemon's) stays open"

# The hash chain (schema 016): every row sealed by the daemon (fed on
# stdin) and by an import is chained; an edit or a deletion outside the
# daemon's pruning is named by `sigtrail verify`.
n=$(q "$T/live.db" 'select count(*) from signal_rows')
run_cli verify --db "$T/live.db"
is "$RC" 0 "verify: the daemon's database is intact: exit 0" || diag "$ERR"
like "$OUT" "^chain intact: $n rows \(ids 1 to $n\)" "verify: every row the daemon stored is chained"
run_cli verify --db "$T/i.db"
is "$RC" 0 "verify: an imported database is intact" || diag "$OUT $ERR"
cp "$T/i.db" "$T/edit.db"
sqlite3 "$T/edit.db" "update signal_rows set sender_pid = 4242 where id = 5"
run_cli verify --db "$T/edit.db"
is "$RC" 1 "verify: an edited row: exit 1"
like "$OUT" "chain BROKEN at signal row 5: edited" "verify: names the edited row"
cp "$T/i.db" "$T/del.db"
sqlite3 "$T/del.db" "delete from signal_rows where id = 6"
run_cli verify --db "$T/del.db"
is "$RC" 1 "verify: a deleted row: exit 1"
like "$OUT" "chain BROKEN at signal row 6: deleted" "verify: names the deleted row"
sqlite3 "$T/del.db" "delete from chain_rows where id = 6"
run_cli verify --db "$T/del.db"
like "$OUT" "chain BROKEN at signal row 7: edited, or a row before it was deleted" \
	"verify: a row deleted with its chain entry breaks the next row's link"
cp "$T/i.db" "$T/str.db"
sqlite3 "$T/str.db" "update strings set value = 'innocent' where id = (select sender_cmdline_s from signal_rows where id = 2)"
run_cli verify --db "$T/str.db"
first=$(q "$T/str.db" "select min(id) from signal_rows where sender_cmdline_s = (select sender_cmdline_s from signal_rows where id = 2)")
like "$OUT" "chain BROKEN at signal row $first: edited" "verify: an edited command line (in the strings table) too: the first row that shows it"
# A log whose events never end (SYSCALL and OBJ_PID records without
# PROCTITLE or EOE), 30,000 of them in one millisecond, all to one pid:
# libauparse kept every one open in a list it scanned per line, and the
# duplicate checks read every row of that millisecond and of that target,
# all quadratic (over a minute here). Now every line costs the same: 64
# events at most are open, the oldest is completed early and counted, and
# the duplicate checks are index searches (schema 17).
awk 'BEGIN { for (i = 1; i <= 30000; i++) printf "type=SYSCALL msg=audit(1795320453.000:%d): arch=c000003e syscall=62 success=yes exit=0 a0=1000 a1=f a2=0 a3=0 items=0 ppid=1 pid=%d auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"kill\" exe=\"/usr/bin/kill\" key=\"sigtrail\"\ntype=OBJ_PID msg=audit(1795320453.000:%d): opid=1000 oauid=-1 ouid=0 oses=-1 ocomm=\"x\"\n", i + 100, 500 + i, i + 100 }' >"$T/noeoe.log"
timeout 20 "$SIGTRAIL" import --db "$T/noeoe.db" "$T/noeoe.log" >"$T/out" 2>"$T/err"
RC=$? OUT=$(cat "$T/out")
is "$RC" 0 "30,000 events without an end import in well under 20 s (exit 124: timed out)"
like "$OUT" "noeoe.log: 60000 lines, 29936 signal events, 29936 rows added, 0 events already stored; 29936 events without their last record \(PROCTITLE\), 29936 of them completed early because 64 were open at once" \
	"the per-file summary counts the events completed early"
like "$OUT" "total: 30000 signal events, 30000 rows added .*; 30000 events without their last record \(PROCTITLE\), 29936 of them completed early" \
	"the total counts the 64 still open at the end too"
is "$(q "$T/noeoe.db" "select count(distinct serial), min(serial), max(serial), sum(target_pid = 1000), lost_unparsable from signals, coverage")" \
	"30000|101|30100|30000|29936" "every event is a row once, with its target; the early ones reach coverage as losses"
# A log from another host keeps the names it carries. The ENRICHED fixture
# (recorded from auditd) as if from node=web-3, where uid 0 is alice and the
# targets' owner carol: the rows say so, though uid 0 is root here. A RAW log
# of web-3 carries no names: its ids are kept, its user columns are NULL
# (never this machine's names for another host's ids).
ENR=$CLI_TESTS/fixtures/auditd-enriched.log
sed 's/^node=sigtrail-rec /node=web-3 /; s/ UID="root"/ UID="alice"/; s/ OUID="root"/ OUID="carol"/' "$ENR" >"$T/web3-enriched.log"
run_cli import --db "$T/web3.db" "$T/web3-enriched.log"
is "$RC" 0 "an ENRICHED log of node=web-3 imports"
is "$(q "$T/web3.db" "select count(*), count(distinct host), min(host), sum(sender_uid = 0 and sender_user is not 'alice'), sum(target_uid = 0 and target_user is not 'carol'), sum(sender_uid = 65534 and sender_user = 'nobody') from signals")" \
	"$(q "$T/web3.db" "select count(*) from signals")|1|web-3|0|0|1" \
	"every row has the names the log gave (alice for uid 0, carol for the targets), not root"
is "$(q "$T/web3.db" "select count(*) from signals where sender_login is not null")" 0 \
	"AUID=\"unset\" is no login name"
sed "s/^node=web-3 /node=$(hostname) /" "$T/web3-enriched.log" >"$T/here-enriched.log"
run_cli import --db "$T/own.db" "$T/here-enriched.log"
is "$(q "$T/own.db" "select count(*) > 0, sum(sender_user is not 'alice') from signals where sender_uid = 0")" "1|0" \
	"this host's own ENRICHED log: the names it carries too (as auditd resolved them then)"
sed 's/^/node=web-3 /' "$CLI_TESTS/fixtures/auditd-raw.log" >"$T/web3-raw.log"
run_cli import --db "$T/web3.db" "$T/web3-raw.log"
is "$(q "$T/web3.db" "select count(*) > 0, sum(sender_user is not null or target_user is not null), sum(sender_uid is null) from signals where serial in (select serial from signals group by serial having count(distinct sender_user is null) = 1) and sender_user is null")" \
	"1|0|0" "a RAW log of web-3: the ids are kept, no local name is given to them"
run_cli import --db "$T/hostopt.db" --host web-3 "$LOG"
is "$(q "$T/hostopt.db" "select count(*) > 0, count(sender_user), count(target_user), count(sender_uid) = count(*) from signals")" \
	"1|0|0|1" "--host web-3 on a RAW log without node=: no local names either"
run_cli import --db "$T/local.db" "$LOG"
is "$(q "$T/local.db" "select count(*) from signals where sender_uid = 0 and sender_user = 'root'")" \
	"$(q "$T/local.db" "select count(*) from signals where sender_uid = 0")" \
	"this machine's own RAW log still takes this machine's names"
done_testing
