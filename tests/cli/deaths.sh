#!/bin/bash
# deaths.sh: the deaths of schema 3 through the CLI: `sigtrail who` telling
# the whole story of each cause (signal with the sender's ancestry, oom,
# crash, pidns-teardown, kernel), its JSON form, and a schema-2 database,
# which has no deaths and must say so. The daemon does not fill deaths and
# ancestry yet: deaths_db (lib.sh) inserts what it would.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/d.db
deaths_db "$DB"
sqlite3 "$DB" 'delete from collector_runs'
KILL_ID=$(q "$DB" "select id from signals where target_pid = $SH_VICTIM and signal = 9")

# --- signal: the death, its killer, and who started the killer -------------
run_cli who --db "$DB" "$SH_VICTIM"
is "$RC" 0 "who PID with a death: exit 0"
like "$OUT" "^Deaths of pid $SH_VICTIM, newest first \(times in UTC\):" "the deaths come first"
like "$OUT" "2026-11-22 04:07:33.950  pid $SH_VICTIM \(sleep\) died of SIGKILL: killed by a signal" \
	"headline: time, pid, comm, signal, cause"
like "$OUT" "process  exe /usr/bin/sleep  user root \(uid 0\)  parent 130  start time 123456" \
	"the dead process: exe, user, parent, start time"
like "$OUT" "           cmdline sleep 1000
           unit app.service  container deadbeefcafe0123  host vm" "its command line, unit, container, host"
like "$OUT" "evidence signal row $KILL_ID: SIGKILL from sh\[144\], 6 ms before the death, target start time 123456 matches" \
	"the evidence, as recorded"
like "$OUT" "sender   pid 144 \(parent [0-9]+\)  user root  login -  tty -
           comm sh  exe /usr/bin/dash
           cmdline sh -c kill -9 $SH_VICTIM
           unit cron.service  container -
           sent 2026-11-22 04:07:33.944 by kill\($SH_VICTIM\), audit serial [0-9]+, signal row $KILL_ID" \
	"the linked signal row's sender: user, comm, exe, cmdline, unit, when and how"
like "$OUT" "ancestry sh\[144\] ← cleanup.sh\[120\] ← cron\[812\] ← systemd\[1\]
           sh\[144\] +sh -c kill -9 $SH_VICTIM
           cleanup.sh\[120\] +/bin/bash /opt/cleanup.sh --all
           cron\[812\] +/usr/sbin/cron -f
           systemd\[1\] +/sbin/init splash" "the sender's ancestry, each ancestor with its command line"
