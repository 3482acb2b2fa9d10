#!/bin/bash
# who.sh: `sigtrail who PID|NAME` on the database of the recorded kernel
# events: the rows, the verdict in each of its forms, the coverage line, the
# JSON form and the exit status.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/k.db
fixture_db "$DB"
sqlite3 "$DB" 'delete from collector_runs' # coverage is added by hand below

run_cli who --db "$DB" "$SH_VICTIM"
is "$RC" 0 "who PID: exit 0 when signals are found"
like "$OUT" "Signals to pid $SH_VICTIM, newest first \(times in UTC\)" "header names the zone (UTC when piped)"
like "$OUT" "cmdline sh -c kill -9 $SH_VICTIM" "full command line of the sender"
like "$OUT" "comm sh  exe /usr/bin/dash" "sender comm and exe"
like "$OUT" "from  pid [0-9]+ \(parent [0-9]+\)  user root  login -  tty -" "sender pid, parent, user, login, tty"
like "$OUT" "Verdict: SIGKILL from \`sh -c kill -9 $SH_VICTIM\` \(pid [0-9]+, user root\) at 2026-11-22 04:07:33Z\." \
	"verdict names signal, command, pid, user and time"
like "$OUT" "Coverage: no coverage data recorded" "no coverage rows: says so"

run_cli who --db "$DB" "$EPERM_VICTIM"
like "$OUT" "REFUSED \(EPERM: not allowed\)" "a refused attempt is shown as such"
like "$OUT" "user nobody" "with the refused sender's user"
like "$OUT" "Verdict: SIGKILL from \`[^\`]*sigsend32 tgkill $EPERM_VICTIM 9\`" "verdict: the delivered SIGKILL, not the refused SIGTERM"
idx_kill=$(grep -n 'SIGKILL  delivered' "$T/out" | head -1 | cut -d: -f1)
idx_term=$(grep -n 'SIGTERM  REFUSED' "$T/out" | head -1 | cut -d: -f1)
ok "newest first" test "$idx_kill" -lt "$idx_term"

# The kill -9 $(pgrep python) that hits the wrong processes: the same sender (pid and chain)
# signalled two other processes within the minute.
sqlite3 "$DB" "insert or ignore into strings(value) values ('python3');
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, target_arg, sender_pid,
	sender_ppid, sender_uid, sender_comm_s, sender_cmdline_s, target_pid, target_comm_s, sender_chain_s)
select epoch_ms + 1, serial + 100000 + t.p, host_s, arch_s, syscall_s, 9, 1, t.p, sender_pid, sender_ppid,
	sender_uid, sender_comm_s, sender_cmdline_s, t.p, (select id from strings where value = 'python3'),
	sender_chain_s
from signal_rows, (select 7001 as p union all select 7002) t
where target_pid = $SH_VICTIM and signal = 9"
run_cli who --db "$DB" "$SH_VICTIM"
like "$OUT" "Same sender: pid [0-9]+ also signalled 2 other processes within a minute: pid 7001 \(python3\) SIGKILL, pid 7002 \(python3\) SIGKILL\." \
	"who VICTIM: the other processes its killer signalled"
sqlite3 "$DB" "delete from signal_rows where target_pid in (7001, 7002)"
run_cli who --db "$DB" "$SH_VICTIM"
unlike "$OUT" "Same sender" "no line when the sender signalled nothing else"

# A kill that found no process has only the pid it was aimed at (target_arg).
run_cli who --db "$DB" "$ESRCH_PID"
is "$RC" 0 "who PID: a kill that found no process (ESRCH) is found by its target pid"
like "$OUT" "SIGTERM  FAILED \(ESRCH\)" "shown as the failed attempt it was"
like "$OUT" "Verdict: no signal reached pid $ESRCH_PID; 1 attempts failed, the newest SIGTERM from .* \(ESRCH\)\." \
	"the verdict: nothing reached it, the attempt failed with ESRCH"
