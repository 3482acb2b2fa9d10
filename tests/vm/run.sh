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
# The guest itself is tests/vm/guest.sh's, shared with vm-systemd.sh.
# Exit status: the suite's.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
shift || true
# shellcheck source=guest.sh
. "$src/tests/vm/guest.sh"
guest_prepare "$build" vm

# What the guest runs once the host root is mounted: the suite, then the
# exit status into a file the host reads.
if [ "${1:-}" = -- ]; then
	shift
	inner_cmd=$(printf '%q ' "$@")
else
	# Piped, so that meson prints plain lines rather than a progress bar.
	inner_cmd="set -o pipefail; meson test -C $(printf %q "$build") --no-rebuild --suite kernel --print-errorlogs $(printf '%q ' "$@") 2>&1 | cat"
fi
cat >"$GUEST/initrd/inner.sh" <<INNER
#!/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root
cd "$src"
$inner_cmd
echo \$? >"$GUEST/status"
INNER
cat >"$GUEST/initrd/init" <<'INIT'
#!/bin/busybox sh
. /mount-root.sh
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts && mount -t devpts devpts /newroot/dev/pts
mkdir -p /newroot/tmp/vm && cp /inner.sh /newroot/tmp/vm/inner.sh
hostname sigtrail-vm
chroot /newroot /bin/bash /tmp/vm/inner.sh
poweroff -f
INIT
guest_boot "$src" "$build" "${SIGTRAIL_VM_QUIET-quiet}"