like "$OUT" "Signals to pid $SH_VICTIM, newest first" "then the signals"
like "$OUT" "        ancestry sh\[144\] ← cleanup.sh\[120\] ← cron\[812\] ← systemd\[1\]
        unit cron.service  container -
  to    pid $SH_VICTIM  comm sleep  user root
        exe /usr/bin/sleep  start time 123456 ticks after boot \(the boot's time was not recorded\)
        cmdline sleep 1000
        unit app.service  container deadbeefcafe0123" "a signal row shows the new sender and target columns"
like "$OUT" "=> it died of this signal 6 ms later \(death 1\)" "the killing signal is marked"
like "$OUT" "Verdict: pid $SH_VICTIM \(sleep\) was killed by SIGKILL from \`sh -c kill -9 $SH_VICTIM\` \(pid 144, user root\), started by cleanup.sh\[120\] ← cron\[812\] ← systemd\[1\], at 2026-11-22 04:07:33Z\." \
	"verdict: the killer and who started it"
unlike "$OUT" "Deaths: none" "no 'none recorded' line when a death is listed"

# A signal death with no ancestry recorded, and the refused attempt beside it.
run_cli who --db "$DB" "$EPERM_VICTIM"
like "$OUT" "pid $EPERM_VICTIM \(sleep\) died of SIGKILL: killed by a signal
  process  exe -  uid 65534  parent 150" "unknown user: the uid; unknown exe: -"
like "$OUT" "ancestry not recorded" "no ancestry: said so"
like "$OUT" "SIGTERM  REFUSED \(EPERM: not allowed\)" "signals that did not kill it are still listed"
is "$(grep -c '=> it died of this signal' "$T/out")" 1 "only the killing signal is marked"

# --- oom -----------------------------------------------------------------------
run_cli who --db "$DB" java
is "$RC" 0 "who NAME matching only a death: exit 0"
like "$OUT" "pid 4000 \(java\) died of SIGKILL: killed by the kernel's OOM killer" "oom: headline"
like "$OUT" "  oom      constraint CONSTRAINT_MEMCG  memory cgroup /system.slice/app.service
           its own cgroup /system.slice/app.service  rss 524288 kB \(512.0 MiB\)" \
	"oom: constraint, memory cgroup, the task's cgroup, RSS"
like "$OUT" "Signals to processes named 'java', newest first \(times in UTC\):

none recorded" "no signal: said so"
like "$OUT" "Verdict: pid 4000 \(java\) was killed by the kernel's OOM killer at 2026-11-22 04:08:33Z: memory cgroup /system.slice/app.service hit its limit, it used 524288 kB\." \
	"oom: verdict"

# --- crash, matched by the exe's basename ------------------------------------
sqlite3 "$DB" "update death_rows set comm_s = (select id from strings where value = 'java') where pid = 4100"
run_cli who --db "$DB" segv
like "$OUT" "pid 4100 \(java\) died of SIGSEGV \(core dumped\): crashed" "a name matches the exe basename too"
like "$OUT" "  crash    SIGSEGV, core dumped, ANOM_ABEND audit record serial 9100 \(ausearch -a 9100\)" \
	"crash: signal, core, ANOM_ABEND serial"
like "$OUT" "Verdict: pid 4100 \(java\) crashed: SIGSEGV, core dumped, at 2026-11-22 04:09:33Z\." "crash: verdict"
run_cli who --db "$DB" seg
unlike "$OUT" "pid 4100" "a name is the whole basename, not a part"

# --- pidns-teardown: two workers of one namespace --------------------------------
run_cli who --db "$DB" worker
like "$OUT" "pid 4202 \(worker\) died of SIGKILL: killed by the kernel: its pid namespace's init exited" \
	"teardown: headline, newest first"
is "$(grep -c 'died of SIGKILL: killed by the kernel: its pid' "$T/out")" 2 "both workers"
like "$OUT" "evidence SIGKILL with no recorded sender; its pid namespace 4026532999 lost its init sh\[4200\], which exited 2 ms before the death" \
	"teardown: the namespace's init exit is the evidence"
like "$OUT" "pidns    namespace 4026532999: when a pid namespace's init exits" "teardown: the namespace"
like "$OUT" "; 2 deaths of processes named 'worker' recorded, this is the newest\." "verdict: how many deaths"
run_cli who --db "$DB" worker --limit 1
like "$OUT" "\.\.\. 1 more deaths not shown \(--limit 0 shows all\)" "--limit applies to deaths"

# --- kernel ------------------------------------------------------------------------
run_cli who --db "$DB" 4300
like "$OUT" "pid 4300 \(yes\) died of SIGPIPE: killed by the kernel" "kernel: headline"
like "$OUT" "Verdict: pid 4300 \(yes\) was killed by the kernel with SIGPIPE at 2026-11-22 04:11:33Z \(SIGPIPE with no recorded sender: a write to a pipe nobody reads\)\." \
	"kernel: verdict with what is known"

# --- no death, time windows ------------------------------------------------------------
run_cli who --db "$DB" "$GROUP_PGID"
is "$RC" 0 "signals but no death: exit 0"
like "$OUT" "Deaths: none recorded for pid $GROUP_PGID \(it may still run, or it exited without a signal before sigtraild's --exit-min-age, 1 s by default, and no signal reached it\)\." \
	"no death: said so"
unlike "$OUT" "Deaths of" "no deaths header"
run_cli who --db "$DB" java --until 2026-11-22T04:08:00Z
is "$RC" 1 "a window without the death: exit 1"
run_cli who --db "$DB" java --since 2026-11-22T04:08:00Z --until 2026-11-22T04:09:00Z
is "$RC" 0 "a window with the death: exit 0"

# --- JSON ------------------------------------------------------------------------------
run_cli who --db "$DB" "$SH_VICTIM" --json
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
x = d["deaths"]["rows"][0]
print(d["deaths"]["recorded"], d["deaths"]["total"], x["cause"], x["signal"], x["signal_id"], x["cmdline"],
      x["signal_row"]["sender_cmdline"], x["signal_row"]["sender_ancestry"],
      "|".join(a["cmdline"] for a in x["ancestry"]), d["verdict"]["kind"], d["verdict"]["death"]["id"],
      d["verdict"]["signal"]["id"], d["signals"][0]["target_cmdline"])')" \
	"True 1 signal 9 $KILL_ID sleep 1000 sh -c kill -9 $SH_VICTIM sh[144] ← cleanup.sh[120] ← cron[812] ← systemd[1] sh -c kill -9 $SH_VICTIM|/bin/bash /opt/cleanup.sh --all|/usr/sbin/cron -f|/sbin/init splash killed 1 $KILL_ID sleep 1000" \
	"--json: the death, its signal row, the ancestry, the verdict"
run_cli who --db "$DB" 4000 --json
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
x = d["verdict"]["death"]
print(d["verdict"]["kind"], x["oom_constraint"], x["oom_memcg"], x["oom_task_memcg"], x["oom_rss_kb"],
      x["signal_row"], x["ancestry"], d["verdict"]["signal"], d["signals"])')" \
	"oom CONSTRAINT_MEMCG /system.slice/app.service /system.slice/app.service 524288 None [] None []" \
	"--json: an oom death"
run_cli who --db "$DB" 4100 --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["verdict"]["kind"], d["verdict"]["death"]["abend_serial"], d["verdict"]["death"]["core_dumped"])')" \
	"crash 9100 1" "--json: a crash"

# A signal row pruned since: the death still says what it knows.
sqlite3 "$DB" "update death_rows set signal_id = 999999 where pid = $EPERM_VICTIM"
run_cli who --db "$DB" "$EPERM_VICTIM"
like "$OUT" "sender   signal row 999999 is no longer in the database \(pruned\)" "a pruned signal row: said so"
like "$OUT" "Verdict: pid $EPERM_VICTIM \(sleep\) was killed by SIGKILL, at .* \(the signal row is no longer in the database\)\." \
	"verdict without the row"

# --- list --deaths ---------------------------------------------------------------------
run_cli list --db "$DB" --deaths
is "$RC" 0 "list --deaths: exit 0"
is "$(head -1 "$T/out")" "TIME (UTC)              SIGNAL      CAUSE              PID USER         COMM            EVIDENCE" \
	"list --deaths: the header"
