#!/bin/bash
# unit-verify.sh PACKAGE_ROOT|DEB: the packaged systemd unit, checked
# offline (systemd need not run): `systemd-analyze verify` (syntax, the
# ExecStart binary, the Documentation= man pages) and `systemd-analyze
# security --offline=true`, whose exposure must stay at or below 2.5 ("OK").
#   bash packaging/tests/unit-verify.sh /tmp/debs/sigtrail_0.1.0_amd64.deb
# PACKAGE_ROOT is a tree as installed (DESTDIR of `meson install`). The unit
# is verified from a copy whose ExecStart points into that tree, with
# MANPATH set to its man pages. Exit 77 (TAP skip) without systemd-analyze.
set -u
export LC_ALL=C.UTF-8
command -v systemd-analyze >/dev/null || { echo "1..0 # SKIP no systemd-analyze"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if [ -f "${1:?usage: unit-verify.sh PACKAGE_ROOT|DEB}" ]; then
	dpkg -x "$1" "$T/root"
	root=$T/root
else
	root=$(cd "$1" && pwd)
fi
unit=$(find "$root/lib/systemd/system" "$root/usr/lib/systemd/system" -name sigtraild.service 2>/dev/null | head -n 1)
echo "1..3"
if [ -z "$unit" ]; then echo "Bail out! no sigtraild.service under $root"; exit 1; fi
sed "s|^ExecStart=/usr/sbin/sigtraild|ExecStart=$root/usr/sbin/sigtraild|" "$unit" >"$T/sigtraild.service"
failed=0
if out=$(cd "$T" && MANPATH=$root/usr/share/man systemd-analyze verify --man=yes ./sigtraild.service 2>&1) &&
	[ -z "$out" ]; then
	echo "ok 1 - systemd-analyze verify: no complaint"
else
	echo "not ok 1 - systemd-analyze verify: no complaint"
	printf '%s\n' "$out" | sed 's/^/#   /'
	failed=1
fi
security=$(cd "$T" && systemd-analyze security --offline=true --threshold=25 ./sigtraild.service 2>&1)
rc=$?
score=$(printf '%s\n' "$security" | sed -n 's/.*Overall exposure level for sigtraild.service: //p')
if [ "$rc" = 0 ]; then echo "ok 2 - exposure $score (at most 2.5)"; else
	echo "not ok 2 - exposure $score (at most 2.5)"
	failed=1
fi
printf '%s\n' "$security" | grep '✗' | sed 's/  */ /g; s/^/#   /'
# What the daemon needs and nothing more.
caps='CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_NET_ADMIN CAP_SYSLOG CAP_SYS_PTRACE'
if grep -qx "CapabilityBoundingSet=$caps" "$unit" &&
	grep -qx 'Type=notify' "$unit" && grep -qx 'ExecStart=/usr/sbin/sigtraild --foreground' "$unit"; then
	echo "ok 3 - Type=notify, foreground, bounding set $caps"
else
	echo "not ok 3 - Type=notify, foreground, bounding set $caps"
	failed=1
fi
exit "$failed"
