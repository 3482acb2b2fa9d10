#!/bin/bash
# forward.sh: the fleet, against a real PostgreSQL 15 on loopback. Starts
# its own server (initdb in a temp dir, 127.0.0.1, a free port, TLS with a
# throwaway CA and a client certificate per host, `cert` authentication),
# sets it up with `sigtrail central init` and `add-host`, and checks:
# two hosts forwarding at once deliver every row once; an outage while rows
# keep coming loses and duplicates nothing; a forwarder SIGKILLed mid-stream
# and restarted neither; a replay inserts 0; a host may only insert its own
# rows and read or delete nothing; plaintext and certificate-less
# connections are refused. Local databases come from replays and imports of
# audit logs, never the kernel. Skipped (77) without PostgreSQL or openssl.
# By hand: SIGTRAIL=build/collector/cli/sigtrail SIGTRAILD=build/collector/sigtraild \
#   GENLOG=build/tests/bench/genlog bash tests/forward/forward.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
: "${GENLOG:?GENLOG must name tests/bench/genlog}"

# The server (tests/forward/pg.sh): a CA, certificates for hosta, hostb,
# hostd (one death of each cause, for who) and hostg (a host whose death is
# edited before forwarding).
PG_HOSTS="hosta hostb hostd hostg" . "$(dirname "${BASH_SOURCE[0]}")/pg.sh"

# The central schema's versions: one per schema/central/NNN-*.sql.
nv=$(find "$(dirname "${BASH_SOURCE[0]}")/../../schema/central" -name '[0-9][0-9][0-9]-*.sql' | wc -l)
run_cli central init --to "$ADMIN"
is "$RC" 0 "central init: exit 0" || diag "$ERR"
like "$OUT" "version $nv \(applied $nv\)" "central init applies the schema"
run_cli central init --to "$ADMIN"
like "$OUT" "at version $nv already: nothing to do" "central init again: nothing to do"
is "$(aq 'select count(*) from sigtrail.schema_version')" "$nv" "each version is recorded once"
is "$(aq "select string_agg(column_name, ',' order by column_name) from information_schema.columns
	where table_schema = 'public' and table_name = 'signals' and (column_name like 'request%'
	or column_name = 'target_disposition')")" \
	"request_evidence,requested_by_cmdline,requested_by_login,requested_by_pid,requested_by_tty,requested_by_user,target_disposition" \
	"the central signals view has the columns local schemas 9 and 12 added"
for h in hosta hostb; do
	run_cli central add-host "$h" --to "$ADMIN"
	is "$RC" 0 "central add-host $h: exit 0" || diag "$ERR"
done
run_cli central add-host "bad'name" --to "$ADMIN"
is "$RC" 64 "add-host refuses a name that is not a host name"
is "$(aq "select array_to_string(rolconfig, ',') from pg_roles where rolname = 'hosta'")" \
	"idle_in_transaction_session_timeout=60s,client_connection_check_interval=10s" \
	"the host role has the session timeouts that free a killed forwarder's locks"

# The local databases: hosta a month of a busy server with hostile strings
# and runs, plus deaths; hostb an import of 20000 generated events.
rich_db "$T/a.db"
sqlite3 "$T/a.db" "insert into death_rows(epoch_ms, pid, signal, core_dumped, cause, evidence, signal_id)
	select epoch_ms + 5, target_pid, signal, 0, 'signal', 'test: the signal row', id
	from signal_rows where signal = 9 and target_pid is not null limit 40" || bail "no deaths"
"$GENLOG" mix 20000 $(($(date +%s) - 600)) 3600 >"$T/b.log"
run_cli import --db "$T/b.db" "$T/b.log"
is "$RC" 0 "hostb's database: an import of 20000 events" || diag "$ERR"

counts() { # DB: signals deaths runs chains, local
	q "$1" "select (select count(*) from signal_rows) || ' ' || (select count(*) from death_rows)
		|| ' ' || (select count(*) from collector_runs)"
}
ccounts() { # HOST: the same, central
	aq "select (select count(*) from signals where host = '$1') || ' ' ||
		(select count(*) from deaths where host = '$1') || ' ' ||
		(select count(*) from coverage where host = '$1')"
}