is "$(sed -n 2p "$T/out")" "2026-11-22 04:11:33.944 SIGPIPE     kernel            4300 1000         yes             SIGPIPE with no recorded sender: a write to a pipe nobody reads" \
	"list --deaths: newest first, the uid when no user name"
like "$OUT" "2026-11-22 04:07:33.950 SIGKILL     signal             $SH_VICTIM root         sleep           signal row $KILL_ID: SIGKILL from sh\[144\]" \
	"list --deaths: a signal death"
is "$(($(wc -l <"$T/out") - 1))" 7 "list --deaths: every death"
run_cli list --db "$DB" --deaths --cause pidns-teardown
is "$(sed 1d "$T/out" | awk '{ printf "%s %s %s;", $5, $6, $7 }')" "4202 root worker;4201 root worker;" "--cause pidns-teardown: the two workers"
run_cli list --db "$DB" --deaths --signal SEGV --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), r[0]["pid"], r[0]["cause"], r[0]["core_dumped"], r[0]["abend_serial"], ",".join(r[0]))')" \
	"1 4100 crash 1 9100 $(sqlite3 "$DB" "select group_concat(name, ',') from pragma_table_info('deaths')")" \
	"list --deaths --json: the deaths view's columns, in order"
run_cli list --db "$DB" --deaths --target-comm worker --target-pid 4201
is "$(sed 1d "$T/out" | awk '{ print $5 }')" "4201" "--target-pid and --target-comm select the dead process"
run_cli list --db "$DB" --deaths --host nowhere
is "$RC/$OUT" "0/" "--host: nothing matches, no table"
like "$ERR" "no deaths match" "and a note on stderr"
run_cli list --db "$DB" --deaths --sender-user root
is "$RC" 64 "list --deaths --sender-user: usage error"
like "$ERR" "--sender-user filters signals, not deaths" "and says why"
run_cli list --db "$DB" --cause oom
is "$RC" 64 "--cause without --deaths: usage error"
run_cli list --db "$DB" --deaths --cause killed
is "$RC/$ERR" "64/sigtrail: error: --cause 'killed': expected signal, oom, crash, pidns-teardown, kernel or exit" "a bad --cause is named"

# --- an exit (schema 7): cause exit, its status, no signal --------------------------------------
sqlite3 "$DB" "insert into death_rows(epoch_ms, pid, start_time, signal, core_dumped, uid, comm_s, ppid, cause, evidence, exit_status)
select max(epoch_ms) + 1000, 4400, 77000, NULL, 0, 0, (select id from strings where value = 'worker'), 1, 'exit',
	'it exited on its own with status 3 after 2.0 s; no signal reached it', 3 from death_rows"
run_cli list --db "$DB" --deaths --cause exit
like "$(sed -n 2p "$T/out")" "^[-0-9 :.]+ status 3    exit              4400 0            worker          it exited on its own with status 3 after 2\.0 s; no signal reached it$" \
	"list --deaths --cause exit: its status in the signal column"
run_cli who --db "$DB" 4400
like "$OUT" "pid 4400 \(worker\) exited with status 3: it exited on its own" "who: an exit's headline"
like "$OUT" "Verdict: pid 4400 \(worker\) was not killed: at [-0-9 :TZ]+ it exited on its own with status 3 after 2\.0 s; no signal reached it\." \
	"who: an exit's verdict"
run_cli who --db "$DB" 4400 --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin)["verdict"]; print(d["kind"], d["death"]["signal"], d["death"]["exit_status"])')" \
	"exit None 3" "who --json: kind exit, signal null, exit_status 3"
run_cli status --db "$DB"
like "$OUT" ", exit 1" "status: the exit among the deaths per cause"
sqlite3 "$DB" "delete from death_rows where pid = 4400"

# --- who NAME: the script an interpreter runs (python3 worker.py, bash cleanup.sh) ----------------
sqlite3 "$DB" "insert or ignore into strings(value) values ('python3'), ('python3 -u /srv/worker.py --fast'),
	('/usr/bin/python3.11'), ('bash'), ('/usr/bin/bash -c worker.py');
insert into death_rows(epoch_ms, pid, signal, core_dumped, comm_s, exe_s, cmdline_s, ppid, cause, evidence)
select max(epoch_ms) + 1000, 4500, 9, 0, (select id from strings where value = 'python3'),
	(select id from strings where value = '/usr/bin/python3.11'),
	(select id from strings where value = 'python3 -u /srv/worker.py --fast'), 1, 'kernel', 'x' from death_rows;
insert into death_rows(epoch_ms, pid, signal, core_dumped, comm_s, cmdline_s, ppid, cause, evidence)
select max(epoch_ms) + 1000, 4501, 9, 0, (select id from strings where value = 'bash'),
	(select id from strings where value = '/usr/bin/bash -c worker.py'), 1, 'kernel', 'x' from death_rows"
run_cli who --db "$DB" worker.py
is "$RC" 0 "who worker.py: found"
like "$OUT" "pid 4500 \(python3\) died of SIGKILL" "who worker.py: python3 -u /srv/worker.py, by its script"
unlike "$OUT" "pid 4501" "not bash -c worker.py (a command, not a script)"
sqlite3 "$DB" "delete from death_rows where pid in (4500, 4501)"

