#!/usr/bin/env bash
# vm-systemd.sh WORK_DIR COMMAND [ARG...]: run COMMAND as root in a throwaway
# guest kernel whose PID 1 is systemd, so that a test can start the real
# sigtraild.service (Type=notify, sandbox, restart, stop) as a system would.
#
#   sudo bash packaging/tests/vm-systemd.sh /tmp/pkg-build \
#       bash packaging/tests/systemd-unit.sh /tmp/pkg-build/debs/sigtrail_0.1.0_amd64.deb
#
# Like tests/vm/run.sh (whose guest runs a shell, not systemd): a stock
# Debian kernel boots with this machine's root filesystem over 9p; /tmp and
# /run are the guest's own tmpfs, and WORK_DIR (and the source tree), when
# under /tmp, are bound back in. systemd starts only a test target: the
# units that would write into the host's files at boot (journal flush,
# tmpfiles, sysusers, utmp, random seed, ...) are masked in /run for the
# guest's lifetime. COMMAND runs from the source tree with output on the
# serial console; its exit status is this script's.
# Needs: qemu-system-x86, a /boot/vmlinuz-* with its modules, busybox-static.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 WORK_DIR COMMAND [ARG...]" >&2; exit 64; }
build=$(cd "$1" && pwd)
shift

kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "vm-systemd: no /boot/vmlinuz-*" >&2; exit 1; }
kver=${kernel#/boot/vmlinuz-}
accel="-accel tcg,thread=multi -cpu max"
if [ "${SIGTRAIL_VM_ACCEL:-tcg}" = kvm ] && [ -w /dev/kvm ]; then
	accel="-enable-kvm -cpu host"
fi
busybox=$(command -v busybox) || { echo "vm-systemd: busybox not found" >&2; exit 1; }

work=$(mktemp -d "$build/vmsd.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/initrd/bin" "$work/initrd/mods" "$work/initrd/newroot" "$work/initrd/units"
cp "$busybox" "$work/initrd/bin/busybox"
for mod in virtio_pci 9pnet_virtio 9p; do
	modprobe -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r m; do
	cp "$m" "$work/initrd/mods/"
	basename "$m" >>"$work/initrd/mods/order"
done

status_file=$work/status
cat >"$work/initrd/units/inner.sh" <<INNER
#!/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root
cd "$src"
$(printf '%q ' "$@")
echo \$? >"$status_file"
sync
systemctl --force --force poweroff
INNER
cat >"$work/initrd/units/sigtrail-vmtest.service" <<'UNIT'
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
cat >"$work/initrd/units/sigtrail-vmtest.target" <<'UNIT'
[Unit]
Description=sigtrail packaging test target
Requires=sigtrail-vmtest.service
AllowIsolate=yes
UNIT
cat >"$work/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc && mount -t sysfs sys /sys && mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod "/mods/$m"; done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 hostroot /newroot || { echo "vm-systemd: no 9p root"; poweroff -f; }
mkdir -p /host && mount --bind /newroot /host && mount --make-private /host
mount -t tmpfs tmp /newroot/tmp
mount -t tmpfs -o mode=0755 run /newroot/run
for p in $(cat /paths); do
	case $p in /tmp/*) mkdir -p "/newroot$p" && mount --bind "/host$p" "/newroot$p" ;; esac
done
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
printf '%s\n' "$src" "$build" >"$work/initrd/paths"
chmod +x "$work/initrd/init" "$work/initrd/units/inner.sh"
(cd "$work/initrd" && find . | cpio -o -H newc --quiet | gzip -1 >"$work/initrd.gz")

qemu-system-x86_64 $accel -m 2048 -smp 2 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 rdinit=/init quiet" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,multidevs=remap,id=hostroot \
	</dev/null | sed -u 's/\r$//' | grep -v -e '^\[ *[0-9.]*\]' || true

[ -s "$status_file" ] || { echo "vm-systemd: the guest did not report a result" >&2; exit 1; }
exit "$(cat "$status_file")"