# 1. Two hosts at once.
"$SIGTRAIL" forward --db "$T/a.db" --to "$(to hosta)" --once --batch-rows 500 >"$T/fa.out" 2>"$T/fa.err" &
fa=$!
"$SIGTRAIL" forward --db "$T/b.db" --to "$(to hostb)" --once --batch-rows 2000 >"$T/fb.out" 2>"$T/fb.err" &
fb=$!
wait $fa
is "$?" 0 "hosta forwards (--once): exit 0" || diag "$(cat "$T/fa.err")"
wait $fb
is "$?" 0 "hostb forwards at the same time: exit 0" || diag "$(cat "$T/fb.err")"
is "$(ccounts hosta)" "$(counts "$T/a.db")" "hosta: central signals, deaths and runs equal the local ones"
is "$(ccounts hostb)" "$(counts "$T/b.db")" "hostb: the same"
is "$(aq "select count(*) from (select distinct host, instance, id from signals) s")" \
	"$(aq 'select count(*) from signals')" "no row twice"
is "$(aq "select count(*) from signals s join deaths d on d.host = s.host and
	d.instance = s.instance and d.signal_id = s.id where s.host = 'hosta'")" 40 \
	"each death links to its signal within its host"
is "$(aq "select md5(string_agg(coalesce(sender_cmdline, '-') || '|' || coalesce(target_comm, '-'), e'\\n' order by id))
	from signals where host = 'hosta' and sender_cmdline not like 'bad%'")" \
	"$(q "$T/a.db" "select group_concat(coalesce(sender_cmdline, '-') || '|' || coalesce(target_comm, '-'), char(10))
	from (select * from signals where sender_cmdline not like 'bad%' order by id)" | head -c -1 | md5sum | cut -c1-32)" \
	"command lines and names arrive as stored, hostile ones too" 
is "$(aq "select sender_cmdline from signals where host = 'hosta' and sender_cmdline like 'bad%'")" \
	$'bad\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd bytes.' "invalid UTF-8 arrives as U+FFFD"
is "$(aq "select count(*) from signals where host = 'hosta' and sender_cmdline like '%ctl %[31m red%'")" 1 \
	"control characters survive the COPY"
like "$(cat "$T/fa.out")" "^sent [0-9]+ signals \([0-9]+ new\)" "--once says what it sent"
ms=$(aq "select count(*) from signals where host = 'hostb' and machine_id is not null")
is "$ms" "$(q "$T/b.db" 'select count(*) from signal_rows')" "every row carries the machine id" ||
	[ ! -r /etc/machine-id ]

# 1b. The acknowledged position, for the daemon's pruning, and a record of
# rows its disk cap dropped before forwarding (as collector/store/unsent.c
# writes it), which travels to the centre.
sqlite3 "$T/a.db" "insert into forward_drop_rows(epoch_ms, stream, first_id, last_id, rows, first_ms, last_ms)
	values (1795317670616, 'signals', 900001, 900050, 50, 1795317000000, 1795317600000)" || bail "no drop record"
mkdir "$T/state"
run_cli forward --db "$T/a.db" --to "$(to hosta)" --once --state-dir "$T/state"
is "$RC" 0 "forward --state-dir: exit 0" || diag "$ERR"
like "$OUT" "sent 1 records of rows dropped before forwarding \(1 new\)" "the drop record is sent"
is "$(aq "select stream || ' ' || first_id || ' ' || last_id || ' ' || rows || ' ' || time from forward_drops where host = 'hosta'")" \
	"signals 900001 900050 50 2026-11-22T03:21:10.616Z" "the centre shows what hosta dropped before forwarding"
is "$(cat "$T/state/position")" "instance $(q "$T/a.db" 'select uuid from instance')
signals $(q "$T/a.db" 'select max(id) from signal_rows')
deaths $(q "$T/a.db" 'select max(id) from death_rows')" "the position file says what the centre has"
is "$(stat -c %a "$T/state/position")" 644 "readable by the daemon, whatever the umask"