run_cli list --db "$DB" --target-pid "$ESRCH_PID"
is "$(($(wc -l <"$T/out") - 1))/$(grep -c ESRCH "$T/out")" "1/1" "list --target-pid: the ESRCH row"

run_cli who --db "$DB" "$EPERM_VICTIM" --until 2026-11-22T04:07:36.500Z
like "$OUT" "Verdict: no signal reached pid $EPERM_VICTIM; 1 attempts failed, the newest SIGTERM from \`/bin/kill -TERM $EPERM_VICTIM\` \(pid [0-9]+, user nobody\) at .* \(EPERM\)\." \
	"only refused attempts: the verdict says no signal reached it"

run_cli who --db "$DB" sleep
is "$RC" 0 "who NAME: exit 0"
like "$OUT" "Signals to processes named 'sleep'" "header names the process name"
is "$(grep -c '^  to    pid' "$T/out")" 6 "every signal that reached a sleep (sh kill, 3 group, EPERM, SIGKILL)"

run_cli who --db "$DB" 999999
is "$RC" 1 "nothing recorded: exit 1"
like "$OUT" "Verdict: nothing recorded: no signal reached pid 999999 in this database\." "nothing recorded: said plainly"

run_cli who --db "$DB" "$SH_VICTIM" --since 2026-11-23
is "$RC" 1 "a window with nothing: exit 1"
like "$OUT" "no signal reached pid $SH_VICTIM between 2026-11-23 00:00:00.000 and" "the window is named"

run_cli who --db "$DB" sleep --limit 2
like "$OUT" "\.\.\. 4 more not shown \(--limit 0 shows all\)" "--limit: says how many more"
is "$(grep -c '^  to    pid' "$T/out")" 2 "--limit 2 shows 2"

# Coverage from the runs the daemon records.
t0=$(q "$DB" 'select min(epoch_ms) from signals')
t1=$(q "$DB" 'select max(epoch_ms) from signals')
add_run "$DB" $((t0 - 60000)) $((t1 + 60000)) stopped
run_cli who --db "$DB" "$SH_VICTIM" --since @$((t0 / 1000 - 10)) --until @$((t1 / 1000 + 10))
like "$OUT" "Coverage: a collector was running the whole time from .* to .*; it lost no events\." "coverage: ran the whole window"
sqlite3 "$DB" "update collector_runs set lost_kernel = 7, lost_queue = 2"
run_cli who --db "$DB" "$SH_VICTIM" --since @$((t0 / 1000 - 10)) --until @$((t1 / 1000 + 10))
like "$OUT" "it LOST 9 events \(kernel 7, socket overruns 0, serial gaps 0, unparsable 0, queue full 2, database 0\)" "coverage: losses summed and named"
run_cli who --db "$DB" 999999 --since @$((t0 / 1000 - 3600)) --until @$((t1 / 1000 + 10))
like "$OUT" "Coverage: the collector was NOT running for 59m [0-9]+s between .*; signals sent then were not recorded" \
	"nothing recorded and a gap: the gap is named"

# Machine output.
run_cli who --db "$DB" "$EPERM_VICTIM" --json
is "$RC" 0 "--json: exit 0"
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["verdict"]["kind"], d["verdict"]["signal"]["signame"], d["total"], len(d["signals"]),
      d["signals"][0]["target_pid"], d["signals"][1]["errno"], d["coverage"]["recorded"],
      d["query"]["target"]["pid"])')" "killed SIGKILL 2 2 $EPERM_VICTIM EPERM True $EPERM_VICTIM" \
	"--json: verdict, rows and coverage parse with a real JSON parser"
run_cli who --db "$DB" 999999 --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["verdict"]["kind"], d["verdict"]["signal"], d["signals"])')" \
	"nothing None []" "--json when nothing is recorded"