# --- export --deaths: the same safety as signals ----------------------------------------------
sqlite3 "$DB" "insert or ignore into strings(value) values ('=HYPERLINK(\"http://evil.example\",\"x\")'), ('@SUM(1+1)');
insert into death_rows(epoch_ms, pid, signal, core_dumped, comm_s, cmdline_s, cause, evidence)
select max(epoch_ms) + 1000, 4400, 15, 0, (select id from strings where value = '@SUM(1+1)'),
	(select id from strings where value like '=HYPERLINK%'), 'kernel', '-evidence, \"quoted\"' from death_rows"
for fmt in csv jsonl json; do
	run_cli export --db "$DB" --deaths --until "@$FIXTURE_END" --format "$fmt" -o "$T/deaths.$fmt"
	is "$RC" 0 "export --deaths --format $fmt: exit 0"
	like "$ERR" "exported 8 deaths \($fmt, times in UTC\)" "export --deaths $fmt: says how many deaths"
	is "$(python3 "$CLI_TESTS/roundtrip.py" "$fmt" "$T/deaths.$fmt" "$DB" deaths)" "ok 8" \
		"export --deaths $fmt: a real parser reads back exactly the deaths view (hostile strings included)"
done
like "$(cat "$T/deaths.csv")" "\"'=HYPERLINK\(\"\"http://evil.example\"\",\"\"x\"\"\)\"" "csv: a formula in a command line is guarded"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["view"], d["schema_version"], d["row_count"], d["filters"])' "$T/deaths.json")" \
	"deaths $SCHEMA_VERSION 8 {}" "json: metadata names the view"
run_cli export --db "$DB" --deaths --until "@$FIXTURE_END" --format json --cause oom --signal KILL
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["filters"], d["row_count"], d["rows"][0]["oom_memcg"], d["first_row"])')" \
	"{'signal': 9, 'cause': 'oom'} 1 /system.slice/app.service 2026-11-22T04:08:33.944Z" "json: --cause and --signal filters, stated in the metadata"
run_cli export --db "$DB" --deaths --until "@$FIXTURE_END" --format csv --meta "$T/meta.json" -o "$T/m.csv"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["view"], d["row_count"])' "$T/meta.json")" \
	"deaths 8" "--meta beside a deaths csv"
run_cli export --db "$DB" --deaths --failed
is "$RC" 64 "export --deaths --failed: usage error"
run_cli export --db "$DB" --format csv -o "$T/signals.csv"
is "$(head -1 "$T/signals.csv" | tr -d '\r')" \
	"$(sqlite3 "$DB" "select group_concat(name, ',') from pragma_table_info('signals')")" \
	"a signals export carries the schema-3 columns"
like "$(grep "^$KILL_ID," "$T/signals.csv")" ",\"sh\[144\] ← cleanup.sh\[120\] ← cron\[812\] ← systemd\[1\]\",\"/usr/bin/sleep\",\"sleep 1000\",123456,\"cron.service\",\"app.service\",,\"deadbeefcafe0123\"" \
	"with their values"

# --- status: deaths per cause -------------------------------------------------------------
run_cli status --db "$DB"
like "$OUT" "deaths:    8 recorded: signal 2, oom 1, crash 1, pidns-teardown 2, kernel 2, exit 0" "status: deaths per cause"
run_cli status --db "$DB" --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["database"]["deaths"])')" \
	"{'recorded': True, 'total': 8, 'by_cause': {'signal': 2, 'oom': 1, 'crash': 1, 'pidns-teardown': 2, 'kernel': 2, 'exit': 0}}" \
	"status --json: deaths per cause"

# --- hostile strings in a death are escaped for the terminal ------------------------------------
sqlite3 "$DB" "insert into strings(value) values ('evil' || char(27) || '[2J'), ('rm ' || char(27) || ']0;owned' || char(7) || ' ' || cast(x'ff' as text)),
	('oom' || char(10) || 'Verdict: forged');
insert into death_rows(epoch_ms, pid, signal, core_dumped, comm_s, cmdline_s, cause, evidence, oom_memcg_s)
select max(epoch_ms) + 1000, 4500, 9, 0, (select id from strings where value like 'evil%'),
	(select id from strings where value like 'rm %'), 'oom', 'kernel log', (select id from strings where value like 'oom%')
from death_rows"
run_cli who --db "$DB" 4500
like "$OUT" 'pid 4500 \(evil\\x1B\[2J\) died of SIGKILL' "a comm's escape sequence is shown as \\x1B"
like "$OUT" 'cmdline rm \\x1B\]0;owned\\x07 \\xFF' "a command line's control bytes and invalid UTF-8 as \\xNN"
unlike "$OUT" "$(printf '\033')" "no raw escape reaches the terminal"
is "$(grep -c '^Verdict:' "$T/out")" 1 "a newline in a cgroup name cannot forge a verdict line"

# --- report: deaths by cause, and who ended processes ------------------------------------------
run_cli report --db "$DB" --format md
like "$OUT" "## Deaths by cause

9 processes died of a signal in this period.

\| cause \| deaths \| processes \| commands \|
\|---\|---:\|---:\|---\|
\| kernel \| 2 \| 2 \| yes,@SUM\(1\+1\) \|
\| oom \| 2 \| 2 \| java,evil[^|]*x1B[^|]*2J \|
\| pidns-teardown \| 2 \| 2 \| worker \|
\| signal \| 2 \| 2 \| sleep \|
\| crash \| 1 \| 1 \| java \|" "report md: deaths by cause equal the rows"
like "$OUT" "## Senders whose signals ended processes