# 1c. The hash chain travels with the rows: the centre verifies each host's
# (hostb: an import, every row chained; hosta: rows inserted by SQL in the
# test have no link), and names a row edited on a host before forwarding.
ADMIN_URI="postgresql://admin@/sigtrail?host=$PGD&port=$PORT"
run_cli verify --db "$ADMIN_URI" --host hostb
is "$RC" 0 "central verify of hostb: exit 0" || diag "$OUT $ERR"
like "$OUT" "^central chain of host hostb intact: $(q "$T/b.db" 'select count(*) from signal_rows') rows in 1 database$" \
	"the centre verifies every row hostb forwarded"
run_cli verify --to "$ADMIN" --host hosta
is "$RC" 0 "central verify of hosta (--to): exit 0" || diag "$OUT $ERR"
like "$OUT" "intact: $(q "$T/a.db" 'select count(*) from chain_rows where pruned = 0') rows .*; $(q "$T/a.db" 'select count(*) from signal_rows where id not in (select id from chain_rows)') rows without a chain" \
	"hosta: the chained rows verify, the others are counted"
like "$OUT" "; its deaths' chain intact: 0 deaths, 40 without a chain$" \
	"hosta's deaths, written by SQL here, have no chain: counted"
# 1d. Zombies (local schema 018, central 4): a zombie and its reaping are
# rows of their own, both insert-only; the centre's view joins them.
name() { echo "(select id from strings where value = '$1' and gen is null)"; }
sqlite3 "$T/a.db" "insert or ignore into strings(value) values ('sh'), ('node'), ('npm start');
	insert into zombie_rows(epoch_ms, exit_seen, pid, start_time, comm_s, exit_status, signal, ppid,
		parent_comm_s, parent_cmdline_s, parent_is_init)
	values (1795317670616, 1, 4242, 80, $(name sh), 3, NULL, 4100, $(name node), $(name 'npm start'), 1),
		(1795317670700, 1, 4243, 81, $(name sh), NULL, 9, 4100, $(name node), $(name 'npm start'), 1);
	insert into zombie_reaps(zombie_id, epoch_ms) select id, epoch_ms + 24000 from zombie_rows
		where pid = 4242" || bail "no zombies"
run_cli forward --db "$T/a.db" --to "$(to hosta)" --once
is "$RC" 0 "zombies: forward --once: exit 0" || diag "$ERR"
like "$OUT" "sent 2 zombies \(2 new\) and 1 reapings \(1 new\)" "the zombies and the reaping are sent"
is "$(aq "select string_agg(pid || ' ' || comm || ' ' || coalesce(exit_status::text, '-') || '/' ||
	coalesce(signal::text, '-') || ' ' || ppid || ' ' || parent_comm || ' ' || parent_cmdline || ' ' ||
	parent_is_init || ' ' || coalesce(reaped_at, 'unreaped'), ',' order by pid) from zombies where host = 'hosta'")" \
	"4242 sh 3/- 4100 node npm start 1 2026-11-22T03:21:34.616Z,4243 sh -/9 4100 node npm start 1 unreaped" \
	"the centre's zombies view: the local columns, reaped_at from the reaping"
sqlite3 "$T/a.db" "insert into zombie_reaps(zombie_id, epoch_ms) select id, epoch_ms + 1000
	from zombie_rows where pid = 4243" || bail "no second reaping"
run_cli forward --db "$T/a.db" --to "$(to hosta)" --once
like "$OUT" "sent 0 zombies \(0 new\) and 1 reapings \(1 new\)" "a later reaping alone is sent"
is "$(aq "select count(*) || ' ' || count(reaped_at) from zombies where host = 'hosta'")" "2 2" \
	"both reaped centrally, each zombie once"

