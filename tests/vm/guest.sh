# shellcheck shell=bash
# guest.sh: the throwaway guest kernel that tests/vm/run.sh (a shell as PID 1
# chroots into the host root and runs the kernel suite) and
# packaging/tests/vm-systemd.sh (systemd as PID 1) both boot. Sourced, with
# `set -eu` in force:
#
#   . tests/vm/guest.sh
#   guest_prepare "$build" NAME   # sets GUEST (work dir; initrd tree in $GUEST/initrd)
#   cat >"$GUEST/initrd/init" <<'INIT'
#   #!/bin/busybox sh
#   . /mount-root.sh              # the host root on /newroot, /tmp and /run its own
#   ...                           # then chroot or switch_root into /newroot
#   INIT
#   guest_boot "$src" "$build" [KERNEL_ARG...]   # exit status: what the guest wrote to $GUEST/status
#
# A stock Debian kernel (the newest /boot/vmlinuz-*) boots with this
# machine's root filesystem over 9p; /tmp and /run are the guest's own tmpfs
# (SQLite's WAL needs shared mmap, which 9p does not give), and the source
# and build trees, when under /tmp (a CI clone), are bound back in.
# Needs: qemu-system-x86 (and /dev/kvm for SIGTRAIL_VM_ACCEL=kvm), a
# /boot/vmlinuz-* with its modules, busybox-static.

_guest_die() { echo "${GUEST_NAME:-guest}: $*" >&2; exit 1; }

# guest_prepare BUILD_DIR NAME: pick the kernel and the accelerator, and make
# the initrd tree: busybox, the 9p client modules in load order and
# /mount-root.sh. Sets GUEST, removed at exit.
guest_prepare() {
	GUEST_NAME=$2
	GUEST_KERNEL=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$GUEST_KERNEL" ] || _guest_die "no /boot/vmlinuz-* (apt-get install linux-image-amd64)"
	local kver=${GUEST_KERNEL#/boot/vmlinuz-} busybox mod m
	[ -d "/lib/modules/$kver" ] || _guest_die "no modules for $kver"
	# Software emulation unless asked for KVM: this machine's nested
	# virtualisation may not run a stock guest.
	GUEST_ACCEL="-accel tcg,thread=multi -cpu max"
	if [ "${SIGTRAIL_VM_ACCEL:-tcg}" = kvm ] && [ -w /dev/kvm ]; then
		GUEST_ACCEL="-enable-kvm -cpu host"
	fi
	busybox=$(command -v busybox) || _guest_die "busybox not found (apt-get install busybox-static)"
	# Under the build dir, not /tmp: the guest mounts its own tmpfs on /tmp.
	GUEST=$(mktemp -d "$1/$2.XXXXXX")
	trap 'rm -rf "$GUEST"' EXIT
	mkdir -p "$GUEST/initrd/bin" "$GUEST/initrd/mods" "$GUEST/initrd/newroot"
	cp "$busybox" "$GUEST/initrd/bin/busybox"
	for mod in virtio_pci 9pnet_virtio 9p; do
		modprobe -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r m; do
		cp "$m" "$GUEST/initrd/mods/"
		basename "$m" >>"$GUEST/initrd/mods/order"
	done
	cat >"$GUEST/initrd/mount-root.sh" <<'ROOT'
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc && mount -t sysfs sys /sys && mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod "/mods/$m"; done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 hostroot /newroot || {
	echo "guest: mounting the host root failed; modules: $(cat /mods/order)"
	grep 9p /proc/filesystems; dmesg | tail -5; poweroff -f
}
# Trees under the host's /tmp are bound back from a bind of the host root
# taken before the guest's own tmpfs covers /tmp.
mkdir -p /host && mount --bind /newroot /host && mount --make-private /host
mount -t tmpfs tmp /newroot/tmp
mount -t tmpfs -o mode=0755 run /newroot/run
for p in $(cat /paths); do
	case $p in /tmp/*) mkdir -p "/newroot$p" && mount --bind "/host$p" "/newroot$p" ;; esac
done
ROOT
}

# guest_boot SRC BUILD [KERNEL_ARG...]: pack the initrd, boot it with the
# console on stdout (kernel log lines left out), and exit with the status
# the guest wrote to $GUEST/status.
guest_boot() {
	printf '%s\n' "$1" "$2" >"$GUEST/initrd/paths"
	shift 2
	chmod +x "$GUEST/initrd/init"
	(cd "$GUEST/initrd" && find . | cpio -o -H newc --quiet | gzip -1 >"$GUEST/initrd.gz")
	# shellcheck disable=SC2086 # GUEST_ACCEL is several arguments
	qemu-system-x86_64 $GUEST_ACCEL -m 2048 -smp 2 -nographic -no-reboot \
		-kernel "$GUEST_KERNEL" -initrd "$GUEST/initrd.gz" \
		-append "console=ttyS0 panic=-1 rdinit=/init $*" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,multidevs=remap,id=hostroot \
		</dev/null | sed -u 's/\r$//' | grep -v -e '^\[ *[0-9.]*\]' || true
	[ -s "$GUEST/status" ] || _guest_die "the guest did not report a result"
	exit "$(cat "$GUEST/status")"
}
