#!/bin/bash
# db.sh: how the CLI treats the database file: read-only (never created,
# never modified), one clear error and exit status for a missing, foreign,
# unreadable or newer file, and an older schema read as it is.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/k.db
fixture_db "$DB"

run_cli list --db "$T/missing.db"
is "$RC" 66 "missing database: exit 66"
like "$ERR" "database $T/missing.db does not exist" "missing database: said so"
ok "missing database: not created" test ! -e "$T/missing.db"
ok "missing database: no -wal/-shm left" test ! -e "$T/missing.db-wal" -a ! -e "$T/missing.db-shm"

printf 'hello, not a database\n%.0s' {1..20} >"$T/text.db"
run_cli list --db "$T/text.db"
is "$RC" 65 "a text file: exit 65"
like "$ERR" "is not a sigtrail database \(not an SQLite file\)" "a text file: said so"

sqlite3 "$T/other.db" 'create table t(x); insert into t values (1)'
run_cli who 1 --db "$T/other.db"
is "$RC" 65 "another application's SQLite file: exit 65"
like "$ERR" "is not a sigtrail database \(application_id 0, expected 0x53475452\)" "foreign SQLite: said so"
is "$(q "$T/other.db" 'select count(*) from sqlite_master')" 1 "foreign SQLite: left alone"

: >"$T/empty.db"
run_cli list --db "$T/empty.db"
is "$RC" 65 "an empty file: exit 65"
like "$ERR" "is empty: not a sigtrail database \(yet: sigtraild creates its schema" "an empty file: said so"
is "$(stat -c %s "$T/empty.db")" 0 "an empty file: still empty"

mkdir "$T/dir.db"
run_cli list --db "$T/dir.db"
is "$RC" 66 "a directory: exit 66"

cp "$DB" "$T/newer.db"
sqlite3 "$T/newer.db" 'pragma user_version = 99'
run_cli list --db "$T/newer.db"
is "$RC" 65 "a newer schema: exit 65"
like "$ERR" "has schema version 99, newer than this sigtrail understands" "a newer schema: said so"

# Schema 1 (before coverage and count): read as it is.
cp "$DB" "$T/v1.db"
sqlite3 "$T/v1.db" "drop view coverage; drop view signals; create view signals as select r.id,
	strftime('%Y-%m-%dT%H:%M:%S', r.epoch_ms / 1000, 'unixepoch') || printf('.%03dZ', r.epoch_ms % 1000) as time,
	r.epoch_ms, r.serial, (select value from strings where id = r.host_s) as host,
	(select value from strings where id = r.arch_s) as arch, (select value from strings where id = r.syscall_s) as syscall,
	r.signal, (select name from signal_names where number = r.signal) as signame, r.success,
	(select value from strings where id = r.errno_s) as errno, r.target_arg, r.sender_pid, r.sender_ppid,
	r.sender_uid, r.sender_euid, r.sender_auid, r.sender_ses,
	(select value from strings where id = r.sender_user_s) as sender_user, (select value from strings where id = r.sender_login_s) as sender_login,
	(select value from strings where id = r.sender_tty_s) as sender_tty, (select value from strings where id = r.sender_comm_s) as sender_comm,
	(select value from strings where id = r.sender_exe_s) as sender_exe, (select value from strings where id = r.sender_cmdline_s) as sender_cmdline,
	r.target_pid, r.target_uid, r.target_auid, r.target_ses, (select value from strings where id = r.target_user_s) as target_user,
	(select value from strings where id = r.target_comm_s) as target_comm from signal_rows as r; pragma user_version = 1"
run_cli who --db "$T/v1.db" "$SH_VICTIM"
is "$RC" 0 "schema 1: who works"
like "$OUT" "Coverage: no coverage data recorded" "schema 1: no coverage, said so"
run_cli list --db "$T/v1.db" --json --limit 1
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["count"])')" 1 "schema 1: count reads as 1"
run_cli export --db "$T/v1.db" --format jsonl
is "$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; print(len(r), {x["count"] for x in r}, len(r[0]), r[0]["signame"] is not None)')" \
	"$(q "$T/v1.db" 'select count(*) from signals') {1} 31 True" "schema 1: export has the view's columns and count 1"

# Read-only: the file is not modified by any reading command.
before=$(sha256sum "$DB" | cut -d' ' -f1)
run_cli who --db "$DB" "$SH_VICTIM"
run_cli list --db "$DB"
is "$(sha256sum "$DB" | cut -d' ' -f1)" "$before" "reading commands leave the file unchanged"

# Without libpq (the package depends on it, but a broken or stripped system
# may lack it): the local commands work, a --db of the centre says what is
# missing. libpq.so.5 is hidden in a private mount namespace.
libpq=$(ldconfig -p | sed -n 's/.*libpq\.so\.5 (libc6,x86-64) => //p' | head -n 1)
if [ -n "$libpq" ] && unshare -rm true 2>/dev/null; then
	nolibpq() { unshare -rm sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$libpq" "$SIGTRAIL" "$@"; }
	nolibpq list --db "$DB" --limit 3 >"$T/nolibpq" 2>"$T/err"
	is "$?" 0 "without libpq: a local list works"
	run_cli list --db "$DB" --limit 3
	is "$(cat "$T/nolibpq")" "$OUT" "without libpq: a local list shows the same rows"
	like "$OUT" "SIGKILL" "(those rows are signals)"
	nolibpq list --db postgresql://127.0.0.1:1/sigtrail >"$T/out" 2>"$T/err"
	is "$?" 69 "without libpq: a --db of the centre exits 69"
	like "$(cat "$T/err")" "cannot load libpq, which this command needs \(install libpq5\)" \
		"without libpq: names the library and its package"
else
	skip "without libpq" "no libpq.so.5 in ldconfig, or no unshare -rm here"
fi

# Unreadable: as another user (needs root to switch user).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 600 "$DB"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$SIGTRAIL" list --db "$DB" >"$T/out" 2>"$T/err"
	is "$?" 77 "unreadable database: exit 77"
	like "$(cat "$T/err")" "cannot read database .*: permission denied \(members of the 'sigtrail' group may read it" \
		"unreadable: says who may read it"
	chmod 644 "$DB"
fi
done_testing