# 1e. The CLI reads the centre (--db postgresql://...): the same answers as
# the host's own database, for a process killed by a signal and its death.
pid=$(q "$T/a.db" "select pid from deaths where cause = 'signal' order by id limit 1")
for cmd in "who $pid" "who --json --until 2026-11-30T00:00:00Z $pid" "report --format md --since 2026-10-01T00:00:00Z --until 2026-11-30T00:00:00Z" "list --since 30d --target-pid $pid" "export --format csv --target-pid $pid"; do
	# (aside: the report's line that names the database and the time it was
	# made, and the one hostile command line whose invalid UTF-8 the centre
	# keeps as U+FFFD, checked above)
	# shellcheck disable=SC2086
	local_out=$("$SIGTRAIL" $cmd --utc --db "$T/a.db" 2>&1 | sed '/Generated 2/d; /bad.* bytes\./d')
	# shellcheck disable=SC2086
	central_out=$("$SIGTRAIL" $cmd --utc --db "$ADMIN_URI" --host hosta 2>&1 |
		sed '/Generated 2/d; /bad.* bytes\./d')
	is "$central_out" "$local_out" "sigtrail ${cmd%% *} from the centre says what the host's database says"
done
is "$("$SIGTRAIL" status --utc --db "$ADMIN_URI" --host hosta 2>&1 | grep -E '^(events|deaths|zombies):')" \
	"$("$SIGTRAIL" status --utc --db "$T/a.db" 2>&1 | grep -E '^(events|deaths|zombies):')" \
	"sigtrail status from the centre: the same events, deaths and zombies as the host's database"
# who reads from the centre only the rows its answer needs (its target's,
# the same sender's, the namespace init's and the teardown's): the answer
# about a death of each cause, by pid and by name, is the host's.
deaths_db "$T/d.db"
run_cli central add-host hostd --to "$ADMIN"
run_cli forward --db "$T/d.db" --to "$(to hostd)" --once
is "$RC" 0 "hostd forwards its deaths" || diag "$ERR"
for t in "$SH_VICTIM" 4000 4100 4200 4201 4300 java cleanup.sh; do
	is "$("$SIGTRAIL" who --utc --until 2026-11-30T00:00:00Z --db "$ADMIN_URI" --host hostd "$t" 2>&1)" \
		"$("$SIGTRAIL" who --utc --until 2026-11-30T00:00:00Z --db "$T/d.db" "$t" 2>&1)" \
		"who $t from the centre says what the host's database says"
done
like "$("$SIGTRAIL" who --utc --db "$ADMIN_URI" --host hosta "$pid" 2>&1)" "Verdict: pid $pid" \
	"(and it is an answer)"
run_cli who --db "$ADMIN_URI" --host nosuchhost "$pid"
is "$RC" 1 "who from the centre for a host it has no rows of: exit 1, nothing recorded"
run_cli list --db "postgresql://admin@/nosuchdb?host=$PGD&port=$PORT"
is "$RC" 69 "a centre that cannot be reached: exit 69"
like "$ERR" "cannot connect to the centre: .*nosuchdb" "and the error says why"
is "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'sigtrail-centre.*' 2>/dev/null | wc -l)" 0 \
	"no snapshot is left behind"
run_cli metrics --db "$ADMIN_URI"
is "$RC" 64 "metrics on the centre: exit 64"
like "$ERR" "this command reads a local database only \(who, list, export, report, status, verify and fleet read the fleet's centre\)" \
	"and the error says which commands read the centre"

# 1f. sigtrail fleet: a line per host, and what needs a look.
run_cli fleet --utc --db "$ADMIN_URI"
is "$RC" 1 "fleet: exit 1, a host needs a look"
like "$OUT" "^hosta: newest row recorded 2026-11-22 [0-9:]+Z, received [0-9.]+ (s|min|h|days) later; collector running, last heard 2026-11-22 [0-9:]+Z \([0-9]+ days ago\); last 24h: 100% covered, 0 gaps, 0 events lost; 50 rows DROPPED BEFORE FORWARDING; chain not checked \(--verify\)
  NEEDS A LOOK: its collector is silent, rows dropped before forwarding" \
	"fleet: hosta's newest row, its silent collector, its drops"
