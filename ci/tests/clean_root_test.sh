#!/bin/sh
# The .deb on a machine that never saw the source: a minimal Debian 12 root (mmdebstrap, from
# the archive apt uses here), the package installed into it with apt-get (so its Depends must
# resolve), then entered through a new mount namespace and pivot_root (not chroot: the kernel
# refuses user namespaces inside a chroot, and the unprivileged mode would only skip), where
# `nsprobe run` must be all green and `nsprobe run --negative-control all` at 100%.
#   clean_root_test.sh DEB CACHE_DIR
# The base root is cached in CACHE_DIR (keyed by the packages it holds), so a second run only
# unpacks it. Root only. Exit 0 when both runs pass, 1 otherwise.
set -eu
deb=$(realpath "$1") cache=$2
log() { printf '==> %s\n' "$*" >&2; }
fail() {
  log "clean root: $*"
  exit 1
}
[ "$(id -u)" -eq 0 ] || fail "builds a root filesystem and mounts in it: run as root"
mkdir -p "$cache"
cache=$(realpath "$cache")

# The packages the .deb depends on go into the base, so that installing it needs no network.
includes=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/(.*)//' -e 's/|.*//' -e 's/ //g' |
  grep -v '^$' | sort -u | paste -sd, -)
# apt's active sources for this release (sources.list and sources.list.d/*.list|*.sources).
sources=""
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && grep -q bookworm "$f" && sources="$sources $f"
done
[ -n "$sources" ] || fail "no apt source for bookworm in /etc/apt/sources.list*"
# minbase: the packages of priority required (mount among them, whose umount detaches the old
# root below), which any Debian 12 system has, and apt.
variant=minbase
key=$(printf '%s\n' "$variant" "$includes" $sources | cat - $sources | md5sum | cut -c1-12)
base=$cache/bookworm-$key.tar
if [ ! -f "$base" ]; then
  log "building a minimal Debian 12 root with $includes (cached as $base)"
  # mmdebstrap mounts /proc, /sys and /dev in the root it builds: in a mount namespace of its
  # own, so the host never sees them.
  # shellcheck disable=SC2086
  unshare --mount --propagation private -- mmdebstrap --quiet --variant=$variant \
    --include="$includes" bookworm "$base.part.tar" $sources
  mv "$base.part.tar" "$base"
fi

root=$cache/root
results=$cache/results
rm -rf "$root" "$results"
mkdir -p "$root" "$results"
log "unpacking the root and installing $(basename "$deb") with apt-get"
tar -xf "$base" -C "$root"
# Only apt-get (and dpkg) run chrooted here; the base holds the Depends already, so nothing is
# downloaded, and a Depends the base lacks fails the install.
name=$(basename "$deb")
cp "$deb" "$root/tmp/$name"
unshare --mount --propagation private -- sh -c '
  mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
    cd "$1/tmp" && DEBIAN_FRONTEND=noninteractive chroot "$1" sh -c "cd /tmp && apt-get install -y -q ./$2"
' sh "$root" "$name" >"$cache/install.log" 2>&1 || { cat "$cache/install.log" >&2; fail "apt-get install ./$name failed"; }
rm "$root/tmp/$name"
[ -x "$root/usr/bin/nsprobe" ] || fail "nsprobe is not installed in the root"

# Inside: its own mount namespace whose root is the clean root (pivot_root, the old root
# detached), /proc, /sys (recursively, for cgroup2), /dev, a tmpfs /tmp, and /results from here.
enter() {
  unshare --mount --propagation private -- sh -c '
    set -e
    root=$1 results=$2
    shift 2
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    mkdir -p "$root/results" "$root/.old-root"
    mount --bind "$results" "$root/results"
    cd "$root"
    pivot_root . .old-root
    cd /
    umount -l /.old-root
    rmdir /.old-root
    exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"
  ' sh "$root" "$results" "$@"
}

status=0
log "in the clean root: nsprobe run"
start=$(date +%s)
enter nsprobe run --out /results/run >"$results/run.log" 2>&1 || status=$?
log "nsprobe run: exit $status in $(($(date +%s) - start)) s; its summary:"
sed -n '/^kind /,$p' "$results/run.log" >&2
[ "$status" -eq 0 ] || { cat "$results/run.log" >&2; fail "nsprobe run failed in the clean root (exit $status)"; }

log "in the clean root: nsprobe run --negative-control all"
start=$(date +%s)
enter nsprobe run --negative-control all --out /results/control >"$results/control.log" 2>&1 || status=$?
log "nsprobe run --negative-control all: exit $status in $(($(date +%s) - start)) s; its summary:"
sed -n '/^kind /,$p' "$results/control.log" >&2
[ "$status" -eq 0 ] || { cat "$results/control.log" >&2; fail "the negative control is not at 100% in the clean root (exit $status)"; }
python3 - "$results/control/record.json" <<'EOF' || fail "the control's record is not at 100%"
import json, sys
s = json.load(open(sys.argv[1]))["sensitivity"]
short = {k: v["percent"] for k, v in s["kinds"].items() if v["percent"] != 100}
sys.exit(0 if s["complete"] and not short else f"below 100%: {short}")
EOF
log "clean root: nsprobe run green and the negative control at 100% (records in $results)"
