#!/usr/bin/env bash
# vm-systemd.sh WORK_DIR COMMAND [ARG...]: run COMMAND as root in a throwaway
# guest kernel whose PID 1 is systemd, so that a test can start the real
# sigtraild.service (Type=notify, sandbox, restart, stop) as a system would.
#
#   sudo bash packaging/tests/vm-systemd.sh /tmp/pkg-build \
#       bash packaging/tests/systemd-unit.sh /tmp/pkg-build/debs/sigtrail_0.1.0_amd64.deb
#
# The guest is tests/vm/guest.sh's, as for tests/vm/run.sh (whose PID 1 is
# a shell, not systemd): this machine's root filesystem over 9p, /tmp and
# /run the guest's own, WORK_DIR and the source tree bound back in when
# under /tmp. systemd starts only a test target: the
# units that would write into the host's files at boot (journal flush,
# tmpfiles, sysusers, utmp, random seed, ...) are masked in /run for the
# guest's lifetime. COMMAND runs from the source tree with output on the
# serial console; its exit status is this script's.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 WORK_DIR COMMAND [ARG...]" >&2; exit 64; }
build=$(cd "$1" && pwd)
shift
# shellcheck source=../../tests/vm/guest.sh
. "$src/tests/vm/guest.sh"
guest_prepare "$build" vm-systemd
mkdir -p "$GUEST/initrd/units"

cat >"$GUEST/initrd/units/inner.sh" <<INNER
#!/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root
cd "$src"
$(printf '%q ' "$@")
echo \$? >"$GUEST/status"
sync
systemctl --force --force poweroff
INNER
chmod +x "$GUEST/initrd/units/inner.sh"
cat >"$GUEST/initrd/units/sigtrail-vmtest.service" <<'UNIT'
[Unit]
Description=sigtrail packaging test
After=basic.target
Requires=basic.target

[Service]
Type=oneshot
ExecStart=/bin/bash /run/vmtest/inner.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
UNIT
cat >"$GUEST/initrd/units/sigtrail-vmtest.target" <<'UNIT'
[Unit]
Description=sigtrail packaging test target
Requires=sigtrail-vmtest.service
AllowIsolate=yes
UNIT
cat >"$GUEST/initrd/init" <<'INIT'
#!/bin/busybox sh
. /mount-root.sh
mkdir -p /newroot/run/vmtest /newroot/run/systemd/system
cp /units/inner.sh /newroot/run/vmtest/
cp /units/*.service /units/*.target /newroot/run/systemd/system/
# Boot-time units that write into the host's files, or that a test does not need.
for u in systemd-journal-flush.service systemd-tmpfiles-setup.service \
	systemd-tmpfiles-clean.timer systemd-sysusers.service systemd-update-utmp.service \
	systemd-random-seed.service systemd-machine-id-commit.service systemd-timesyncd.service \
	systemd-pstore.service apparmor.service systemd-remount-fs.service \
	systemd-update-done.service ldconfig.service systemd-journal-catalog-update.service \
	systemd-hwdb-update.service systemd-firstboot.service systemd-udev-trigger.service \
	systemd-udevd.service systemd-udev-settle.service systemd-binfmt.service \
	proc-sys-fs-binfmt_misc.automount systemd-boot-system-token.service \
	auditd.service man-db.timer apt-daily.timer apt-daily-upgrade.timer \
	dpkg-db-backup.timer e2scrub_all.timer fstrim.timer; do
	ln -sf /dev/null "/newroot/run/systemd/system/$u"
done
umount /proc /sys /dev 2>/dev/null
# On its command line, not the kernel's: the host's root has /.dockerenv, so
# systemd believes it runs in a container and reads only its own arguments.
exec switch_root /newroot /lib/systemd/systemd --unit=sigtrail-vmtest.target --show-status=no --log-level=warning
INIT
# audit=1: auditing from boot, as a server that runs auditd or boots with it;
# without it, PID 1 and every process started before the first enable have
# no audit context and their signals are never audited (the kernel gives
# one only to tasks forked once audit was ever enabled).
guest_boot "$src" "$build" quiet audit=1
