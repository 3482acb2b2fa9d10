#!/bin/bash
# readonly.sh: an unprivileged member of the database's group reads the
# database while sigtraild (root) writes it, and after sigtraild stopped.
# The layout is the packaged one (packaging/tmpfiles.conf): the directory
# root:GROUP mode 2750 (setgid: new files get GROUP), sigtraild's umask 027,
# so the database and the -wal and -shm that SQLite creates beside it are
# root:GROUP 0640. Here GROUP is nogroup (65534) and the reader is nobody
# (uid 65534, no other groups). The reader can never write: SQLite uses the
# -shm read-only, or, once sigtraild has stopped and removed -wal/-shm,
# reads the main file alone. Needs root to switch user (else skipped).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root to run the daemon as root and the reader as nobody"
command -v setpriv >/dev/null || skip_all "setpriv (util-linux) is needed"
GID=65534
as_reader() { setpriv --reuid=65534 --regid=$GID --clear-groups "$@"; }
as_stranger() { setpriv --reuid=65534 --regid=12345 --clear-groups "$@"; }

DIR=$T/var-lib-sigtrail
mkdir "$DIR"
chown root:$GID "$DIR"
chmod 2750 "$DIR"
DB=$DIR/sigtrail.db

# shifted copies: 25 x 17 events, fed at about 100 events/s.
shifted_log $(seq 1000 1000 25000) >"$T/feed.log"
slow_feed "$T/feed.log" 0.01 | "$SIGTRAILD" --foreground --source stdin --coalesce 0 --db "$DB" 2>"$T/daemon.log" &
daemon=$!
for _ in $(seq 100); do grep -q ready "$T/daemon.log" && break; sleep 0.05; done
ok "the daemon created its database" test -e "$DB"
is "$(stat -c '%U:%g %a' "$DB" "$DB-wal" "$DB-shm" | sort -u | tr '\n' ' ')" "root:$GID 640 " \
	"database, -wal and -shm are root:GROUP 0640 (setgid directory, umask 027)"

# A live watch as nobody, all along: every row once (--since @0: those
# stored before it started too).
setpriv --reuid=65534 --regid=$GID --clear-groups "$SIGTRAIL" watch --db "$DB" --since @0 --json >"$T/watch.out" 2>"$T/watch.err" &
watcher=$!

reads=0 failures=0 last=0 grew=0
: >"$T/reader.err"
while alive "$daemon"; do
	n=$(as_reader "$SIGTRAIL" list --db "$DB" --limit 0 --json 2>>"$T/reader.err" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') || failures=$((failures + 1))
	# who exits 1 when it finds nothing yet (the victim's first row may not
	# be committed when the first round runs): an answer, not a failure.
	as_reader "$SIGTRAIL" who --db "$DB" "$SH_VICTIM" >/dev/null 2>>"$T/reader.err"
	[ $? -le 1 ] || failures=$((failures + 1))
	as_reader "$SIGTRAIL" export --db "$DB" --format csv >/dev/null 2>>"$T/reader.err" || failures=$((failures + 1))
	reads=$((reads + 1))
	[ "${n:-0}" -gt "$last" ] && grew=$((grew + 1))
	[ "${n:-0}" -lt "$last" ] && failures=$((failures + 1)) && diag "rows went down: $last -> $n"
	last=${n:-$last}
done
wait "$daemon"
is "$?" 0 "the daemon ran to the end of its input, undisturbed"
is "$failures" 0 "every read as nobody while the daemon wrote succeeded ($reads rounds of list, who, export)"
errors=$(grep -v 'info:\|warning: coverage' "$T/reader.err" | head -5)
[ -n "$errors" ] && diag "$errors"
ok "the reader saw the database grow while it was written ($grew of $reads rounds)" test "$grew" -ge 3
total=$(q "$DB" 'select count(*) from signals')
is "$total" $((25 * (LIVE_ROWS - 1))) "every row was written"

watched() { [ "$(wc -l <"$T/watch.out")" -ge "$total" ]; }
wait_until 10 watched
sleep 0.3
kill -INT "$watcher"
wait "$watcher"
is "$?" 0 "watch as nobody while the daemon wrote: SIGINT ends it with 0"
is "$(python3 -c 'import json,sys; ids = [json.loads(l)["id"] for l in open(sys.argv[1])]; print(len(ids), len(set(ids)))' "$T/watch.out")" \
	"$total $total" "watch as nobody while the daemon wrote: every row, each once"
is "$(cat "$T/watch.err")" "" "watch as nobody: no error"

# The reader may not write, even by accident.
as_reader sqlite3 "$DB" "delete from signal_rows" 2>/dev/null
is "$(q "$DB" 'select count(*) from signals')" "$total" "nobody cannot write the database"

# After the daemon stopped: -wal/-shm are gone (or persisted); still readable.
run_as_reader() { as_reader "$SIGTRAIL" "$@" >"$T/out" 2>"$T/err"; RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err"); }
run_as_reader list --db "$DB" --limit 0 --json
is "$RC" 0 "after the daemon stopped: nobody still reads it"
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" "$total" "after the daemon stopped: every row"
ok "and left nothing behind in the directory it may not write" test ! -e "$DB-journal"
run_as_reader status --db "$DB"
like "$OUT" "database:  $DB, .* schema $SCHEMA_VERSION, $total rows" \
	"status as nobody reads the database"
like "$OUT" "kernel:    unknown: the kernel tells this only to root" "status as nobody: kernel status unknown, and why"

as_stranger "$SIGTRAIL" list --db "$DB" >/dev/null 2>"$T/err"
is "$?" 77 "a user outside the group: exit 77"
like "$(cat "$T/err")" "permission denied \(members of the 'sigtrail' group may read it" "a user outside the group: told how to get access"
done_testing