like "$OUT" "(^|
)hostb: newest row recorded " "fleet: hostb too"
run_cli fleet --db "$ADMIN_URI" --host hostb --verify --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; h=json.load(sys.stdin)["hosts"]; print(len(h), h[0]["host"], h[0]["chain"], h[0]["dropped_before_forwarding"])')" \
	"1 hostb intact 0" "fleet --host hostb --verify --json: one host, its chain intact"
run_cli fleet --db "$T/a.db"
is "$RC" 64 "fleet on a local database: exit 64"
like "$ERR" "--db must name the fleet's centre, a postgres:// or postgresql:// URI, not " \
	"and the error says what it wants"

# 2. A replay of everything inserts nothing.
run_cli forward --db "$T/a.db" --to "$(to hosta)" --once --resend
is "$RC" 0 "--resend: exit 0"
like "$OUT" "^sent [1-9][0-9]* signals \(0 new\), [0-9]+ ancestry rows \(0 new\), 40 deaths \(0 new\)" \
	"a replay of every batch inserts 0"
is "$(ccounts hosta)" "$(counts "$T/a.db")" "after the replay: the same counts"

# 3. An outage while rows keep coming.
"$SIGTRAIL" forward --db "$T/b.db" --to "$(to hostb)" --poll 100 --reconnect-max 500 \
	>"$T/svc.out" 2>"$T/svc.err" &
svc=$!
pg_stop
"$GENLOG" mix 3000 $(($(date +%s) - 300)) 60 >"$T/b2.log"
run_cli import --db "$T/b.db" --host other-machine "$T/b2.log"
is "$RC" 0 "rows arrive locally while the centre is down" || diag "$ERR"
sleep 1
pg_start || bail "the server did not start again: $(tail -5 "$PGD/log")"
want=$(q "$T/b.db" 'select count(*) from signal_rows')
for _ in $(seq 100); do
	[ "$(aq "select count(*) from signals where host = 'hostb'")" = "$want" ] && break
	sleep 0.1
done
is "$(ccounts hostb)" "$(counts "$T/b.db")" "after the outage: everything arrived, once"
is "$(aq "select count(*) from signals where host = 'hostb' and origin_host = 'other-machine'")" \
	"$(q "$T/b.db" "select count(*) from signals where host = 'other-machine'")" \
	"an imported machine's rows keep their origin_host"
like "$(cat "$T/svc.err")" "reconnecting in [0-9]+ ms" "the forwarder waited and reconnected"
kill -TERM $svc
wait $svc
is "$?" 0 "SIGTERM stops the forwarder: exit 0"

# 4. SIGKILL mid-stream, then a restart.
"$GENLOG" mix 60000 $(($(date +%s) - 900)) 3600 >"$T/c.log"
run_cli import --db "$T/c.db" "$T/c.log"
inst=$(q "$T/c.db" 'select uuid from instance')
"$SIGTRAIL" forward --db "$T/c.db" --to "$(to hosta)" --batch-rows 1000 >/dev/null 2>"$T/k.err" &
k=$!
for _ in $(seq 250); do
	[ "$(aq "select count(*) from signals where instance = '$inst'")" -gt 3000 ] && break
	sleep 0.02
done
kill -9 $k
wait $k 2>/dev/null
got=$(aq "select count(*) from signals where instance = '$inst'")
want=$(q "$T/c.db" 'select count(*) from signal_rows')
ok "the forwarder was killed before it finished ($got of $want rows)" test "$got" -lt "$want"
run_cli forward --db "$T/c.db" --to "$(to hosta)" --once
is "$RC" 0 "the restarted forwarder: exit 0" || diag "$ERR"
is "$(aq "select count(*) || ' ' || count(distinct id) from signals where instance = '$inst'")" \
	"$want $want" "after SIGKILL and a restart: every row once"