\| sender command line \| deaths \| processes \| user \|
\|---\|---:\|---:\|---\|
\| \(signal row 999999, pruned since\) \| 1 \| 1 \|  \|
\| sh -c kill -9 $SH_VICTIM \| 1 \| 1 \| root \|" "report md: the senders whose signals ended processes (a pruned row said so)"
run_cli report --db "$DB" --format md --since 2026-11-22T04:08:00Z --until 2026-11-22T04:09:00Z
like "$OUT" "1 processes died of a signal in this period\." "report md: the period applies to deaths"
run_cli report --db "$DB" -o "$T/d.html"
like "$(cat "$T/d.html")" "<h2>Deaths by cause</h2><p>9 processes died of a signal in this period\.</p><table>" "report html: the deaths section"
like "$(cat "$T/d.html")" "<td class=\"cmd\">sh -c kill -9 $SH_VICTIM</td><td class=\"n\">1</td>" "report html: the sender that ended a process"
unlike "$(cat "$T/d.html")" "$(printf '\033')" "report html: no raw escape"

# --- deaths coverage: was the process table on, did it lose deaths ---------------------------
t0=$(q "$DB" 'select min(epoch_ms) from deaths')
add_run "$DB" $((t0 - 60000)) $((t0 + 30000)) stopped
add_run "$DB" $((t0 + 30000)) $((t0 + 600000)) stopped
sqlite3 "$DB" "update collector_runs set processes = 'on', deaths = 7 where id = (select min(id) from collector_runs);
	update collector_runs set processes = 'off: the proc connector failed: Operation not permitted',
	lost_deaths = 2, lost_process_events = 5, lost_kernel_log = 3, lost_abends = 1, lost_process_facts = 2,
	untracked_processes = 4, lost_targets = 6 where id = (select max(id) from collector_runs)"
run_cli who --db "$DB" "$SH_VICTIM" --since @$((t0 / 1000 - 30)) --until @$((t0 / 1000 + 20))
like "$OUT" "Deaths coverage: the process table was on in every run; it lost no deaths\." \
	"deaths coverage: on, nothing lost"
run_cli who --db "$DB" "$GROUP_PGID" --since @$((t0 / 1000 - 30)) --until @$((t0 / 1000 + 20))
like "$OUT" "Deaths: none recorded for pid $GROUP_PGID \(it may still run" "no death, the table on: it did not die of a signal"
run_cli who --db "$DB" "$GROUP_PGID" --since @$((t0 / 1000 - 30)) --until @$((t0 / 1000 + 500))
like "$OUT" "Deaths: none recorded for pid $GROUP_PGID, but the process table was off for part of the time \(see Deaths coverage\)\." \
	"no death, the table off for a while: no conclusion drawn"
run_cli who --db "$DB" java --since @$((t0 / 1000 - 30)) --until @$((t0 / 1000 + 500))
like "$OUT" "Deaths coverage: the process table was OFF in 1 of 2 runs \(the proc connector failed: Operation not permitted\): deaths then were not recorded; it LOST 2 deaths and 5 process events \(deaths then may be missing, ancestry incomplete\)" \
	"deaths coverage: off in a run and why, and the losses"
like "$OUT" "it LOST 2 deaths and 5 process events \(deaths then may be missing, ancestry incomplete\); 3 kernel log lines were overwritten before they were read \(an OOM kill then reads as cause kernel\); 1 crash records \(ANOM_ABEND\) were lost \(a crash then reads as a signal\); 2 /proc reads failed and 4 processes were never in the table \(their command lines and ancestry are missing\)\." \
	"deaths coverage: every loss schema 5 counts (kernel log, crash records, process facts)"
like "$OUT" "; it LOST 6 targets beyond the 4096 one event keeps" "signals coverage: the targets one event could not keep"
run_cli who --db "$DB" java --json --since @$((t0 / 1000 - 30)) --until @$((t0 / 1000 + 500))
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; c=json.load(sys.stdin)["coverage"]; print(c["processes"], [(r["processes"], r["deaths"], r["lost_deaths"], r["stopped_by"]) for r in c["runs"]])')" \
	"{'on_runs': 1, 'off_runs': 1, 'off_reason': 'the proc connector failed: Operation not permitted', 'lost_deaths': 2, 'lost_process_events': 5, 'lost_kernel_log': 3, 'lost_abends': 1, 'lost_process_facts': 2, 'untracked_processes': 4} [('on', 7, 0, None), ('off: the proc connector failed: Operation not permitted', 0, 2, None)]" \
	"--json: the process table's coverage and each run's"
run_cli export --db "$DB" --deaths -o "$T/cov.csv" --since @$((t0 / 1000 - 30)) --until @$((t0 / 1000 + 500))
like "$ERR" "warning: coverage: .*; deaths: the process table was OFF in 1 of 2 runs" "export --deaths warns when deaths were not all recorded"
now_ms=$(($(date +%s) * 1000))
sqlite3 "$DB" 'delete from collector_runs'
add_run "$DB" $((now_ms - 60000)) $((now_ms - 1000)) stopped
sqlite3 "$DB" "update collector_runs set processes = 'off: --no-processes' where id = (select max(id) from collector_runs)"
run_cli status --db "$DB"
like "$OUT" "
           deaths: the process table was OFF in 1 of 1 runs \(--no-processes\): deaths then were not recorded; it lost no deaths" \
	"status: the process table over the last day"
