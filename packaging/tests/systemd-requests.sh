#!/bin/bash
# systemd-requests.sh BUILD_DIR: who asked systemd (issue 18), under a real
# systemd as PID 1.
#
#   sudo bash packaging/tests/vm-systemd.sh BUILD_DIR bash packaging/tests/systemd-requests.sh BUILD_DIR
#
# The build's sigtraild runs in the foreground on a database in a temporary
# directory. A test unit that ignores SIGTERM, with TimeoutStopSec=2, is
# stopped by `systemctl stop` from a session with a login uid (nobody's):
# its SIGTERM from systemd names that request (pid, command line, user,
# login user), and systemd's SIGKILL when the stop timed out is linked to
# the SIGTERM and to the same request. A unit killed by its own
# RuntimeMaxSec= has no requester ("no request seen"). `who` says so.
# Exit 77 (TAP skip) without systemd or root. TAP output.
set -u
export LC_ALL=C
build=$(cd "${1:?usage: systemd-requests.sh BUILD_DIR}" && pwd)
T=$(mktemp -d)
daemon=''
# shellcheck source=../../tests/lib/tap.sh
. "$(dirname "$0")/../../tests/lib/tap.sh"
cleanup() {
	systemctl stop sigtrail-req-stop.service sigtrail-req-max.service 2>/dev/null
	rm -f /run/systemd/system/sigtrail-req-*.service
	systemctl daemon-reload 2>/dev/null
	if [ -n "$daemon" ]; then
		kill -TERM "$daemon" 2>/dev/null
		wait "$daemon"
	fi
	[ "$_tap_failed" != 0 ] && sed 's/^/# /' "$T/daemon.log"
	rm -rf "$T"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -d /run/systemd/system ] || skip_all "systemd is not PID 1 here (use vm-systemd.sh)"
q() { sqlite3 -batch -noheader -nullvalue NULL -cmd '.timeout 2000' "$T/t.db" "$1"; }

plan 9
"$build/collector/sigtraild" --foreground --db "$T/t.db" --runtime-dir "$T/run" \
	2>"$T/daemon.log" &
daemon=$!
wait_until 20 grep -qw ready "$T/daemon.log" || bail "sigtraild did not get ready"

cat >/run/systemd/system/sigtrail-req-stop.service <<'UNIT'
[Service]
ExecStart=/bin/bash -c "trap '' TERM; exec sleep 1000"
TimeoutStopSec=2
UNIT
cat >/run/systemd/system/sigtrail-req-max.service <<'UNIT'
[Service]
ExecStart=/bin/sleep 1000
RuntimeMaxSec=3
UNIT
systemctl daemon-reload
systemctl start sigtrail-req-stop.service sigtrail-req-max.service
main=$(systemctl show -P MainPID sigtrail-req-stop.service)
ok "the unit to stop runs (pid $main)" test "$main" -gt 0
# A session with a login uid: nobody's (root may set an unset one).
nobody=$(id -u nobody)
bash -c "echo $nobody > /proc/self/loginuid && exec systemctl stop sigtrail-req-stop.service" &
requester=$!
wait "$requester"
wait_until 30 test "$(q "select count(*) from signals where target_unit = 'sigtrail-req-max.service' and signal = 15")" -ge 1
wait_until 30 test "$(q "select count(*) from signals where target_pid = $main and signal = 9")" -ge 1
maxpid=$(q "select target_pid from signals where target_unit = 'sigtrail-req-max.service' and signal = 15 limit 1")

row() { q "select sender_comm || '|' || coalesce(requested_by_pid, 'NULL') || '|' ||
	coalesce(requested_by_cmdline, 'NULL') || '|' || coalesce(requested_by_user, 'NULL') || '|' ||
	coalesce(requested_by_login, 'NULL') || '|' || coalesce(request_evidence, 'NULL')
	from signals where target_pid = $1 and signal = $2 order by id limit 1"; }
term=$(row "$main" 15)
diag "SIGTERM: $term"
is "$(cut -d'|' -f1-5 <<<"$term")" "systemd|$requester|systemctl stop sigtrail-req-stop.service|root|nobody" \
	"systemd's SIGTERM names the systemctl stop: pid, command line, user, login user"
like "$term" "names sigtrail-req-stop.service, the target's unit, exec'd [0-9.]+ (ms|s) before the signal; /usr/bin/systemctl is the system's program" \
	"its evidence: the unit matched, how long before, the system's systemctl"
kill9=$(row "$main" 9)
diag "SIGKILL: $kill9"
is "$(cut -d'|' -f1-3 <<<"$kill9")" "systemd|$requester|systemctl stop sigtrail-req-stop.service" \
	"systemd's SIGKILL after TimeoutStopSec: the same request"
like "$kill9" "SIGKILL 2\.[0-9] s after the same supervisor's SIGTERM \(serial [0-9]+\): the stop timed out" \
	"linked to the SIGTERM, 2 s later"
max=$(row "$maxpid" 15)
diag "RuntimeMaxSec: $max"
is "$(cut -d'|' -f1-3 <<<"$max")" "systemd|NULL|NULL" "RuntimeMaxSec=: systemd's own stop, no requester"
like "$max" "no request seen: no systemctl stop, restart or kill naming sigtrail-req-max.service" \
	"no request seen, and what was looked for"
who=$("$build/collector/cli/sigtrail" --db "$T/t.db" who "$main" 2>&1)
diag "$who"
like "$who" "stopping sigtrail-req-stop.service, requested by \`systemctl stop sigtrail-req-stop.service\` \(pid $requester, user root, login nobody\)" \
	"who names the request in the verdict"
like "$who" "SIGKILL 2\.[0-9] s later when the stop timed out" "and the escalation"
tap_done
