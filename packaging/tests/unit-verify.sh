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
# shellcheck source=../../tests/lib/tap.sh
. "$(dirname "$0")/../../tests/lib/tap.sh"
command -v systemd-analyze >/dev/null || skip_all "no systemd-analyze"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if [ -f "${1:?usage: unit-verify.sh PACKAGE_ROOT|DEB}" ]; then
	dpkg -x "$1" "$T/root"
	root=$T/root
else
	root=$(cd "$1" && pwd)
fi
unit=$(find "$root/lib/systemd/system" "$root/usr/lib/systemd/system" -name sigtraild.service 2>/dev/null | head -n 1)
plan 3
if [ -z "$unit" ]; then bail "no sigtraild.service under $root"; fi
sed "s|^ExecStart=/usr/sbin/sigtraild|ExecStart=$root/usr/sbin/sigtraild|" "$unit" >"$T/sigtraild.service"
out=$(cd "$T" && MANPATH=$root/usr/share/man systemd-analyze verify --man=yes ./sigtraild.service 2>&1)
is "$?:$out" "0:" "systemd-analyze verify: no complaint"
security=$(cd "$T" && systemd-analyze security --offline=true --threshold=25 ./sigtraild.service 2>&1)
rc=$?
score=$(printf '%s\n' "$security" | sed -n 's/.*Overall exposure level for sigtraild.service: //p')
is "$rc" 0 "exposure $score (at most 2.5)"
printf '%s\n' "$security" | grep '✗' | sed 's/  */ /g; s/^/#   /'
# What the daemon needs and nothing more.
caps='CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_NET_ADMIN CAP_SYSLOG CAP_SYS_PTRACE'
ok "Type=notify, foreground, bounding set $caps" \
	bash -c "grep -qx 'CapabilityBoundingSet=$caps' '$unit' && grep -qx 'Type=notify' '$unit' &&
		grep -qx 'ExecStart=/usr/sbin/sigtraild --foreground' '$unit'"
tap_done
