#!/bin/bash
# pid_eras: sigtraild's writer copies each whole era of target pids into
# pid_eras (schema 22) by itself, in steps between its commits, starting at
# a heartbeat, and its searches by pid then answer from it. A database with
# rows in eras 0 (the fixture's), 1 and 2 (copies of them; era 2 is the
# newest, so only eras 0 and 1 are whole) is given to a daemon reading an
# open FIFO; once pid_eras_done names both eras the FIFO is closed.
set -u
export LC_ALL=C
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d)
trap 'pkill -KILL -P $$ sigtraild 2>/dev/null; rm -rf "$T"' EXIT
plan 6
FIXTURE=$(dirname "$0")/../fixtures/kernel.log
q() { sqlite3 -batch -noheader "$T/e.db" "$1"; }

"$SIGTRAILD" --foreground --source stdin --db "$T/e.db" <"$FIXTURE" 2>"$T/log.1" ||
	bail "sigtraild on the fixture failed: $(cat "$T/log.1")"
q "insert into signal_rows(id, epoch_ms, serial, signal, success, target_arg, sender_pid, target_pid)
	select (e.n << 22) + r.id, r.epoch_ms, r.serial + e.n * 1000000, r.signal, r.success, r.target_arg,
		r.sender_pid, r.target_pid
	from signal_rows as r, (select 1 as n union all select 2) as e where r.id < 1 << 22"
rows=$(q "select count(*) from signal_rows where target_pid is not null and id < 2 << 22")
ok "rows with a target pid in eras 0 and 1: $rows" test "$rows" -gt 10
is "$(q 'select count(*) from pid_eras_done')" 0 "none copied yet"

mkfifo "$T/in"
"$SIGTRAILD" --foreground --source stdin --db "$T/e.db" <"$T/in" 2>"$T/log.2" &
pid=$!
exec 3>"$T/in" # held open: the daemon runs until it is closed
_copied() { [ "$(q 'select group_concat(era) from pid_eras_done' 2>/dev/null)" = "0,1" ]; }
ok "the writer copies eras 0 and 1 (its first heartbeat is 5 s in)" wait_until 60 _copied
exec 3>&-
wait "$pid"
is "$?" 0 "sigtraild exits 0 at the end of its input"
is "$(q "select count(*) from (select id >> 22, target_pid, id from signal_rows where target_pid is not null
	and id < 2 << 22 except select era, target_pid, id from pid_eras)") $(q 'select count(*) from pid_eras')" \
	"0 $rows" "every row of the whole eras has its entry, and no other"
pid=$(q "select target_pid from signal_rows where target_pid is not null order by id limit 1")
is "$(q "select count(*) from pid_eras where target_pid = $pid")" \
	"$(q "select count(*) from signal_rows where target_pid = $pid and id < 2 << 22")" \
	"pid $pid: its entries are its rows of eras 0 and 1"
tap_done