run_cli status --db "$DB" --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["coverage_24h"]["processes"])')" \
	"{'on_runs': 0, 'off_runs': 1, 'off_reason': '--no-processes', 'lost_deaths': 0, 'lost_process_events': 0}" \
	"status --json: the process table over the last day"
sqlite3 "$DB" 'delete from collector_runs'

# --- the container stop that went wrong: the init got SIGTERM, the workers SIGKILL -------------
# The namespace's init (nspid 1) died of a SIGTERM from `docker stop app`; its workers were torn down.
sqlite3 "$DB" "insert or ignore into strings(value) values ('docker'), ('/usr/bin/docker'), ('docker stop app'),
	('docker[900] ← bash[850] ← sshd[700] ← systemd[1]'), ('sh');
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, target_arg, sender_pid,
	sender_ppid, sender_uid, sender_euid, sender_user_s, sender_comm_s, sender_exe_s, sender_cmdline_s,
	target_pid, target_uid, target_user_s, target_comm_s, sender_ancestry_s)
select d.epoch_ms - 10, 990000, r.host_s, r.arch_s, r.syscall_s, 15, 1, 4200, 900, 850, 0, 0, r.sender_user_s,
	(select id from strings where value = 'docker'), (select id from strings where value = '/usr/bin/docker'),
	(select id from strings where value = 'docker stop app'), 4200, 0, r.target_user_s,
	(select id from strings where value = 'sh'),
	(select id from strings where value = 'docker[900] ← bash[850] ← sshd[700] ← systemd[1]')
from signal_rows r, death_rows d where r.id = $KILL_ID and d.pid = 4201"
INIT_ROW=$(q "$DB" 'select max(id) from signal_rows')
# The init handled the SIGTERM and exited 0 (no death of its own): its SIGTERM is still named.
run_cli who --db "$DB" 4201
like "$OUT" "  parent   pid 4200 \(sh\) had received SIGTERM from .docker stop app. \(pid 900, user root\), started by bash\[850\] ← sshd\[700\] ← systemd\[1\], 10 ms before the death \(signal row $INIT_ROW\)" \
	"teardown, the init exited on its own: the signal its parent (the init) received"
like "$OUT" "Verdict: pid 4201 \(worker\) was killed by the kernel when its pid namespace's init exited, at 2026-11-22 04:10:33Z \(SIGKILL with no recorded sender; .*\); its parent pid 4200 \(sh\) had received SIGTERM from .docker stop app. \(pid 900, user root\), started by bash\[850\] ← sshd\[700\] ← systemd\[1\], 10 ms before the death\." \
	"teardown verdict: the evidence, then the SIGTERM the init got"
sqlite3 "$DB" "insert into death_rows(epoch_ms, pid, signal, core_dumped, comm_s, ppid, pidns, nspid, cause, signal_id, evidence)
select epoch_ms - 3, 4200, 15, 0, (select id from strings where value = 'sh'), 1, 4026532999, 1, 'signal',
	(select max(id) from signal_rows), 'signal row ' || (select max(id) from signal_rows) || ': SIGTERM from docker[900], 7 ms before the death'
from death_rows where pid = 4201"
run_cli who --db "$DB" 4201
unlike "$OUT" "  parent   " "the init's own death replaces the parent's signal"
like "$OUT" "  init     pid 4200 \(sh\) died of SIGTERM from .docker stop app. \(pid 900, user root\), started by bash\[850\] ← sshd\[700\] ← systemd\[1\], 3 ms before \(death [0-9]+: sigtrail who 4200\)" \
	"teardown: the init's death and who sent it the signal"
like "$OUT" "Verdict: pid 4201 \(worker\) was killed by the kernel when its pid namespace's init exited, at 2026-11-22 04:10:33Z: its init pid 4200 \(sh\) died of SIGTERM from .docker stop app. \(pid 900, user root\), started by bash\[850\] ← sshd\[700\] ← systemd\[1\]\." \
	"teardown verdict: the stop that went wrong, in one line"
# A reused namespace number (the kernel hands a freed one on at once): an earlier namespace
# 4026532999 whose init 4100 died 10 s before, and this namespace's init reported 2 ms after its
# worker, as the kernel does.
sqlite3 "$DB" "insert into death_rows(epoch_ms, pid, signal, core_dumped, comm_s, ppid, pidns, nspid, cause, evidence)
select epoch_ms - 10000, 4100, 9, 0, comm_s, 1, pidns, 1, 'kernel', 'an earlier namespace of that number'
	from death_rows where pid = 4200;
update death_rows set epoch_ms = (select epoch_ms + 2 from death_rows where pid = 4201) where pid = 4200"
run_cli who --db "$DB" 4201
like "$OUT" "  init     pid 4200 \(sh\) died of SIGTERM from .docker stop app. .*, 2 ms after \(death [0-9]+: sigtrail who 4200\)" \
	"a reused namespace number: the init that died 2 ms after the worker"
unlike "$OUT" "pid 4100" "not the init of an earlier namespace of that number"
# A row that names its init (schema 6: init_pid, init_start_time) is matched by it, even when
# another init of that number died nearer in time.
sqlite3 "$DB" "insert into death_rows(epoch_ms, pid, signal, core_dumped, comm_s, ppid, pidns, nspid, cause, evidence)
select epoch_ms + 1, 4300, 9, 0, comm_s, 1, pidns, 1, 'kernel', 'another init of that number'
	from death_rows where pid = 4201;