# 4b. A newer central schema (a column this forwarder does not know, with a
# default, as later versions add them) and a local column the centre lacks.
aq "alter table sigtrail.signal_rows add column from_the_future text not null default 'later'" >/dev/null
"$GENLOG" mix 500 $(($(date +%s) - 200)) 60 >"$T/c2.log"
run_cli import --db "$T/c.db" "$T/c2.log"
run_cli forward --db "$T/c.db" --to "$(to hosta)" --once
is "$RC" 0 "against a newer central schema: exit 0" || diag "$ERR"
is "$(aq "select count(*) from signals where instance = '$inst'")" \
	"$(q "$T/c.db" 'select count(*) from signal_rows')" "against a newer central schema: every row arrives"
is "$(aq "select count(*) from sigtrail.signal_rows where instance = '$inst' and from_the_future = 'later'")" \
	"$(q "$T/c.db" 'select count(*) from signal_rows')" "the column it does not know takes its default"

# 4c. A row edited on a host before it was forwarded: the centre names it.
"$GENLOG" mix 40 $(($(date +%s) - 100)) 60 >"$T/e.log"
run_cli import --db "$T/e.db" "$T/e.log"
sqlite3 "$T/e.db" "update signal_rows set sender_pid = 4242 where id = 3"
run_cli forward --db "$T/e.db" --to "$(to hostb)" --once
run_cli verify --db "$ADMIN_URI" --host hostb
is "$RC" 1 "central verify after a row was edited before forwarding: exit 1"
like "$OUT" "BROKEN at signal row 3 of database $(q "$T/e.db" 'select uuid from instance'): edited before it was forwarded" \
	"and it names the row and the database"
# The deaths' chain (schema 019): deaths the store wrote (here an import of
# nothing commits the SQL-inserted ones, and chains them) travel with their
# links (central schema 5) and verify at the centre; a death edited before
# it was forwarded breaks the central chain at that death.
run_cli import --db "$T/g.db" "$T/e.log"
death_rows() { # DB N: N deaths of its SIGKILL rows, chained by the store's next commit
	sqlite3 "$1" "insert into death_rows(epoch_ms, pid, signal, core_dumped, cause, evidence, signal_id)
		select epoch_ms + 5, target_pid, signal, 0, 'signal', 'test: the signal row', id
		from signal_rows where signal = 9 and target_pid is not null
		and id > coalesce((select max(signal_id) from death_rows), 0) limit $2" || bail "no deaths"
	: >"$T/empty.log"
	run_cli import --db "$1" "$T/empty.log"
}
sqlite3 "$T/g.db" "insert into zombie_rows(epoch_ms, exit_seen, pid, ppid, parent_is_init) values
	(1795317670616, 1, 601, 600, 0), (1795317670617, 1, 602, 600, 0)" || bail "no zombies"
death_rows "$T/g.db" 5
run_cli verify --db "$T/g.db"
like "$OUT" "
deaths chain intact: 5 rows \(ids 1 to 5\)" "local verify: the store chained the 5 deaths"
run_cli central add-host hostg --to "$ADMIN"
run_cli forward --db "$T/g.db" --to "$(to hostg)" --once
run_cli verify --db "$ADMIN_URI" --host hostg
like "$OUT" "^central chain of host hostg intact: [0-9]+ rows in 1 database; its deaths' chain intact: 5 deaths; its zombies' chain intact: 2 zombies$" \
	"central verify: the deaths' and zombies' chains came with them, intact"
death_rows "$T/g.db" 2
sqlite3 "$T/g.db" "update death_rows set evidence = 'nothing to see' where id = 7"
run_cli verify --db "$T/g.db"
like "$OUT" "deaths chain BROKEN at death row 7: edited" "local verify names the edited death"
run_cli forward --db "$T/g.db" --to "$(to hostg)" --once
run_cli verify --db "$ADMIN_URI" --host hostg
is "$RC" 1 "central verify after a death was edited before forwarding: exit 1"
like "$OUT" "BROKEN at death row 7 of database $(q "$T/g.db" 'select uuid from instance'): edited before it was forwarded" \
	"and it names the death and the database"