# A stop signal is not a kill.
sqlite3 "$DB" "insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success,
	target_arg, sender_pid, sender_ppid, sender_uid, sender_user_s, sender_comm_s, sender_cmdline_s,
	target_pid, target_comm_s) select epoch_ms + 1, serial + 100000, host_s, arch_s, syscall_s, 19, 1,
	777777, sender_pid, sender_ppid, sender_uid, sender_user_s, sender_comm_s, sender_cmdline_s,
	777777, target_comm_s from signal_rows where target_pid = $SH_VICTIM"
run_cli who --db "$DB" 777777
like "$OUT" "Verdict: no terminating signal recorded; the newest was SIGSTOP from" "only a stop signal: not called a kill"

# Strict arguments.
run_cli who --db "$DB"
is "$RC" 64 "no PID: usage error"
run_cli who --db "$DB" 12x
is "$RC" 64 "'12x' is neither a pid nor a name"
like "$ERR" "'12x' is not a process id" "and the error names it"
run_cli who --db "$DB" 0
is "$RC" 64 "pid 0 refused"
run_cli who --db "$DB" 1 --since yesterdayish
is "$RC" 64 "bad --since: exit 64"
like "$ERR" "--since 'yesterdayish': not a time" "bad --since named"
run_cli who --db "$DB" 1 --bogus
is "$RC" 64 "unknown option: exit 64"
like "$ERR" "unknown option '--bogus'" "unknown option named"
run_cli who --db "$DB" 1 --limit
is "$RC" 64 "missing value: exit 64"
like "$ERR" "option '--limit' needs a value" "missing value named"
run_cli who averyveryverylongprocessname --db "$DB"
like "$ERR" "matching 'averyveryverylo'" "a long name is cut to the kernel's 15 bytes, and says so"
run_cli who --help
is "$RC" 0 "--help exits 0"
like "$OUT" "Examples:" "--help has examples"
run_cli --db "$DB" who "$SH_VICTIM"
is "$RC" 0 "--db before the command works too"
run_cli help who
like "$OUT" "Usage: sigtrail who" "sigtrail help who"

# systemd acting on its own (schema 12: no request seen): who shows what the
# unit's journal says of the 30 s before, read with the host's journalctl
# (here one on PATH that logs how it was asked); a request it names, none.
sqlite3 "$DB" "insert or ignore into strings(value) values ('systemd'), ('app.service'),
	('no request seen: no systemctl stop, restart or kill naming app.service');
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, target_arg,
	sender_pid, sender_uid, sender_comm_s, target_pid, target_unit_s, request_evidence_s)
select 1795317670616, 990001, host_s, arch_s, syscall_s, 15, 1, 7301, 1, 0,
	(select id from strings where value = 'systemd'), 7301,
	(select id from strings where value = 'app.service'),
	(select id from strings where value like 'no request seen:%')
from signal_rows limit 1"
mkdir -p "$T/jbin"
cat >"$T/jbin/journalctl" <<EOS
#!/bin/sh
echo "\$*" >"$T/journalctl.args"
echo "2026-11-22T04:00:10+0000 vm systemd[1]: app.service: Service reached runtime time limit. Stopping."
EOS
chmod +x "$T/jbin/journalctl"
OUT=$(PATH="$T/jbin:$PATH" "$SIGTRAIL" who --db "$DB" 7301 2>&1)
like "$OUT" "asked no request seen: no systemctl stop, restart or kill naming app.service" \
	"systemd's own stop: no request seen"
like "$OUT" "journal 2026-11-22T04:00:10\+0000 vm systemd\[1\]: app.service: Service reached runtime time limit\. Stopping\." \
	"and the unit's journal line that says why"
is "$(cat "$T/journalctl.args")" "--no-pager -q -o short-iso -n 5 -u app.service -S @1795317640 -U @1795317671" \
	"journalctl asked for that unit, the 30 s before the signal"
