#!/bin/bash
# zombies.sh: the words the CLI gives the zombies view (schema 18), from a
# database whose zombies are written by SQL as the daemon writes them (the
# kernel suite's proc_zombies makes real ones): `who` of an unreaped zombie
# (the line, the verdict, exit 0, --json), of a reaped one, and of one whose
# exit was not seen; `status` (text and --json) and `report` (Markdown and
# HTML) grouping the unreaped ones by parent, a namespace init's said to be
# one; an earlier boot's zombies left out of "unreaped".
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/z.db
fixture_db "$DB"
t=1795317670616 # 2026-11-22T03:21:10.616Z
sqlite3 "$DB" "insert or ignore into strings(value) values ('sh'), ('node'), ('npm start'),
	('sh -c curl -s http://localhost/health'), ('sleep'), ('sleep 600'),
	('3f2a9b1c0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8'), ('boot-1'), ('boot-0');
create temp view s as select id, value from strings where gen is null;
-- An earlier boot's, found first (the newest boot decides what is unreaped now).
insert into zombie_rows(epoch_ms, exit_seen, pid, comm_s, exit_status, ppid, parent_is_init, boot_s)
values ($t - 1000, 1, 7000, (select id from s where value = 'sh'), 0, 1, 1,
	(select id from s where value = 'boot-0'));
insert into zombie_rows(epoch_ms, exit_seen, pid, start_time, comm_s, cmdline_s, exit_status, signal,
	ppid, parent_start_time, parent_comm_s, parent_cmdline_s, parent_is_init, container_s, boot_s)
select $t + n, 1, 5000 + n, 100 + n, (select id from s where value = 'sh'),
	(select id from s where value = 'sh -c curl -s http://localhost/health'), 0, NULL,
	3400, 50, (select id from s where value = 'node'), (select id from s where value = 'npm start'), 1,
	(select id from s where value like '3f2a%'), (select id from s where value = 'boot-1')
from (select 1 as n union select 2 union select 3);
insert into zombie_rows(epoch_ms, exit_seen, pid, start_time, comm_s, exit_status, signal, ppid,
	parent_comm_s, parent_cmdline_s, parent_is_init, boot_s) values
	($t + 10, 1, 6001, 7, (select id from s where value = 'sh'), NULL, 15, 6000,
	 (select id from s where value = 'sleep'), (select id from s where value = 'sleep 600'), 0,
	 (select id from s where value = 'boot-1')),
	($t + 20, 0, 6002, 8, (select id from s where value = 'sh'), 3, NULL, 6000,
	 (select id from s where value = 'sleep'), (select id from s where value = 'sleep 600'), 0,
	 (select id from s where value = 'boot-1')),
	($t + 30, 1, 6003, 9, (select id from s where value = 'sh'), 0, NULL, 6000,
	 (select id from s where value = 'sleep'), (select id from s where value = 'sleep 600'), 0,
	 (select id from s where value = 'boot-1'));
insert into zombie_reaps(zombie_id, epoch_ms) select id, epoch_ms + 95000 from zombie_rows where pid = 6003;
" || bail "no zombies"

run_cli who --utc --db "$DB" 5001
is "$RC" 0 "who on a zombie alone: exit 0, something recorded"
like "$OUT" "Zombies, newest first \\(exited, and left unreaped by their parent\\):
  pid 5001 \\(sh\\): zombie since 2026-11-22 03:21:10Z \\([0-9]+ days\\), not reaped by its parent pid 3400 \\(node: npm start\\), a namespace init that does not reap its children; it exited with status 0; container 3f2a9b1c0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8
    command line sh -c curl -s http://localhost/health" \
	"who: zombie since T, not reaped by its parent (a namespace init), its exit status, container, command line"
like "$OUT" "Verdict: pid 5001 \\(sh\\) is a zombie since 2026-11-22 03:21:10Z, not reaped by its parent pid 3400 \\(node: npm start\\), a namespace init that does not reap its children; it exited with status 0\\. It is gone once the parent waits for it, or once the parent exits \\(init then reaps it\\)\\." \
	"who: the verdict says it is a zombie and what ends it"
unlike "$OUT" "it may still run" "who: a zombie is not said to be maybe still running"
run_cli who --utc --db "$DB" 6001
like "$OUT" "pid 6001 \\(sh\\): zombie since .*, not reaped by its parent pid 6000 \\(sleep: sleep 600\\); SIGTERM ended it" \
	"who: a zombie a signal ended names the signal; its parent is no namespace init"
run_cli who --utc --db "$DB" 6002
like "$OUT" "pid 6002 \\(sh\\): zombie since at least 2026-11-22 03:21:10Z" \
	"who: a zombie whose exit was not seen: since at least the time it was first seen"
run_cli who --utc --db "$DB" 6003
like "$OUT" "pid 6003 \\(sh\\): a zombie from 2026-11-22 03:21:10Z until it was reaped at 2026-11-22 03:22:45Z \\(95 s unreaped by its parent pid 6000 \\(sleep: sleep 600\\)\\); it exited with status 0" \
	"who: a reaped zombie: from when until when, and how long"
unlike "$OUT" "Verdict: pid 6003 \\(sh\\) is a zombie" "who: a reaped zombie is not the verdict"
run_cli who --utc --db "$DB" 7000
unlike "$OUT" "Verdict: .* is a zombie" "who: an earlier boot's zombie is no zombie now"
run_cli who --json --db "$DB" 5002
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); z=j["zombies"]; print(z["recorded"], len(z["rows"]), z["rows"][0]["pid"], z["rows"][0]["parent_is_init"], z["rows"][0]["reaped_at"], j["verdict"]["kind"])')" \
	"True 1 5002 1 None zombie" "who --json: the zombies member, and the verdict's kind"

run_cli status --utc --db "$DB"
like "$OUT" "zombies:   5 unreaped, under 2 parents
           3 unreaped zombies under node\\[3400\\] \\(npm start\\) in container 3f2a9b1c0d4e\\.\\.\\., since 2026-11-22 03:21:10Z: a namespace init that does not reap its children
           2 unreaped zombies under sleep\\[6000\\] \\(sleep 600\\), since 2026-11-22 03:21:10Z" \
	"status: this boot's unreaped zombies by parent, the largest first, the namespace init said to be one"
run_cli status --json --db "$DB"
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; z=json.load(sys.stdin)["database"]["zombies"]; print(z["recorded"], z["unreaped"], z["parents"], [g["count"] for g in z["groups"]])')" \
	"True 5 2 [3, 2]" "status --json: database.zombies"
run_cli report --format md --db "$DB"
like "$OUT" "## Unreaped zombies

5 processes exited and are still unreaped by their parent, as the collector last saw them, under 2 parents:

- 3 unreaped zombies under node\\\\\\[3400\\\\\\] \\(npm start\\)" "report (Markdown): the unreaped zombies, grouped (Markdown-escaped)"
run_cli report --format html --db "$DB"
like "$OUT" "<h2>Unreaped zombies</h2><p>5 processes exited and are still unreaped by their parent, as the collector last saw them, under 2 parents:</p><ul><li>3 unreaped zombies under node\\[3400\\]" \
	"report (HTML): the same"
sqlite3 "$DB" "insert into zombie_reaps(zombie_id, epoch_ms) select id, $t + 200000 from zombie_rows
	where id not in (select zombie_id from zombie_reaps)"
run_cli status --db "$DB"
like "$OUT" "zombies:   none unreaped" "status once every zombie is reaped: none unreaped"
done_testing
