#!/bin/bash
# diskfull: the database on a tiny filesystem that fills up. The daemon keeps
# running and reading, counts and logs what it could not store, and resumes
# storing when space returns; the file stays intact. (Root for the mount; no
# audit rules: the events come in on stdin.)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gen=$(dirname "${BASH_SOURCE[0]}")/gen-events.sh
plan 7
mkdir "$T/small" && mount -t tmpfs -o size=384k,mode=0700 sigtrail-small "$T/small" ||
	bail "cannot mount a tmpfs"
trap 'st=$?; umount -l "$T/small" 2>/dev/null; (exit $st); _cleanup' EXIT
DB=$T/small/sigtrail.db
mkfifo "$T/feed"
exec 9<>"$T/feed" # keep the FIFO open between writers
DAEMON_STDIN=$T/feed
start_daemon --source stdin --coalesce 0
bash "$gen" 1 20000 >&9
wait_until 20 grep -q 'rows refused by the database' "$LOG"
ok "the daemon is still running with the disk full" alive "$DAEMON_PID"
like "$(cat "$LOG")" 'last database error: No space left on device' "the log says the disk is full"
stored=$(q "select count(*) from signals")
ok "what fit was stored ($stored rows)" test "$stored" -gt 0

mount -o remount,size=64m "$T/small" || bail "cannot grow the tmpfs"
bash "$gen" 30001 50 >&9
wait_rows $((stored + 50)) "select count(*) from signals"
is "$(q "select count(*) from signals where serial > 30000")" 50 "after space returns, new events are stored"
exec 9>&-
stop_daemon
is "$(q 'pragma integrity_check')" ok "integrity_check ok"
ok "coverage counts the rows the database refused ($(q 'select lost_db from coverage'))" \
	test "$(q 'select lost_db from coverage')" -gt 0
done_testing
