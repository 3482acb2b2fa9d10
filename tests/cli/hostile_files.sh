#!/bin/bash
# hostile_files: odd files where a database or a log is expected. A FIFO as
# --db is refused at once (open() used to block until a writer came); an
# import of a device (/dev/zero would run forever), a terminal or a socket is
# refused; a log compressed with gzip, xz, bzip2, zstd or lz4 is refused with
# the command that reads it, instead of importing as unparsable lines and
# exiting 0. A FIFO and /dev/null still import.
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

# What still imports: a FIFO, a pipe, /dev/null.
mkfifo "$T/log.fifo"
cat "$FIXTURES/kernel.log" >"$T/log.fifo" &
run_cli import --db "$DB" "$T/log.fifo"
is "$RC" 0 "import of a FIFO still works"
run_cli import --db "$DB" /dev/null
is "$RC" 0 "import of /dev/null: nothing, exit status 0"
done_testing