OUT=$(PATH="/nonexistent" "$SIGTRAIL" who --db "$DB" 7301 2>&1)
unlike "$OUT" "journal " "no journalctl: no journal line, and the answer stands"
# who NAME through schema 20's indexes (who_name.c) reads what the view's
# match reads: the same words and numbers as a copy without the indexes.
# alpha's rows: its comm (with its own exe, another, or none), threads
# whose comm is another but whose exe is an alpha, rows with only an exe;
# some refused; spread over a day, with ties on the millisecond.
sqlite3 "$DB" "insert or ignore into strings(value) values ('alpha'), ('beta'), ('/usr/bin/alpha'),
	('/opt/alpha'), ('/usr/bin/other'), ('EPERM'), ('/usr/bin/gamma');
create temp table s(k text primary key, v int);
insert into s select value, id from strings where gen is null;
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, errno_s,
	target_arg, sender_pid, sender_uid, sender_comm_s, sender_cmdline_s, target_pid, target_comm_s,
	target_exe_s)
with recursive n(i) as (select 1 union all select i + 1 from n where i < 300)
select 1795300000000 + (i / 3) * 290000, 995000 + i, r.host_s, r.arch_s, r.syscall_s,
	case i % 4 when 0 then 9 when 1 then 15 when 2 then 18 else 10 end,
	i % 7 != 0, case when i % 7 = 0 then (select v from s where k = 'EPERM') end,
	8000 + i, r.sender_pid, r.sender_uid, r.sender_comm_s, r.sender_cmdline_s, 8000 + i,
	case i % 5 when 0 then (select v from s where k = 'alpha') when 1 then (select v from s where k = 'alpha')
		when 2 then (select v from s where k = 'beta') when 3 then null else (select v from s where k = 'alpha') end,
	case i % 6 when 0 then (select v from s where k = '/usr/bin/alpha') when 1 then (select v from s where k = '/opt/alpha')
		when 2 then (select v from s where k = '/usr/bin/other') when 3 then null
		when 4 then (select v from s where k = '/usr/bin/gamma') else (select v from s where k = '/usr/bin/alpha') end
from n, (select * from signal_rows order by id limit 1) as r"
cp "$DB" "$T/noindex.db"
# The coverage window ends now: the one thing two runs may not share.
same_now() { sed -E 's/,"coverage":.*$//; /^Coverage: /d'; }
sqlite3 "$T/noindex.db" "drop index signal_rows_target_comm"
for args in "alpha" "alpha --json --limit 0" "alpha --limit 3" "alpha --since 2026-11-22T06:00Z --until 2026-11-22T12:00Z" \
	"beta --json" "gamma --json --limit 0" "nosuchname" "sleep --json"; do
	# shellcheck disable=SC2086 # the words of $args are the arguments
	run_cli who --db "$DB" $args
	a="$RC $(same_now <<<"$OUT")"
	# shellcheck disable=SC2086
	run_cli who --db "$T/noindex.db" $args
	is "$a" "$RC $(same_now <<<"$OUT")" "who $args: the indexes answer as the view does"
done
run_cli who --db "$DB" alpha --json --limit 0
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["total"], j["shown"], len({r["target_pid"] for r in j["signals"]}))')" \
	"240 240 240" "who alpha: its comm's rows and its exes' (240 of the 300)"
# Schema 22: a search by pid reads pid_eras for the eras the writer copied
# (test_store.c checks that copy) and the block index for the others. The
# victim's rows again in eras 1, 2 (copied) and 3 (the newest, not copied),
# an ESRCH attempt at it in era 1, and an entry whose row is gone (pruned):
# every answer is that of the same database searched without the eras.
sqlite3 "$DB" "insert into signal_rows(id, epoch_ms, serial, host_s, arch_s, syscall_s, signal, success,
	errno_s, target_arg, sender_pid, sender_ppid, sender_uid, sender_comm_s, sender_cmdline_s, target_pid,
	target_comm_s)
