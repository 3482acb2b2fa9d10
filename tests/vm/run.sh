#!/usr/bin/env bash
# run.sh: run the kernel suite inside a throwaway qemu guest, for a host
# whose audit is locked.
#
#   sudo bash tests/vm/run.sh [BUILD_DIR] [meson test args...]
#   sudo bash tests/vm/run.sh BUILD_DIR -- COMMAND [ARG...]   # any command, as root
#
# Not the normal route: run the kernel suite natively
# (`sudo meson test -C build --suite kernel`, as tests/run-all does). This
# guest is for a host whose audit cannot be used: the kernel's audit
# configuration is global and, once someone runs `auditctl -e 2` (as hardened
# RHEL/STIG profiles do), immutable until reboot, and then no test can load a
# rule on this host. The guest boots a stock distro kernel (Debian's
# linux-image-amd64), mounts this machine's root filesystem over 9p, and runs
# `meson test --suite kernel` there against its own, fresh audit subsystem:
# the same binaries, the same tests, a real kernel, but emulated (TCG unless
# SIGTRAIL_VM_ACCEL=kvm) and many times slower, so it hides races that native
# speed shows. tests/run-all (hence .ci/run) uses it only when the host's
# audit is locked (`auditctl -s`: enabled 2). packaging/tests/vm-systemd.sh
# boots a guest of the same kind, with systemd as PID 1, for the unit test.
#
# Needs: qemu-system-x86 (and /dev/kvm for SIGTRAIL_VM_ACCEL=kvm), a
# /boot/vmlinuz-* with its modules, busybox-static. Exit status: the suite's.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
shift || true

kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "run.sh: no /boot/vmlinuz-* (apt-get install linux-image-amd64)" >&2; exit 1; }
kver=${kernel#/boot/vmlinuz-}
[ -d "/lib/modules/$kver" ] || { echo "run.sh: no modules for $kver" >&2; exit 1; }
# KVM when it works; this machine's nested virtualisation may not run a stock
# guest, so SIGTRAIL_VM_ACCEL=tcg forces software emulation (slower, works).
accel="-accel tcg,thread=multi -cpu max"
if [ "${SIGTRAIL_VM_ACCEL:-tcg}" = kvm ] && [ -w /dev/kvm ]; then
	accel="-enable-kvm -cpu kvm64"
fi
quiet=${SIGTRAIL_VM_QUIET-quiet}
busybox=$(command -v busybox) || { echo "run.sh: busybox not found (apt-get install busybox-static)" >&2; exit 1; }

# Under the build dir, not /tmp: the guest mounts its own tmpfs on /tmp.
work=$(mktemp -d "$build/vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/initrd/bin" "$work/initrd/mods" "$work/initrd/newroot"
cp "$busybox" "$work/initrd/bin/busybox"

# The 9p client over virtio-pci and their dependencies, in load order.
for mod in virtio_pci 9pnet_virtio 9p; do
	modprobe -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r m; do
	cp "$m" "$work/initrd/mods/"
	basename "$m" >>"$work/initrd/mods/order"
done

# What the guest runs once the host root is mounted: the suite, then the
# exit status into a file the host reads.
status_file=$work/status
if [ "${1:-}" = -- ]; then
	shift
	inner_cmd=$(printf '%q ' "$@")
else
	# Piped, so that meson prints plain lines rather than a progress bar.
	inner_cmd="set -o pipefail; meson test -C $(printf %q "$build") --no-rebuild --suite kernel --print-errorlogs $(printf '%q ' "$@") 2>&1 | cat"
fi
cat >"$work/initrd/inner.sh" <<INNER
#!/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root
cd "$src"
$inner_cmd
echo \$? >"$status_file"
INNER
cat >"$work/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc 2>/dev/null || { mkdir -p /proc && mount -t proc proc /proc; }
mkdir -p /sys /dev && mount -t sysfs sys /sys && mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod "/mods/$m"; done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 hostroot /newroot || { echo "vm: mounting the host root failed; modules: $(cat /mods/order)"; grep 9p /proc/filesystems; ls /sys/bus/virtio/devices; dmesg | tail -5; poweroff -f; }
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts && mount -t devpts devpts /newroot/dev/pts
# The guest's /tmp is its own tmpfs (SQLite's WAL needs shared mmap, which
# 9p does not give); a source or build tree under the host's /tmp (a CI
# clone) is bound back into it from a bind of the host root taken first.
mkdir -p /host && mount --bind /newroot /host && mount --make-private /host
mount -t tmpfs tmp /newroot/tmp
mount -t tmpfs run /newroot/run
for p in $(cat /paths); do
	case $p in /tmp/*) mkdir -p "/newroot$p" && mount --bind "/host$p" "/newroot$p" ;; esac
done
mkdir -p /newroot/tmp/vm && cp /inner.sh /newroot/tmp/vm/inner.sh
hostname sigtrail-vm
chroot /newroot /bin/bash /tmp/vm/inner.sh
poweroff -f
INIT
printf '%s\n' "$src" "$build" >"$work/initrd/paths"
chmod +x "$work/initrd/init" "$work/initrd/inner.sh"
(cd "$work/initrd" && find . | cpio -o -H newc --quiet | gzip -1 >"$work/initrd.gz")

qemu-system-x86_64 $accel -m 2048 -smp 2 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 rdinit=/init $quiet" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,multidevs=remap,id=hostroot \
	</dev/null | sed -u 's/\r$//' | grep -v -e '^\[ *[0-9.]*\]' || true

[ -s "$status_file" ] || { echo "run.sh: the guest did not report a result" >&2; exit 1; }
exit "$(cat "$status_file")"