update death_rows set init_pid = 4200 where pid = 4201"
run_cli who --db "$DB" 4201
like "$OUT" "  init     pid 4200 \(sh\) died of SIGTERM" "init_pid names the init"
unlike "$OUT" "pid 4300" "not the other init that died nearer in time"
sqlite3 "$DB" "delete from death_rows where pid in (4100, 4300); update death_rows set init_pid = NULL"
run_cli who --db "$DB" 4202 --json
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)["verdict"]["death"]
i = d["init_death"]
print(d["cause"], i["pid"], i["nspid"], i["signame"], i["signal_row"]["sender_cmdline"], "init_death" in i)')" \
	"pidns-teardown 4200 1 SIGTERM docker stop app False" "--json: a teardown carries its init's death and sender"
sqlite3 "$DB" "update death_rows set cause = 'pidns-teardown' where pid = 4200"
run_cli who --db "$DB" 4200 --json
is "$RC" 0 "a damaged init row (teardown of itself) does not recurse"
sqlite3 "$DB" "update death_rows set cause = 'signal' where pid = 4200"
run_cli who --db "$DB" 4200
like "$OUT" "sent 2026-11-22 04:10:33.934 by kill\(4200\), audit serial 990000, signal row $INIT_ROW" "who the init: its killer's row"

# --- who NAME: a signal's target matched by its exe basename too (schema 3) ---------------------
sqlite3 "$DB" "insert or ignore into strings(value) values ('MainThread'), ('/opt/myapp/bin/myapp');
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, target_arg,
	sender_pid, sender_uid, sender_comm_s, sender_cmdline_s, target_pid, target_comm_s, target_exe_s)
select epoch_ms + 1, 996000, host_s, arch_s, syscall_s, 15, 1, 6000, sender_pid, sender_uid, sender_comm_s,
	sender_cmdline_s, 6000, (select id from strings where value = 'MainThread'),
	(select id from strings where value = '/opt/myapp/bin/myapp') from signal_rows where id = $KILL_ID"
run_cli who --db "$DB" myapp
is "$RC/$(grep -c '^  to    pid 6000  comm MainThread' "$T/out")" "0/1" "who NAME: a target whose comm differs is found by its exe"
run_cli list --db "$DB" --target-comm myapp
is "$RC/$OUT" "0/" "list --target-comm stays the comm alone"

# --- pid reuse: a signal to an earlier owner of the pid is told apart --------------------------
sqlite3 "$DB" "insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success,
	target_arg, sender_pid, sender_uid, sender_comm_s, sender_cmdline_s, target_pid, target_comm_s,
	target_start_time) select epoch_ms - 60000, 995000, host_s, arch_s, syscall_s, 15, 1, target_arg,
	sender_pid, sender_uid, sender_comm_s, sender_cmdline_s, target_pid, target_comm_s, 100
	from signal_rows where id = $KILL_ID"
run_cli who --db "$DB" "$SH_VICTIM"
like "$OUT" "SIGTERM  delivered
.*
  !=    sent to another process that had this pid \(start time 100 ticks after boot; the one that died: start time 123456 ticks after boot\)" \
	"pid reuse: the signal to the pid's earlier owner says so"
is "$(grep -c '^  !=' "$T/out")" 1 "only that one"

# --- start times as wall-clock times, the session, a cut chain ------------------------------
# The run that recorded the death sampled the boot's time (schema 14): start
# time 123456 ticks (1234.56 s after boot) is then 01:54:33.950, 2 h 13 m
# before the death at 04:07:33.950.
B=$T/boot.db
cp "$DB" "$B"
DEATH_MS=$(q "$B" "select epoch_ms from deaths where pid = $SH_VICTIM")
sqlite3 "$B" "insert into collector_runs(started_ms, heartbeat_ms, stopped_ms, ended, source, pid,
	version, boot_epoch_ms) values ($DEATH_MS - 1000, $DEATH_MS + 1000, $DEATH_MS + 1000, 'stopped',
	'stdin', 4321, 'test', $DEATH_MS - 1234560 - 7980000);
	insert or ignore into strings(value) values ('alice');
	update signal_rows set sender_ses = 7, sender_auid = 1000,
		sender_login_s = (select id from strings where value = 'alice') where id = $KILL_ID;
	delete from ancestry_rows where depth = 3"
run_cli who --db "$B" "$SH_VICTIM"
like "$OUT" "parent 130  started 01:54:33, 2 h 13 m before the death" \
	"the dead process's start: wall-clock time and age at the death"
like "$OUT" "exe /usr/bin/sleep  started 01:54:33, 2 h 12 m before the signal" \
	"the target's start: wall-clock time and age at the signal"
like "$OUT" "sender   pid 144 \(parent [0-9]+\)  user root  login alice \(session 7\)" \
	"the sender's session beside the login user"
like "$OUT" "from  pid 144 \(parent [0-9]+\)  user root  login alice \(session 7\)" \
	"the same in the signal row"
like "$OUT" "\(pid 144, user root, login alice, session 7\)" "and in the verdict"
like "$OUT" "           cron\[812\] +/usr/sbin/cron -f
           \(chain cut: the parent of cron\[812\] was not in the process table\)" \
	"a chain that ends before pid 1 says so under its members"
