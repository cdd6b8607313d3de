#!/bin/bash
# Build (or restore) the cached Debian root folder holding one suite's hosts.
#
#   build-rootfs.sh trixie        GIMP 3.0.4 + Krita 5.2.9 (PyQt5), Python 3.13
#   build-rootfs.sh unstable      GIMP 3.2.6 + Krita 5.3.4 (PyQt5), Python 3.14
#   build-rootfs.sh experimental  Krita 6.0.4 (PyQt6) from experimental, the rest from unstable
#
# Cache layout under $HOSTS_CACHE (default /var/cache/openai-images-hosts):
#   debs/<suite>/          .deb archives, so a rebuild downloads nothing
#   <suite>.tar.zst        the finished root folder (restores in seconds)
#   rootfs/<suite>/        the root folder the runner uses (never modified by runs:
#                          in-rootfs.sh binds a fresh home and /tmp over it)
#   <suite>.ready          written last; others may wait on it
#
# The machine itself only gets mmdebstrap (apt-get, from its own release);
# everything else goes into the root folder. Recipe and pitfalls: shared/hosts.md.
set -euo pipefail

SUITE=${1:?usage: build-rootfs.sh trixie|unstable|experimental}
CACHE=${HOSTS_CACHE:-/var/cache/openai-images-hosts}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
ROOTFS=$CACHE/rootfs/$SUITE
TARBALL=$CACHE/$SUITE.tar.zst
READY=$CACHE/$SUITE.ready

BASE=$SUITE   # the suite mmdebstrap bootstraps from
case $SUITE in
  trixie)
    PKGS=(gimp python3-gi gir1.2-gimp-3.0 krita python3-pyqt5)
    SOURCES="deb $MIRROR trixie main" ;;
  unstable)
    PKGS=(gimp python3-gi gir1.2-gimp-3.0 krita python3-pyqt5)
    SOURCES="deb $MIRROR unstable main" ;;
  experimental)
    # krita/experimental: only krita and krita-data come from experimental
    # (NotAutomatic); without qt6-svg-plugins Krita 6 prints ~500 svg errors per start.
    PKGS=(krita/experimental python3-pyqt6 qt6-svg-plugins)
    BASE=unstable
    SOURCES=$(printf 'deb %s unstable main\ndeb %s experimental main' "$MIRROR" "$MIRROR") ;;
  *) echo "unknown suite $SUITE (trixie|unstable|experimental)" >&2; exit 2 ;;
esac
# xvfb-run for Krita and screenshots; passwd for useradd (unstable no longer pulls it in).
# No python3-numpy/pil/httpx: the plug-in must work from its vendor folder, as for users.
PKGS+=(xvfb xauth passwd)

mkdir -p "$CACHE"
# one build per suite at a time (several runners may ask for it at once)
exec 9>"$CACHE/$SUITE.lock"
flock 9
if [ -f "$READY" ] && [ -d "$ROOTFS" ]; then
  echo "rootfs $SUITE: ready ($ROOTFS)"; exit 0
fi
rm -f "$READY"
mkdir -p "$CACHE/rootfs" "$CACHE/debs/$SUITE"
# A half-built or half-restored folder from an interrupted run is removed. Nothing
# can be mounted under it (mmdebstrap and in-rootfs.sh mount only in private mount
# namespaces), but rm -rf through a bound /dev would be a disaster: check anyway.
for dir in "$ROOTFS" "$ROOTFS.partial"; do
  if grep -q " $dir/" /proc/self/mounts; then
    echo "refusing: something is mounted under $dir (see /proc/self/mounts)" >&2; exit 1
  fi
  rm -rf "$dir"
done

if [ -f "$TARBALL" ]; then
  echo "rootfs $SUITE: restoring $TARBALL"
  mkdir -p "$ROOTFS.partial"
  tar --numeric-owner -I zstd -xpf "$TARBALL" -C "$ROOTFS.partial"
  mv "$ROOTFS.partial" "$ROOTFS"
  touch "$READY"; exit 0
fi

if ! command -v mmdebstrap >/dev/null || ! command -v dpkg-architecture >/dev/null; then
  # from the machine's own release; dpkg-dev gives dpkg-architecture (eatmydata hook)
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mmdebstrap dpkg-dev
fi

echo "rootfs $SUITE: building with mmdebstrap (about 90 s)"
include=$(IFS=,; echo "${PKGS[*]}")
# Check-Valid-Until false: the mirror may be a frozen snapshot and unstable's
# Release files expire (pitfall 1). Path-excludes drop docs, man pages, locales.
# unshare: mmdebstrap's mounts live in a private mount namespace, so an interrupted
# build (Ctrl-C, timeout) cannot leave anything mounted on the machine.
unshare --mount --propagation private -- mmdebstrap \
  --mode=root --variant=apt --arch=amd64 \
  --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --include="$include" \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/gimp/*/help/*' \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
  --setup-hook="sync-in $CACHE/debs/$SUITE /var/cache/apt/archives/" \
  --customize-hook="sync-out /var/cache/apt/archives $CACHE/debs/$SUITE" \
  --customize-hook='chroot "$1" useradd -m -s /bin/bash -u 1000 tester' \
  --customize-hook='chroot "$1" dpkg-query -W -f="\${Package} \${Version}\n" > "$1"/opt/installed-versions.txt' \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  "$BASE" "$ROOTFS.partial" "$SOURCES"

echo "rootfs $SUITE: packing $TARBALL"
tar --numeric-owner -C "$ROOTFS.partial" -I 'zstd -T0 -6' -cf "$TARBALL.partial" .
mv "$TARBALL.partial" "$TARBALL"
mv "$ROOTFS.partial" "$ROOTFS"
touch "$READY"
grep -E '^(gimp|krita|python3|python3-pyq[t56]+) ' "$ROOTFS/opt/installed-versions.txt" || true
