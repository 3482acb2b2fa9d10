#!/bin/bash
# outfile: no output file of `export` or `report` (-o, --meta) may be the
# database or one of its companions, however the path spells it (relative,
# with .., a symlink, a hard link, a companion not created yet). Each is
# refused with exit status 73 and a message naming the database, before
# anything is written: the database stays byte for byte as it was, the
# collector could go on writing it, and no temporary file is left beside it.
# The same for the daemon's --tee.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$T/data/sub"
DB=$T/data/s.db
fixture_db "$DB"
before=$(sha256sum "$DB" | cut -d' ' -f1)
ln -s "$DB" "$T/link.db"
ln "$DB" "$T/hard.db"
ls_before=$(ls -A "$T/data")

# refused WHAT DB CMD...: the command exits 73, names the database DB as
# given, and changes nothing.
refused() {
	local what=$1 db=$2
	shift 2
	run_cli "$@"
	is "$RC" 73 "$what: exit status 73"
	like "$ERR" "is the database $db or one of its -wal, -shm, -journal, .lock files" \
		"$what: the message names the database"
	is "$(sha256sum "$DB" | cut -d' ' -f1)|$(ls -A "$T/data")" "$before|$ls_before" \
		"$what: the database is unchanged and nothing was added beside it"
}

refused "export -o the database" "$DB" export --db "$DB" -o "$DB"
refused "export -o with another spelling (sub/../s.db)" "$DB" export --db "$DB" -o "$T/data/sub/../s.db"
cd "$T/data" || bail "cd $T/data"
refused "export -o a relative name (run in its folder)" "$DB" export --db "$DB" -o s.db
cd - >/dev/null || bail "cd -"
refused "export -o a symlink to it" "$DB" export --db "$DB" -o "$T/link.db"
refused "export -o a hard link to it" "$DB" export --db "$DB" -o "$T/hard.db"
refused "export -o its -wal (not there yet)" "$DB" export --db "$DB" -o "$DB-wal"
refused "export -o its -shm" "$DB" export --db "$DB" -o "$DB-shm"
refused "export -o its .lock" "$DB" export --db "$DB" -o "$DB.lock"
refused "export --meta its -journal" "$DB" export --db "$DB" -o "$T/out.csv" --meta "$DB-journal"
refused "report -o the database" "$DB" report --db "$DB" -o "$DB"
refused "report --db a symlink, -o the real database's -wal" "$T/link.db" report --db "$T/link.db" -o "$DB-wal"
ok "no export was written when its --meta was refused" test ! -e "$T/out.csv"

# The daemon's --tee (the raw records it reads, appended) neither.
"$SIGTRAILD" --foreground --source stdin --db "$T/new.db" --tee "$T/new.db-wal" </dev/null 2>"$T/tee.err"
is "$?" 73 "sigtraild --tee its database's -wal: exit status 73"
is "$(cat "$T/tee.err")|$(ls "$T" | grep -c '^new\.db')" \
	"sigtraild: error: --tee $T/new.db-wal is the database or one of its -wal, -shm, -journal, .lock files: refusing to write over the audit trail|0" \
	"it says why, and creates no database"

# The database is still a database, and a file beside it is fine.
run_cli export --db "$DB" -o "$T/data/s.db.csv"
is "$RC" 0 "export -o a file beside the database still works"
like "$(head -n 1 "$T/data/s.db.csv")" '^id,time,' "and writes the CSV"
run_cli who --db "$DB" --until "@$FIXTURE_END" "$SH_VICTIM"
is "$RC" 0 "the database still answers who"
done_testing
