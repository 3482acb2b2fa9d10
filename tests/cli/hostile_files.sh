#!/bin/bash
# hostile_files: odd files where a database or a log is expected. A FIFO as
# --db is refused at once (open() used to block until a writer came); an
# import of a device (/dev/zero would run forever), a terminal or a socket is
# refused; a log compressed with gzip, xz, bzip2, zstd or lz4 is refused with
# the command that reads it, instead of importing as unparsable lines and
# exiting 0. A FIFO and /dev/null still import. Another application's
# SQLite file is refused before it is changed, and a database import creates
# is mode 0640.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkfifo "$T/fifo.db"
# status exits 3 when no collector runs, whatever else it found.
for cmd in "66 who 1" "66 list" "66 export" "66 report" "3 status"; do
	read -r want cmd <<<"$cmd"
	# shellcheck disable=SC2086 # cmd is words
	timeout 10 "$SIGTRAIL" $cmd --db "$T/fifo.db" >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc|$(cat "$T/err")" "$want|sigtrail: error: database $T/fifo.db is not a regular file" \
		"sigtrail $cmd --db FIFO: refused at once, not blocked"
done

DB=$T/i.db
run_cli import --db "$DB" /dev/zero
is "$RC|$ERR" "65|sigtrail: error: import: /dev/zero is a character device, not a log file or a pipe" \
	"import /dev/zero: refused, not read forever"
"$SIGTRAIL" import --db "$DB" - </dev/zero >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/err")" "65|sigtrail: error: import: standard input is a character device, not a log file or a pipe" \
	"import - from /dev/zero: refused"
for c in "gzip zcat \x1f\x8b\x08\x00" "xz xzcat \xfd7zXZ\x00\x00" "bzip2 bzcat BZh91AY" \
	"zstd zstdcat \x28\xb5\x2f\xfd\x00" "lz4 lz4cat \x04\x22\x4d\x18\x64"; do
	read -r kind cat magic <<<"$c"
	printf "$magic"'rest of a compressed audit.log\n' >"$T/audit.log.1"
	run_cli import --db "$DB" "$T/audit.log.1"
	is "$RC|$ERR" "65|sigtrail: error: import: $T/audit.log.1 is $kind-compressed; use \`$cat $T/audit.log.1 | sigtrail import -\`" \
		"import of a $kind-compressed log: refused, naming $cat"
done
ok "nothing was imported (no database created)" test ! -e "$DB"

# Another application's SQLite file is refused before anything changes in
# it: no switch to WAL (header bytes 18-19), no -wal or -shm beside it;
# also one already in WAL mode, whose opening alone would create them.
sqlite3 "$T/other.db" 'create table t(x); insert into t values (1)'
sqlite3 "$T/otherwal.db" 'pragma journal_mode = wal; create table t(x); insert into t values (1)' >/dev/null
for f in other otherwal; do
	sum=$(sha256sum "$T/$f.db" | cut -d' ' -f1)
	run_cli import --db "$T/$f.db" "$FIXTURES/kernel.log"
	is "$RC" 65 "import into another application's SQLite file ($f): exit status 65"
	like "$ERR" "$T/$f.db is not a sigtrail database \(application_id 0\); refusing to write into it" \
		"($f) the message says why"
	"$SIGTRAILD" --foreground --source stdin --db "$T/$f.db" <"$FIXTURES/kernel.log" 2>"$T/d.err"
	is "$?" 65 "sigtraild --db another application's SQLite file ($f): exit status 65"
	is "$(sha256sum "$T/$f.db" | cut -d' ' -f1) $(ls "$T" | grep -c "^$f\.db-")" "$sum 0" \
		"($f) the file is byte for byte as it was, and no -wal, -shm or -journal was made"
done

# A database that import creates has the daemon's safe mode, whatever the
# umask: 0640, and so do its -wal and -shm.
(umask 022 && "$SIGTRAIL" import --db "$T/fresh.db" "$FIXTURES/kernel.log" >/dev/null 2>&1)
is "$(stat -c %a "$T/fresh.db" "$T/fresh.db-wal" "$T/fresh.db-shm" 2>&1 | tr '\n' ' ')" "640 640 640 " \
	"import under umask 022 creates the database, its -wal and -shm mode 0640"

# What still imports: a FIFO, a pipe, /dev/null.
mkfifo "$T/log.fifo"
cat "$FIXTURES/kernel.log" >"$T/log.fifo" &
run_cli import --db "$DB" "$T/log.fifo"
is "$RC" 0 "import of a FIFO still works"
run_cli import --db "$DB" /dev/null
is "$RC" 0 "import of /dev/null: nothing, exit status 0"
done_testing