like "$OUT" "ancestry sh\[144\] ← cleanup.sh\[120\] ← cron\[812\] ← systemd\[1\]
                 \(chain cut: the parent of cron\[812\]" "and in the signal row"
sqlite3 "$B" "delete from ancestry_rows where depth >= 1"
run_cli who --db "$B" "$SH_VICTIM"
like "$OUT" "           sh\[144\] +sh -c kill -9 $SH_VICTIM
           \(chain cut: parent pid $(q "$B" "select sender_ppid from signals where id = $KILL_ID") was not in the process table\)" \
	"the sender alone: its parent's pid"
run_cli who --db "$DB" "$SH_VICTIM"
unlike "$OUT" "chain cut" "a chain up to pid 1 is whole"
like "$OUT" "parent 130  start time 123456 ticks after boot \(the boot's time was not recorded\)" \
	"without the boot's time: ticks, and why"
sqlite3 "$B" "update collector_runs set boot_epoch_ms = $DEATH_MS - 1234560 - 90000000"
run_cli who --db "$B" "$SH_VICTIM"
like "$OUT" "parent 130  started 2026-11-21 03:07:33, 1 d 1 h before the death" \
	"another day: with the date"

# --- a schema-2 database: no deaths, and it says so -------------------------------------
S2=$T/s2.db
SCHEMA=$CLI_TESTS/../../schema
{ cat "$SCHEMA/001-initial.sql" "$SCHEMA/002-coverage.sql"
	echo "PRAGMA application_id = 1397183570; PRAGMA user_version = 2;"
	echo "ATTACH '$DB' AS d; INSERT INTO strings SELECT id, value FROM d.strings;"
	echo "INSERT INTO signal_rows SELECT id, epoch_ms, serial, host_s, arch_s, syscall_s, signal, success,
		errno_s, target_arg, sender_pid, sender_ppid, sender_uid, sender_euid, sender_auid, sender_ses,
		sender_user_s, sender_login_s, sender_tty_s, sender_comm_s, sender_exe_s, sender_cmdline_s,
		target_pid, target_uid, target_auid, target_ses, target_user_s, target_comm_s, count
		FROM d.signal_rows;"
} | sqlite3 "$S2" || bail "cannot make a schema-2 database"
run_cli who --db "$S2" "$SH_VICTIM"
is "$RC" 0 "schema 2: who still answers from the signals"
like "$OUT" "Verdict: SIGKILL from \`sh -c kill -9 $SH_VICTIM\`" "schema 2: the signal verdict"
like "$OUT" "Deaths: not recorded in this database \(schema 2; deaths are recorded from schema 3 on, which sigtraild sets up when it next starts\)\." \
	"schema 2: says deaths are not recorded"
unlike "$OUT" "ancestry|=> it died|Deaths coverage" "schema 2: no schema-3 lines"
run_cli who --db "$S2" "$SH_VICTIM" --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["deaths"], d["verdict"]["death"], list(d["signals"][0])[-1], len(d["signals"][0]))')" \
	"{'recorded': False, 'rows': [], 'shown': 0, 'total': 0, 'more': False} None count 31" \
	"schema 2 --json: deaths not recorded, signal rows with the schema-2 keys"
run_cli who --db "$S2" java
is "$RC" 1 "schema 2: nothing for a name only a death had"
run_cli list --db "$S2" --deaths
is "$RC" 65 "schema 2: list --deaths fails"
like "$ERR" "records no deaths \(schema 2; deaths are recorded from schema 3 on" "and says why"
run_cli export --db "$S2" --deaths -o "$T/none.csv"
is "$RC/$(ls "$T/none.csv" 2>/dev/null)" "65/" "schema 2: export --deaths fails, no file"
run_cli export --db "$S2" --until "@$FIXTURE_END" --format jsonl -o "$T/s2.jsonl"
is "$(python3 "$CLI_TESTS/roundtrip.py" jsonl "$T/s2.jsonl" "$S2")" "ok $(q "$S2" 'select count(*) from signals')" "schema 2: a signals export has the schema-2 columns"
run_cli status --db "$S2"
like "$OUT" "deaths:    not recorded \(schema 2; sigtraild records them from schema 3 on" "schema 2: status says deaths are not recorded"
run_cli report --db "$S2" --format md
like "$OUT" "## Deaths by cause

Not recorded in this database \(schema 2; deaths are recorded from schema 3 on\)\." "schema 2: the report says deaths are not recorded"
run_cli status --db "$S2" --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["database"]["deaths"])')" "{'recorded': False}" "schema 2: status --json"
# A schema-5 database (before init_pid): who on a namespace init's death reads it as it is.
S5=$T/s5.db
cat "$CLI_TESTS"/../../schema/00[1-5]-*.sql | sqlite3 "$S5"
sqlite3 "$S5" "pragma application_id = $((0x53475452)); pragma user_version = 5;
insert into death_rows(epoch_ms, pid, signal, core_dumped, ppid, pidns, nspid, cause, evidence)
	values (1795320513944, 4200, 9, 0, 1, 4026532999, 1, 'signal', 'x'),
	(1795320513945, 4201, 9, 0, 4200, 4026532999, 2, 'pidns-teardown', 'y')"
run_cli who --db "$S5" 4200
is "$RC" 0 "schema 5: who on a namespace init's death"
run_cli who --db "$S5" 4201
is "$RC/$(grep -c '  init     pid 4200' "$T/out")" "0/1" "schema 5: a teardown victim still names its init by time"
done_testing
