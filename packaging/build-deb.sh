#!/bin/bash
# build-deb.sh OUTDIR: build sigtrail's binary .deb from this tree.
#
# dpkg-buildpackage wants debian/ at the top of the source tree; sigtrail
# keeps it in packaging/debian/. This copies the tree's files (tracked and
# untracked, not ignored: no build directories) into a scratch directory,
# puts packaging/debian there as debian/, and runs
# `dpkg-buildpackage -b -us -uc` (the unprivileged unit suite runs during
# the build; DEB_BUILD_OPTIONS=nocheck skips it). The .deb, .buildinfo and
# .changes land in OUTDIR.
#   sudo apt-get install -y debhelper dpkg-dev $(build-deps below)
#   bash packaging/build-deb.sh /tmp/debs
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 64; }
mkdir -p "$1"
out=$(cd "$1" && pwd)

# The package version must be the project's.
version=$(sed -n "s/^  version : '\(.*\)',$/\1/p" "$src/meson.build")
deb_version=$(sed -n '1s/^sigtrail (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")
if [ "$version" != "$deb_version" ]; then
	echo "build-deb: meson.build says $version, packaging/debian/changelog $deb_version" >&2
	exit 65
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/sigtrail-$version"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	tar --null --ignore-failed-read -T - -cf -) 2>/dev/null | tar -x -C "$work/sigtrail-$version"
rm -rf "$work/sigtrail-$version/debian"
cp -a "$src/packaging/debian" "$work/sigtrail-$version/debian"
(cd "$work/sigtrail-$version" && dpkg-buildpackage -b -us -uc)
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out/"
ls -1 "$out"/*.deb
