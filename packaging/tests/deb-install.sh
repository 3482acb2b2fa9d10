#!/bin/bash
# deb-install.sh DEB: the built package, installed for real.
#
#   sudo bash packaging/tests/deb-install.sh /tmp/debs/sigtrail_0.1.0_amd64.deb
#   sudo bash tests/vm/run.sh BUILD_DIR -- bash packaging/tests/deb-install.sh DEB
#
# Installs DEB with `dpkg -i` on this machine's filesystem, runs the
# installed /usr/sbin/sigtraild with the installed configuration against the
# real kernel, kills a process and finds the row in the installed database;
# a non-root member of the group sigtrail reads it with plain sqlite3 and
# sqlite3 -readonly and the sigtrail CLI, while the
# daemon runs and after it stopped, a non-member cannot; then `dpkg --purge`
# must leave the file tree as it was before the install.
# Needs root and a kernel whose audit configuration is not locked (enabled 2:
# use the guest, second line). Where systemd runs (a CI machine), a
# policy-rc.d keeps the install from starting the service, so that this test
# runs the daemon itself (packaging/tests/systemd-unit.sh tests the service). Exit 77 (TAP skip) when it cannot run; refuses
# to run if sigtrail is already installed. TAP output.
set -u
export LC_ALL=C
deb=${1:?usage: deb-install.sh DEB}
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
db=/var/lib/sigtrail/sigtrail.db
T=$(mktemp -d)
daemon='' victim='' installed=0 policy=0 tmpfs=0
# shellcheck source=../../tests/lib/tap.sh
. "$(dirname "$0")/../../tests/lib/tap.sh"
cleanup() {
	[ -n "$victim" ] && kill -9 "$victim" 2>/dev/null
	[ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null
	[ "$installed" = 1 ] && timeout 300 dpkg --purge sigtrail >/dev/null 2>&1
	[ "$tmpfs" = 1 ] && umount /var/lib/sigtrail 2>/dev/null && rmdir /var/lib/sigtrail 2>/dev/null
	[ "$policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
	[ "$_tap_failed" = 0 ] || tail -n +1 "$T"/*.log 2>/dev/null | sed 's/^/# /'
	rm -rf "$T"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -f "$deb" ] || bail "no such file: $deb"
status=$(auditctl -s 2>/dev/null) || skip_all "no audit support in this kernel"
[ "$(awk '$1 == "enabled" { print $2 }' <<<"$status")" != 2 ] ||
	skip_all "audit configuration locked (enabled 2): run in tests/vm/run.sh"
dpkg -s sigtrail >/dev/null 2>&1 && bail "sigtrail is already installed"
[ -e /var/lib/sigtrail ] && bail "/var/lib/sigtrail exists"

# In the guest of tests/vm/run.sh the root filesystem is the host's, over 9p,
# which has no shared mmap for SQLite's WAL: give the database directory a
# tmpfs there, as the guest does for /tmp.
if [ "$(findmnt -n -o FSTYPE -T /var/lib)" = 9p ]; then
	mkdir /var/lib/sigtrail && mount -t tmpfs -o mode=0755 sigtrail-test /var/lib/sigtrail && tmpfs=1
	echo "# /var/lib is 9p (guest): /var/lib/sigtrail is a tmpfs for this test"
fi

# Where systemd runs, the install would start the service: forbid it for
# the length of the test (invoke-rc.d and deb-systemd-invoke ask policy-rc.d;
# 101: action forbidden). A container image usually has one already.
if [ -d /run/systemd/system ] && ! [ -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# sigtrail deb-install test: no service starts\nexit 101\n' >/usr/sbin/policy-rc.d &&
		chmod 755 /usr/sbin/policy-rc.d && policy=1
	echo "# systemd runs here: /usr/sbin/policy-rc.d keeps dpkg from starting sigtraild.service"
fi

# Everything a package install or its maintainer scripts may touch. dpkg's
# own database and the group files change by design (the group stays); so
# does what a running systemd keeps in /run and /var/lib/systemd by itself.
snapshot() {
	find /etc /lib/systemd /usr/lib/systemd /usr/lib/sysusers.d /usr/lib/tmpfiles.d \
		/usr/sbin /usr/bin /usr/share/man /usr/share/doc /var/lib /run -xdev 2>/dev/null |
		grep -v -e '^/var/lib/dpkg' -e '^/etc/group-$' -e '^/etc/gshadow-$' \
			-e '^/etc/ld.so.cache$' -e '^/var/cache' -e '^/run/adduser$' \
			-e '^/var/lib/sigtrail$' -e '^/run/systemd/' -e '^/run/user/' -e '^/run/udev/' \
			-e '^/run/log/' -e '^/run/vmtest/' -e '^/var/lib/systemd/\(timers\|timesync\|catalog\|coredump\|linger\|pstore\|random-seed\)' |
		sort
}
snapshot >"$T/before.list"
plan 25

# --- install ------------------------------------------------------------------
timeout 300 dpkg -i "$deb" >"$T/dpkg-install.log" 2>&1
is "$?" 0 "dpkg -i installs the package"
installed=1
ok "the group sigtrail exists" bash -c "getent group sigtrail >/dev/null"
is "$(stat -c '%U:%G %a' /var/lib/sigtrail 2>&1)" "root:sigtrail 2750" \
	"/var/lib/sigtrail is root:sigtrail, mode 2750 (setgid)"
ok "the unit is enabled (multi-user.target.wants)" \
	test -L /etc/systemd/system/multi-user.target.wants/sigtraild.service
ok "the auditd plugin ships inactive" \
	grep -qx 'active = no' /etc/audit/plugins.d/sigtrail.conf

# --- the installed daemon, with the installed configuration --------------------
/usr/sbin/sigtraild --foreground 2>"$T/daemon.log" &
daemon=$!
ok "the installed sigtraild is ready" wait_until 20 grep -q 'ready: source' "$T/daemon.log"
sleep 1000 &
victim=$!
bash -c "kill -9 $victim"
wait "$victim" 2>/dev/null
row() { [ "$(sqlite3 "$db" "select count(*) from signals where target_pid = $victim and signal = 9" 2>/dev/null)" = 1 ]; }
ok "the kill lands in $db" wait_until 10 row
is "$(sqlite3 "$db" "select sender_cmdline from signals where target_pid = $victim")" \
	"bash -c kill -9 $victim" "with the sender's command line"
is "$(stat -c '%U:%G %a' "$db")" "root:sigtrail 640" "the database is root:sigtrail 0640"

# A reader: nobody with the group sigtrail added, no passwd change needed.
gid=$(getent group sigtrail | cut -d: -f3)
as_reader() { setpriv --reuid=65534 --regid=65534 --groups="$gid" -- "$@"; }
is "$(as_reader sqlite3 -readonly "$db" "select signal from signals where target_pid = $victim" 2>&1)" \
	9 "a non-root member of sigtrail reads it with sqlite3 -readonly while the daemon runs"
is "$(as_reader sqlite3 "$db" "select signal from signals where target_pid = $victim" 2>&1)" \
	9 "and with plain sqlite3"
ok "a non-member cannot" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups -- sqlite3 -readonly '$db' 'select 1' >/dev/null 2>&1"
ok "a member reads it with the sigtrail CLI" \
	bash -c "setpriv --reuid=65534 --regid=65534 --groups=$gid -- sigtrail who $victim | grep -q SIGKILL"

kill -TERM "$daemon"
wait_until 30 bash -c "! kill -0 $daemon 2>/dev/null" || kill -9 "$daemon"
wait "$daemon"
is "$?" 0 "SIGTERM: the daemon exits 0"
daemon=''
is "$(auditctl -l -k sigtrail 2>&1)" "No rules" "and removed its rules"
# Stopped, the daemon leaves its -wal and -shm files in place
# (SQLITE_FCNTL_PERSIST_WAL): a reader, who may not create files in the
# directory, needs them to open a WAL database.
is "$(stat -c '%U:%G %a' "$db-wal" "$db-shm" 2>&1 | tr '\n' ' ')" "root:sigtrail 640 root:sigtrail 640 " \
	"the stopped daemon leaves -wal and -shm, root:sigtrail 0640"
is "$(as_reader sqlite3 -readonly "$db" "select count(*) from signals where target_pid = $victim" 2>&1)" \
	1 "a member reads it with sqlite3 -readonly once the daemon has stopped"
is "$(as_reader sqlite3 "$db" "select count(*) from signals where target_pid = $victim" 2>&1)" \
	1 "and with plain sqlite3"
ok "and with the sigtrail CLI" \
	bash -c "setpriv --reuid=65534 --regid=65534 --groups=$gid -- sigtrail who $victim | grep -q SIGKILL"
ok "a non-member still cannot" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups -- sqlite3 -readonly '$db' 'select 1' >/dev/null 2>&1"
victim=''

# --- remove keeps the data; purge leaves nothing ------------------------------
timeout 300 dpkg --remove sigtrail >"$T/dpkg-remove.log" 2>&1
is "$?" 0 "dpkg --remove"
ok "remove keeps the database" test -s "$db"
timeout 300 dpkg --purge sigtrail >"$T/dpkg-purge.log" 2>&1
is "$?" 0 "dpkg --purge"
installed=0
[ "$tmpfs" = 1 ] && ! [ -e /var/lib/sigtrail/sigtrail.db ] && umount /var/lib/sigtrail &&
	rmdir /var/lib/sigtrail && tmpfs=0
ok "purge removes /var/lib/sigtrail and its database" test ! -e /var/lib/sigtrail
snapshot >"$T/after.list"
diff "$T/before.list" "$T/after.list" >"$T/tree.diff"
is "$(cat "$T/tree.diff")" "" "purge leaves the file tree as it was before the install"
tap_done
