#!/bin/bash
# dbswap: the database is removed, or replaced by another file, under the
# running daemon. It notices within a heartbeat, says so, and stops with an
# error (a supervisor restart then creates a new database); a replacement
# that is not a sigtrail database is refused, never written.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 5
mkfifo "$T/feed"
exec 9<>"$T/feed" # keep the FIFO open between writers
DAEMON_STDIN=$T/feed
start_daemon --source stdin
rm -f "$DB" "$DB-wal" "$DB-shm"
wait_until 12 _dead "$DAEMON_PID"
wait "$DAEMON_PID"
is "$?" 74 "database removed: the daemon stops with EX_IOERR (74)"
_daemons=()
like "$(cat "$LOG")" "database $DB was removed or replaced" "and says why"

start_daemon --source stdin
"$SQLITE3" "$T/other.db" 'create table mine(x); insert into mine values (42)'
mv "$T/other.db" "$DB"
wait_until 12 _dead "$DAEMON_PID"
wait "$DAEMON_PID"
is "$?" 74 "database replaced: the daemon stops with EX_IOERR (74)"
_daemons=()
run_daemon_to_exit "$T/restart.log" -- --db "$DB" --source stdin
like "$(cat "$T/restart.log")" 'is not a sigtrail database' "a restart refuses the foreign file"
is "$(qdb "$DB" 'select x from mine')" 42 "the foreign file is untouched"
exec 9>&-
done_testing
