#!/bin/bash
# Run one command inside a cached root folder as user tester (uid 1000).
#
#   in-rootfs.sh ROOTFS HOME_DIR CMD [ARGS...]
#
# HOME_DIR (a folder on the machine, owned by uid 1000) is bound over
# /home/tester, and a fresh tmpfs over /tmp, so runs never change the cached
# root folder and every run can start from a fresh profile. /proc, /sys, /dev,
# /dev/pts and /dev/shm are mounted for this run only.
#
# Everything happens in a private mount + PID namespace: when the command ends,
# or this script is killed (Ctrl-C, timeout), unshare --kill-child takes the
# namespace down, with every process it holds (Xvfb, GIMP's plug-ins ...) and
# every mount (hosts.md pitfalls 14 and 16).
set -euo pipefail
ROOTFS=${1:?usage: in-rootfs.sh ROOTFS HOME_DIR CMD...}
HOME_DIR=${2:?usage: in-rootfs.sh ROOTFS HOME_DIR CMD...}
shift 2

exec unshare --mount --pid --fork --kill-child --propagation private -- bash -c '
  set -e
  R=$1; H=$2; shift 2
  mount -t proc proc "$R/proc"
  mount --bind /sys "$R/sys"
  mount --bind /dev "$R/dev"
  mount --bind /dev/pts "$R/dev/pts"
  if mountpoint -q /dev/shm; then mount --bind /dev/shm "$R/dev/shm"; fi
  mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
  mount --bind "$H" "$R/home/tester"
  rc=0
  # env -i: nothing of the caller leaks in; callers pass variables with `env VAR=...`.
  # /usr/sbin/chroot: the clean PATH has no sbin (pitfall 1).
  env -i HOME=/home/tester USER=tester LOGNAME=tester LANG=C.UTF-8 \
      PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb \
      /usr/sbin/chroot --userspec=1000:1000 "$R" "$@" || rc=$?
  # GIMP'"'"'s python-eval plug-in and Xvfb outlive the command by a moment: give
  # them up to 5 s, then end the rest (as PID 1 here, -1 reaches only this run).
  for _ in $(seq 50); do p=("$R"/proc/[0-9]*); [ ${#p[@]} -le 1 ] && break; sleep 0.1; done
  kill -TERM -1 2>/dev/null || true; sleep 0.2; kill -KILL -1 2>/dev/null || true
  wait 2>/dev/null || true
  exit $rc
' bash "$ROOTFS" "$HOME_DIR" "$@"
