#!/bin/bash
# status.sh: `sigtrail status` with and without a running sigtraild, as
# root (kernel status and rules read) and as nobody (unknown, and why),
# --json, and a database that is missing.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/s.db
fixture_db "$DB"

run_cli status --db "$DB"
is "$RC" 3 "no daemon: exit 3"
like "$OUT" "collector: NOT running \(no sigtraild process writes this database\)" "no daemon: said so"
like "$OUT" "last run:  stopped, source stdin" "the last run recorded in the database"
like "$OUT" "database:  $DB, [0-9.]+ KiB.*, schema $SCHEMA_VERSION, $((LIVE_ROWS - 1)) rows" \
	"database: path, size, schema, rows"
like "$OUT" "events:    first 2026-11-22 04:07:33.532, last 2026-11-22 04:07:36.976" "first and last event"
like "$OUT" "last 24h:  " "the last day's coverage"
if [ "$(id -u)" = 0 ]; then
	like "$OUT" "kernel:    audit enabled [0-2].*, lost [0-9]+, backlog [0-9]+ of [0-9]+" "root: the kernel's audit status"
	like "$OUT" "rules:     [0-9]+ of [0-9]+ sigtrail audit rules loaded" "root: the rules"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$SIGTRAIL" status --db "$DB" >"$T/o" 2>&1
	like "$(cat "$T/o")" "rules:     unknown: the kernel tells this only to root \(CAP_AUDIT_CONTROL\)" "nobody: rules unknown, and why"
fi

# A running daemon: stdin source, input held open.
mkfifo "$T/fifo"
"$SIGTRAILD" --foreground --source stdin --db "$DB" <"$T/fifo" 2>"$T/d.log" &
daemon=$!
exec 7>"$T/fifo"
for _ in $(seq 100); do grep -q ready "$T/d.log" && break; sleep 0.05; done
run_cli status --db "$DB"
is "$RC" 0 "daemon running: exit 0"
like "$OUT" "collector: running: sigtraild pid $daemon, source stdin" "daemon running: its pid and source"
like "$OUT" "last run:  running, source stdin, pid $daemon" "daemon running: its run"
run_cli status --db "$T/other.db"
is "$RC" 3 "a daemon for another database does not count"
like "$OUT" "\(sigtraild pid $daemon writes another database: $DB\)" "but is mentioned"
run_cli status --db "$DB" --json
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = [x for x in d["daemon"]["processes"] if x["this_database"]][0]
print(d["daemon"]["running"], p["pid"], p["source"], d["last_run"]["status"], d["database"]["rows"], d["database"]["readable"], d["coverage_24h"]["recorded"])')" \
	"True $daemon stdin running $((LIVE_ROWS - 1)) True True" "--json"
exec 7>&-
wait "$daemon"
is "$?" 0 "the daemon stopped at end of input"

# The stop's sender is named in the log line and the run's row in every
# mode, here the stdin source: a process that stays alive while the daemon
# reads its /proc entry.
"$SIGTRAILD" --foreground --source stdin --db "$DB" <"$T/fifo" 2>"$T/d2.log" &
daemon=$!
exec 7>"$T/fifo"
for _ in $(seq 100); do grep -q ready "$T/d2.log" && break; sleep 0.05; done
python3 -c 'import os, sys, time; os.kill(int(sys.argv[1]), 15); time.sleep(30)' "$daemon" &
sender=$!
wait "$daemon"
is "$?" 0 "SIGTERM: the daemon stopped with status 0"
kill "$sender"
exec 7>&-
like "$(cat "$T/d2.log")" "stopping on Terminated: SIGTERM from pid $sender \(uid [0-9]+[^,]*, python3: [^ ]*python3 -c import os" \
	"the stop line names the sender: pid, comm, command line"
like "$(q "$DB" 'select stopped_by from coverage order by run desc limit 1')" "^SIGTERM from pid $sender " \
	"and so does the run's coverage row"
like "$(q "$DB" 'select boot_epoch_ms from collector_runs order by id desc limit 1')" '^[0-9]{13}$' \
	"the run recorded the boot's wall-clock time"

# Beside auditd (multicast), with the kernel's default backlog limit of 64,
# as the run recorded it (the kernel tells its own only to root), the
# newest run.
sqlite3 "$DB" "insert into collector_runs(started_ms, heartbeat_ms, stopped_ms, ended, source, pid,
	version, backlog_limit) select m + 1, m + 2, m + 2, 'stopped', 'multicast', 4321, 'test', 64
	from (select max(heartbeat_ms) as m from collector_runs)"
as_nobody=()
if [ "$(id -u)" = 0 ]; then
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	chmod a+r "$DB" # the daemon made it 0640
fi
"${as_nobody[@]}" "$SIGTRAIL" status --db "$DB" >"$T/o" 2>&1
OUT=$(cat "$T/o")
like "$OUT" "last run:  stopped, source multicast, pid 4321" "a multicast run"
like "$OUT" "mode:      beside auditd \(multicast\): auditd is the audit daemon and writes the audit log;" \
	"multicast: explained"
like "$OUT" "sigtrail's audit rules \(key sigtrail\) also fill auditd's log" "multicast: auditd's log fills too"
like "$OUT" "WARNING:   the kernel's audit backlog limit is 64 records \(the kernel's default: no rule sets -b\)" \
	"a small backlog limit: warned"
like "$OUT" "Raise it
           to 8192: -b 8192 in /etc/audit/rules.d/audit.rules, then augenrules --load." "and how to raise it"
"${as_nobody[@]}" "$SIGTRAIL" status --db "$DB" --json >"$T/o" 2>&1
is "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["last_run"]["backlog_limit"])' "$T/o")" 64 \
	"--json: the run's backlog limit"

run_cli status --db "$T/missing.db"
is "$RC" 3 "missing database, no daemon: exit 3"
like "$OUT" "database:  $T/missing.db, -: NOT readable" "missing database: said so"
like "$ERR" "does not exist" "missing database: the error"
run_cli status --db "$DB" --bogus
is "$RC" 64 "bad option: exit 64"
done_testing
