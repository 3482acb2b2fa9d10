#!/bin/bash
# jsonl: `sigtraild --jsonl FILE` (collector/store/jsonl.c), fed audit text
# on stdin (a FIFO, so that the daemon runs between two halves of the
# input): each signal row becomes one JSON object a line, keyed by the
# signals view's columns, with the values the database holds; SIGHUP
# reopens the file (logrotate renamed it), and the rows of the second half
# go to the new one, none twice and none lost.
set -u
export LC_ALL=C
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null; pkill -KILL -P $$ sigtraild 2>/dev/null; rm -rf "$T"' EXIT
chmod 700 "$T"
plan 8
LOG=$(cd "$(dirname "$0")/../fixtures" && pwd)/kernel.log

mkfifo "$T/in"
"$SIGTRAILD" --foreground --source stdin --db "$T/t.db" --jsonl "$T/s.jsonl" <"$T/in" 2>"$T/log" &
pid=$!
exec 3>"$T/in"
head -n 58 "$LOG" >&3 # through the group kill: sealed at its commit
_lines() { [ -s "$T/s.jsonl" ]; }
ok "the first rows reach the file" wait_until 30 _lines
mv "$T/s.jsonl" "$T/s.jsonl.1"
kill -HUP "$pid"
ok "SIGHUP: the daemon says it reopens the file" wait_until 10 grep -q 'reopening the JSON-lines file' "$T/log"
tail -n +59 "$LOG" >&3
exec 3>&-
wait "$pid"
is "$?" 0 "sigtraild exits 0 at the end of its input" || diag "$(cat "$T/log")"
ok "the rows after the reopen are in the new file" test -s "$T/s.jsonl"
cat "$T/s.jsonl.1" "$T/s.jsonl" >"$T/all.jsonl"
is "$(wc -l <"$T/all.jsonl")" "$(sqlite3 "$T/t.db" 'select count(*) from signals')" \
	"one line per signal row, over both files"
keys=$(sqlite3 "$T/t.db" "select group_concat(name, ',') from pragma_table_info('signals')")
is "$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(",".join(rows[0].keys()))' "$T/all.jsonl")" "$keys" "every object has the signals view's columns as keys, in order"
is "$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print("|".join("" if r[k] is None else str(r[k]) for k in ("id", "signame", "sender_cmdline", "target_pid", "count")))' \
	"$T/all.jsonl" | sort -n)" \
	"$(sqlite3 "$T/t.db" "select id, signame, sender_cmdline, target_pid, count from signals order by id")" \
	"the values are the database's, each row once"
sqlite3 "$T/t.db" 'select 1' >/dev/null
like "$(cat "$T/log")" "ready: source stdin" "the daemon ran from stdin"
tap_done
