#!/bin/bash
# diskfull: the database on a tiny filesystem that fills up. The daemon keeps
# running and reading, holds the rows it cannot store in memory (up to
# --db-buffer), stores what fits in smaller transactions, says when storing
# resumes, and then stores every held row; only rows beyond the buffer are
# lost, and counted: stored + lost_db = sent, exactly. The file stays intact.
# (Root for the mount; no audit rules: the events come in on stdin.)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gen=$(dirname "${BASH_SOURCE[0]}")/gen-events.sh
SENT=20000 # events of the storm that fills the disk, one row each
LATE=50    # events sent after space returned
plan 20

_stalls() { grep -c 'cannot be written' "$LOG"; }
_resumes() { grep -c 'storing resumed' "$LOG"; }
_not_stalled() { [ "$(_resumes)" = "$(_stalls)" ]; }

# fill NAME [DAEMON-ARG...]: a daemon on a 384 KiB tmpfs gets SENT events,
# then the filesystem grows and LATE events follow. Sets STORED_FULL (rows
# stored while the disk was full) and leaves the daemon stopped.
fill() {
	local name=$1 fifo
	shift
	mkdir "$T/$name" && mount -t tmpfs -o size=384k,mode=0700 "sigtrail-$name" "$T/$name" ||
		bail "cannot mount a tmpfs"
	_mounts+=("$T/$name")
	DB=$T/$name/sigtrail.db
	LOG=$T/$name.log
	fifo=$T/$name.feed
	mkfifo "$fifo"
	exec 9<>"$fifo" # keep the FIFO open between writers
	DAEMON_STDIN=$fifo
	start_daemon --source stdin --coalesce 0 "$@"
	bash "$gen" 1 "$SENT" >&9
	wait_until 20 grep -q 'cannot be written' "$LOG" || diag "$name: the daemon never said the disk was full"
	ok "$name: the daemon is still running with the disk full" alive "$DAEMON_PID"
	like "$(cat "$LOG")" 'cannot be written \(No space left on device\): holding rows in memory' \
		"$name: the log says the disk is full and rows are held"
	STORED_FULL=$(q "select count(*) from signals")
}

# grow: give the filesystem space and wait until every stall has ended.
grow() {
	mount -o remount,size=64m "$(dirname "$DB")" || bail "cannot grow the tmpfs"
	wait_until 20 _not_stalled || diag "storing never resumed: $(tail -3 "$LOG")"
	like "$(tail -n +1 "$LOG")" 'storing resumed' "$1: the log says storing resumed"
	bash "$gen" 30001 "$LATE" >&9
	wait_rows "$LATE" "select count(*) from signals where serial > 30000"
	exec 9>&-
	stop_daemon
}

_mounts=()
trap 'st=$?; for m in "${_mounts[@]}"; do umount -l "$m" 2>/dev/null; done; (exit $st); _cleanup' EXIT

# 1. The default buffer (64 MiB) holds the whole storm: nothing is lost.
fill default
ok "default: what fit was stored while the disk was full ($STORED_FULL rows)" test "$STORED_FULL" -gt 0
grow default
is "$(q "select count(*) from signals where serial <= $SENT")" "$SENT" \
	"default: every held row was stored once space returned"
is "$(q "select count(distinct serial) from signals")" $((SENT + LATE)) "default: each event once"
is "$(q "select count(*) from signals where serial > 30000")" "$LATE" \
	"default: the events after space returned are stored"
is "$(q 'select lost_db from coverage')" 0 "default: coverage counts no row lost to the database"
is "$(q 'pragma integrity_check')" ok "default: integrity_check ok"

# 2. A 1 MiB buffer holds a few thousand rows: the rest is lost, and counted.
fill small --db-buffer 1
wait_until 20 grep -Eq ' [1-9][0-9]* rows refused by the database' "$LOG" ||
	diag "small: no loss was reported"
grow small
stored=$(q "select count(*) from signals")
lost=$(q 'select lost_db from coverage')
ok "small: rows beyond the buffer were lost ($lost)" test "$lost" -gt 0
ok "small: rows within the buffer were stored after the disk was full ($stored > $STORED_FULL)" \
	test "$stored" -gt "$STORED_FULL"
is "$((stored + lost))" $((SENT + LATE)) "small: stored ($stored) + lost_db ($lost) = sent"
is "$(q "select count(*) from signals where serial > 30000")" "$LATE" \
	"small: the events after space returned are stored"
like "$(cat "$LOG")" "stopped: $((SENT + LATE)) events recorded as $stored rows;.* $lost rows refused by the database" \
	"small: the stop line counts the same"
is "$(q 'pragma integrity_check')" ok "small: integrity_check ok"
done_testing