select (e.n << 22) + r.id, r.epoch_ms + e.n * 1000, r.serial + e.n * 1000000, r.host_s, r.arch_s,
	r.syscall_s, r.signal, r.success, r.errno_s, r.target_arg, r.sender_pid, r.sender_ppid, r.sender_uid,
	r.sender_comm_s, r.sender_cmdline_s, r.target_pid, r.target_comm_s
from signal_rows as r, (select 1 as n union all select 2 union all select 3) as e
where r.target_pid = $SH_VICTIM and r.id < 1 << 22;
insert into signal_rows(id, epoch_ms, serial, signal, success, target_arg, sender_pid, target_pid)
values ((1 << 22) + 99999, 1795300000000, 3999999, 15, 0, $SH_VICTIM, 4242, null);
insert into pid_eras select id >> 22, target_pid, id from signal_rows where target_pid is not null and id < 3 << 22;
insert into pid_eras values (1, $SH_VICTIM, (1 << 22) + 77777);
insert into pid_eras_done values (0), (1), (2)"
is "$(q "$DB" "select count(*) from signals where target_pid = $SH_VICTIM or target_arg = $SH_VICTIM")" \
	"$(($(q "$T/noindex.db" "select count(*) from signals where target_pid = $SH_VICTIM") * 4 + 1))" \
	"the victim's rows in four eras, and an ESRCH one"
cp "$DB" "$T/noeras.db"
sqlite3 "$T/noeras.db" "delete from pid_eras_done"
cp "$DB" "$T/oldpid.db"
sqlite3 "$T/oldpid.db" "drop table pid_eras"
for args in "who $SH_VICTIM" "who $SH_VICTIM --json --limit 0" "who $SH_VICTIM --limit 2" "who $EPERM_VICTIM --json" \
	"list --target-pid $SH_VICTIM --limit 0" "list --target-pid $SH_VICTIM --since 2026-11-22T04:00Z --json" \
	"export --target-pid $SH_VICTIM --format csv --no-progress"; do
	# shellcheck disable=SC2086 # the words of $args are the arguments
	run_cli $args --db "$DB"
	a="$RC $(same_now <<<"$OUT")"
	# shellcheck disable=SC2086
	run_cli $args --db "$T/noeras.db"
	is "$a" "$RC $(same_now <<<"$OUT")" "$args: the eras answer as the blocks do"
	# shellcheck disable=SC2086
	run_cli $args --db "$T/oldpid.db"
	is "$a" "$RC $(same_now <<<"$OUT")" "$args: as the search of schema 21 does"
done
run_cli who "$SH_VICTIM" --db "$DB" --json --limit 0
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["total"], sorted({r["id"] >> 22 for r in j["signals"]}))')" \
	"$(($(q "$T/noindex.db" "select count(*) from signals where target_pid = $SH_VICTIM") * 4 + 1)) [0, 1, 2, 3]" \
	"who PID: its rows of every era, the ESRCH one too"
# Ids written by hand far from the others (a gap of 2^50, a negative one):
# the search by pid still finds them, without a list over the gap's blocks.
sqlite3 "$DB" "insert into signal_rows(id, epoch_ms, serial, signal, success, target_arg, sender_pid, target_pid)
values ((1 << 50) + 5, 1795300000000, 3999998, 15, 1, $SH_VICTIM, 4242, $SH_VICTIM),
	(-7, 1795300000000, 3999997, 15, 1, $SH_VICTIM, 4242, $SH_VICTIM)"
run_cli who "$SH_VICTIM" --db "$DB" --json --limit 0
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["total"], sorted(r["id"] for r in j["signals"])[0], max(r["id"] for r in j["signals"]))')" \
	"$(($(q "$T/noindex.db" "select count(*) from signals where target_pid = $SH_VICTIM") * 4 + 3)) -7 $(((1 << 50) + 5))" \
	"who PID: rows across a gap of 2^50 ids, and a negative id"
done_testing
