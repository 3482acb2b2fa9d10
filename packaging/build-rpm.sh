#!/bin/bash
# build-rpm.sh OUTDIR: build sigtrail's binary RPM from the committed tree.
#
# As a distribution would: `meson dist` makes the release tarball from a
# clean clone of HEAD (it refuses uncommitted changes, so commit first), and
# `rpmbuild -bb packaging/rpm/sigtrail.spec` builds it, running the unit
# suite in %check. On a Debian host (Debian's `rpm` package) the build
# dependencies are Debian packages that the RPM database does not know:
# --nodeps there. The .rpm files land in OUTDIR.
#   sudo apt-get install -y rpm    # plus the build dependencies of the deb
#   bash packaging/build-rpm.sh /tmp/rpms
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 64; }
mkdir -p "$1"
out=$(cd "$1" && pwd)

version=$(sed -n "s/^  version : '\(.*\)',$/\1/p" "$src/meson.build")
spec_version=$(sed -n 's/^Version: *//p' "$src/packaging/rpm/sigtrail.spec")
if [ "$version" != "$spec_version" ]; then
	echo "build-rpm: meson.build says $version, packaging/rpm/sigtrail.spec $spec_version" >&2
	exit 65
fi
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
	echo "build-rpm: uncommitted changes in $src are not in the build (meson dist uses HEAD)" >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$src" "$work/clone"
meson setup "$work/dist-build" "$work/clone" >/dev/null
meson dist -C "$work/dist-build" --no-tests --formats xztar
tarball=$work/dist-build/meson-dist/sigtrail-$version.tar.xz

mkdir -p "$work/rpm/SOURCES"
cp "$tarball" "$work/rpm/SOURCES/"
nodeps=''
[ -e /etc/debian_version ] && nodeps=--nodeps
rpmbuild -bb $nodeps --define "_topdir $work/rpm" "$work/clone/packaging/rpm/sigtrail.spec"
find "$work/rpm/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
ls -1 "$out"/*.rpm