# 4d. A row the daemon (here an import) sealed into the hash chain is sent
# at once, whatever --seal says: the lag is the coalescing window, not
# seal_ms (which only rows without a link wait for).
"$GENLOG" mix 300 "$(date +%s)" 1 >"$T/now.log"
run_cli import --db "$T/n.db" "$T/now.log"
timeout 60 "$SIGTRAIL" forward --db "$T/n.db" --to "$(to hosta)" --once --seal 3600000 >"$T/n.out" 2>"$T/n.err"
is "$?" 0 "rows stamped now, chained, --seal of an hour: --once sends them at once" || diag "$(cat "$T/n.err")"
is "$(aq "select count(*) from signals where instance = '$(q "$T/n.db" 'select uuid from instance')'")" \
	"$(q "$T/n.db" 'select count(*) from signal_rows')" "every one of them arrived"

# 5. What a host may not do.
hq() { psql -X -At "$(to "$1") ${3:-}" -c "$2" 2>&1; }
like "$(hq hosta "insert into sigtrail.signal_rows (host, instance, month, id, epoch_ms) values ('hostb', gen_random_uuid(), '2026-01-01', 1, 1)")" \
	"violates row-level security" "host A cannot insert host B's rows"
like "$(hq hosta "select count(*) from sigtrail.signal_rows")" "permission denied" "host A cannot read the table"
like "$(hq hosta "select count(*) from signals")" "permission denied" "host A cannot read the view"
like "$(hq hosta "delete from sigtrail.signal_rows")" "permission denied" "host A cannot delete"
like "$(hq hosta "truncate sigtrail.death_rows")" "permission denied" "host A cannot truncate"
like "$(hq hosta "update sigtrail.coverage_states set lost_kernel = 0")" "permission denied" "host A cannot update"
like "$(hq hosta "select 1" "user=hostb")" "certificate authentication failed" \
	"host A's certificate does not log in as host B"
like "$(psql -X -At "host=127.0.0.1 port=$PORT dbname=sigtrail user=hosta sslmode=disable" -c 'select 1' 2>&1)" \
	"no pg_hba.conf entry" "a plaintext connection is refused"
like "$(psql -X -At "host=127.0.0.1 port=$PORT dbname=sigtrail user=hosta sslmode=verify-full sslrootcert=$C/ca.crt sslcert=$T/none sslkey=$T/none" -c 'select 1' 2>&1)" \
	"certificate|connection requires a valid client" "a connection without a client certificate is refused"
run_cli forward --db "$T/a.db" --to "host=127.0.0.1 port=$PORT dbname=sigtrail user=hosta sslmode=disable" --once
is "$RC" 69 "the forwarder refused by the centre: exit 69"
like "$ERR" "connecting to the centre: .*no pg_hba.conf entry" "and says why"
like "$(aq "update sigtrail.signal_rows set count = 0" 2>&1)" "append-only" "not even the admin updates a row"
is "$(psql -X -At "$ADMIN" -c "set role sigtrail_auditor; select count(*) > 0 from signals where host = 'hosta'" 2>&1 | tail -1)" t \
	"the auditors' role reads the views"
like "$(psql -X -At "$ADMIN" -c "set role sigtrail_sre; delete from sigtrail.signal_rows" 2>&1)" \
	"permission denied" "the SREs' role deletes nothing"

# Settings from a file, as the service reads them.
printf 'forward_to = %s\nbatch_rows = 100\n' "$(to hosta)" >"$T/forward.conf"
run_cli forward --config "$T/forward.conf" --db "$T/a.db" --once
is "$RC" 0 "forward.conf gives forward_to" || diag "$ERR"
printf 'forward_to = x\nbatch_row = 100\n' >"$T/bad.conf"
run_cli forward --config "$T/bad.conf" --db "$T/a.db" --once
is "$RC" 78 "an unknown key in forward.conf: exit 78"
like "$ERR" "bad.conf:2: unknown key 'batch_row'" "and names the line"
done_testing
