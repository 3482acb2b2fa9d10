#!/bin/bash
# auditd-plugin.sh DEB: sigtrail as an auditd plugin, with the real auditd.
#
#   sudo bash tests/vm/run.sh BUILD_DIR -- bash packaging/tests/auditd-plugin.sh DEB
#
# Unpacks DEB (dpkg -x: nothing is installed), checks its shipped plugin
# configuration, then starts auditd with a configuration directory and a
# plugin directory of its own holding that plugin file, switched on and
# pointed at the unpacked sigtraild (-fsstdin is --foreground --source stdin
# in auditd's two arguments) and at a configuration made from the shipped
# one with a test database. A kill must reach that database through auditd;
# stopping auditd must stop the plugin. Needs root, auditd and a kernel with
# no audit daemon registered and audit not locked (the guest). Exit 77 (TAP
# skip) when it cannot run. TAP output.
set -u
export LC_ALL=C
deb=${1:?usage: auditd-plugin.sh DEB}
key=sigtrail-plugin-test
T=$(mktemp -d)
auditd_pid='' victim='' rule=0 orig_enabled=''
# shellcheck source=../../tests/lib/tap.sh
. "$(dirname "$0")/../../tests/lib/tap.sh"
cleanup() {
	[ -n "$victim" ] && kill -9 "$victim" 2>/dev/null
	[ "$rule" = 1 ] && auditctl -d always,exit -F arch=b64 -S kill -F key=$key >/dev/null 2>&1
	if [ -n "$auditd_pid" ]; then kill -TERM "$auditd_pid" 2>/dev/null; wait "$auditd_pid"; fi
	# auditd enables auditing when it starts and leaves it on when it stops:
	# give the next test the flag this one found (never 2: skipped then).
	[ -n "$orig_enabled" ] && auditctl -e "$orig_enabled" >/dev/null
	if [ "$_tap_failed" != 0 ]; then
		for f in "$T"/*.log; do echo "==> $f" && cat "$f"; done 2>/dev/null | sed 's/^/# /'
	fi
	rm -rf "$T"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v auditd >/dev/null || skip_all "auditd is not installed"
status=$(auditctl -s 2>/dev/null) || skip_all "no audit support in this kernel"
[ "$(awk '$1 == "enabled" { print $2 }' <<<"$status")" != 2 ] ||
	skip_all "audit configuration locked (enabled 2): run in tests/vm/run.sh"
orig_enabled=$(awk '$1 == "enabled" { print $2 }' <<<"$status")
[ "$(awk '$1 == "pid" { print $2 }' <<<"$status")" = 0 ] ||
	skip_all "an audit daemon is already registered"
plan 9

root=$T/root
dpkg -x "$deb" "$root"
shipped=$root/etc/audit/plugins.d/sigtrail.conf
ok "the shipped plugin is inactive (active = no)" \
	grep -qx "active = no" "$shipped"
is "$(grep -E '^(active|direction|path|type|args|format) =' "$shipped" | tr '\n' ';')" \
	"active = no;direction = out;path = /usr/sbin/sigtraild;type = always;args = --foreground --source=stdin;format = string;" \
	"the shipped plugin's settings"

# A private auditd: its own configuration, log and plugin directory.
mkdir -m 0750 "$T/etc" "$T/plugins.d"
cat >"$T/etc/auditd.conf" <<CONF
local_events = yes
write_logs = yes
log_file = $T/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8
num_logs = 1
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
name_format = NONE
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = $T/plugins.d
end_of_event_timeout = 2
CONF
chmod 0640 "$T/etc/auditd.conf"
sed -e 's/^active = no$/active = yes/' \
	-e "s|^path = .*|path = $root/usr/sbin/sigtraild|" \
	-e "s|^args = .*|args = -fsstdin --config=$T/sigtraild.conf|" "$shipped" >"$T/plugins.d/sigtrail.conf"
chmod 0640 "$T/plugins.d/sigtrail.conf"
sed "s|^#db = .*|db = $T/db/plugin.db|" "$root/etc/sigtrail/sigtraild.conf" >"$T/sigtraild.conf"
chmod 0644 "$T/sigtraild.conf"

auditd -f -c "$T/etc" >"$T/auditd.log" 2>&1 & # -f: its messages on stderr
auditd_pid=$!
registered() { [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = "$auditd_pid" ]; }
ok "auditd starts and registers with the kernel" wait_until 20 registered
plugin_running() { pgrep -f "^$root/usr/sbin/sigtraild" >/dev/null; }
ok "auditd starts the sigtrail plugin" wait_until 20 plugin_running
auditctl -a always,exit -F arch=b64 -S kill -F key=$key >/dev/null && rule=1
sleep 1000 &
victim=$!
bash -c "kill -9 $victim"
wait "$victim" 2>/dev/null
row() { [ "$(sqlite3 -readonly "$T/db/plugin.db" "select count(*) from signals where target_pid = $victim and signal = 9" 2>/dev/null)" = 1 ]; }
ok "the kill reaches sigtrail's database through auditd" wait_until 20 row
is "$(sqlite3 -readonly "$T/db/plugin.db" "select sender_cmdline from signals where target_pid = $victim")" \
	"bash -c kill -9 $victim" "with the sender's command line"
is "$(sqlite3 -readonly "$T/db/plugin.db" "select source from coverage order by run desc limit 1")" \
	stdin "the coverage view records the stdin source"

auditctl -d always,exit -F arch=b64 -S kill -F key=$key >/dev/null && rule=0
kill -TERM "$auditd_pid"
wait "$auditd_pid"
auditd_pid=''
ok "stopping auditd stops the plugin" wait_until 10 bash -c "! pgrep -f '^$root/usr/sbin/sigtraild' >/dev/null"
is "$(auditctl -s | awk '$1 == "pid" { print $2 }')" 0 "the audit pid is released"
victim=''
tap_done
