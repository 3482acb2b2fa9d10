#!/usr/bin/env bash
# test-packages.sh OUTDIR: build and test the packages, as CI does.
#
#   sudo apt-get install -y $(grep -hv '^#' packaging/deps-{debian,packaging,vm}.txt)
#   sudo bash packaging/test-packages.sh /tmp/sigtrail-packages
#
#  1. the .deb (build-deb.sh: dpkg-buildpackage, unit suite inside) and
#     lintian on it: any error or warning fails;
#  2. the unit, offline: systemd-analyze verify and security (unit-verify.sh);
#  3. the RPM from `meson dist` (build-rpm.sh: rpmbuild -bb, unit suite in
#     %check), with its file list and requirements printed;
#  4. as root: the .deb installed, run against the real kernel and purged
#     (deb-install.sh), and the auditd plugin with a private auditd
#     (auditd-plugin.sh): here when this kernel's audit is usable, else in a
#     guest kernel (tests/vm/run.sh);
#  5. the unit under a real systemd, in a guest whose PID 1 is systemd
#     (tests/vm-systemd.sh, systemd-unit.sh), and who asked systemd
#     (systemd-requests.sh: the build's sigtraild, a unit stopped by
#     systemctl from a login session, one killed by RuntimeMaxSec=):
#     minutes under emulation.
# SIGTRAIL_PKG_SYSTEMD=no skips step 5 (tests/run-all, hence CI, sets it
# unless asked for yes); SIGTRAIL_PKG_VM=no skips every guest (step 5, and
# step 4 on a host whose audit is locked). Each step prints its duration.
# OUTDIR must be under /tmp (or anywhere the guests can see: see
# tests/vm/run.sh). Exit status 0 when everything passed; the first failing
# step stops it with its status.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 64; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$src"
t0=$SECONDS t_step=$SECONDS current=''
took() { [ -z "$current" ] || printf '=== %s: %d s\n' "$current" $((SECONDS - t_step)) >&2; }
step() { # STEP: the previous step's duration, then this one's title
	took
	current=$* t_step=$SECONDS
	printf '\n=== %s\n' "$current" >&2
}
done_all() { # MESSAGE
	took
	printf 'test-packages: %s (%d s in all)\n' "$*" $((SECONDS - t0)) >&2
	exit 0
}

step "Debian package"
rm -rf "$out/deb" && bash packaging/build-deb.sh "$out/deb"
deb=$(ls "$out"/deb/sigtrail_*.deb)
step "lintian"
lintian --fail-on error,warning --pedantic --info "$out"/deb/*.changes

step "systemd unit, offline"
bash packaging/tests/unit-verify.sh "$deb"

step "RPM"
rm -rf "$out/rpm" && bash packaging/build-rpm.sh "$out/rpm"
rpm=$(ls "$out"/rpm/sigtrail-[0-9]*.rpm)
rpm -qlvp "$rpm"
rpm -qp --requires "$rpm"

[ "$(id -u)" = 0 ] || { echo "test-packages: the install tests need root" >&2; exit 1; }
locked=no
[ "$(auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }')" = 2 ] && locked=yes
if [ "$locked" = no ]; then
	step "install, run, purge; auditd plugin (this kernel)"
	bash packaging/tests/deb-install.sh "$deb"
	bash packaging/tests/auditd-plugin.sh "$deb"
fi
if [ "${SIGTRAIL_PKG_VM:-yes}" = no ]; then
	[ "$locked" = no ] || echo "test-packages: SIGTRAIL_PKG_VM=no on a host whose audit is locked: install tests skipped" >&2
	done_all "every packaging test passed; SIGTRAIL_PKG_VM=no: no guest test"
fi
# The guests mount this tree and OUTDIR; run.sh wants a build directory.
if [ "$locked" = yes ]; then
	step "install, run, purge; auditd plugin (guest kernel: this host's audit is locked)"
	bash tests/vm/run.sh "$out" -- bash -c \
		"bash packaging/tests/deb-install.sh '$deb' && bash packaging/tests/auditd-plugin.sh '$deb'"
fi
if [ "${SIGTRAIL_PKG_SYSTEMD:-yes}" = no ]; then
	done_all "every packaging test passed; SIGTRAIL_PKG_SYSTEMD=no: the unit under systemd not tested"
fi
step "the unit under systemd (guest kernel, systemd as PID 1)"
bash packaging/tests/vm-systemd.sh "$out" bash packaging/tests/systemd-unit.sh "$deb"
step "who asked systemd: systemctl stop, its SIGKILL, RuntimeMaxSec (guest kernel, systemd as PID 1)"
[ -x build/collector/sigtraild ] || { meson setup build >/dev/null && ninja -C build; }
bash packaging/tests/vm-systemd.sh "$out" bash packaging/tests/systemd-requests.sh "$PWD/build"
done_all "every packaging test passed"
