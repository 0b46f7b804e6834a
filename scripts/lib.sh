# Shared set-up for the scripts: install what is missing (only then), configure, build.
# Sourced, not run. Honours NSPROBE_BUILD_DIR (default build) and NSPROBE_PRESET (release).
set -euo pipefail

NSPROBE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NSPROBE_PRESET=${NSPROBE_PRESET:-release}
NSPROBE_BUILD_DIR=${NSPROBE_BUILD_DIR:-$NSPROBE_ROOT/build}

# Debian 12 packages the build, the tests and the command need.
NSPROBE_PACKAGES=(
  cmake ninja-build g++ pkg-config
  libgtest-dev libgmock-dev googletest libbenchmark-dev libfmt-dev
  libboost-dev libboost-filesystem-dev nlohmann-json3-dev libcli11-dev libsqlite3-dev zlib1g-dev
  iproute2 procps util-linux
  libxml2-utils chromium
  libyaml-cpp-dev cpio
  help2man python3-jsonschema
  clang-format git ccache
)
# What scripts/matrix adds: QEMU to boot other kernels, objcopy to strip what goes in the guest.
NSPROBE_MATRIX_PACKAGES=(qemu-system-x86 binutils)
# What scripts/package adds: dpkg-deb and dpkg-shlibdeps, lintian to check the .deb, and
# mmdebstrap for the clean Debian root of --test-root.
NSPROBE_PACKAGE_PACKAGES=(dpkg-dev lintian mmdebstrap)

# The sandbox runtimes `nsprobe run --runtime` judges, by name, with the Debian package of each
# (unshare is util-linux, nsprobe-exec is nsprobe itself: both always there). podman's adapter
# runs it with runc (podman's default, crun, refuses a hybrid cgroup layout), so it needs both.
declare -A NSPROBE_RUNTIME_PACKAGES=([bwrap]=bubblewrap [crun]=crun [runc]=runc
  [systemd-nspawn]=systemd-container [podman]="podman runc" [firejail]=firejail)
# The packages of `--runtime LIST` (all: every one); unknown names are left to nsprobe to refuse.
nsprobe_runtime_packages() {
  local list=$1 name
  if [ "$list" = all ]; then
    # shellcheck disable=SC2068 # a value may name two packages
    printf '%s\n' ${NSPROBE_RUNTIME_PACKAGES[@]}
    return
  fi
  for name in ${list//,/ }; do
    # shellcheck disable=SC2086 # a value may name two packages
    [ -n "${NSPROBE_RUNTIME_PACKAGES[$name]:-}" ] && printf '%s\n' ${NSPROBE_RUNTIME_PACKAGES[$name]}
  done
  return 0
}

# ccache keys on content, not on where the checkout is, so a clone in another directory
# reuses what an earlier build compiled (paths are made relative; the working directory,
# which only debug info records, is not hashed).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

nsprobe_log() { printf '==> %s\n' "$*" >&2; }

# apt-get install, but only for packages not installed yet, so a ready machine is untouched.
nsprobe_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    nsprobe_log "missing packages: ${missing[*]}; run as root once, or: sudo apt-get install ${missing[*]}"
    exit 2
  fi
  nsprobe_log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

nsprobe_build() {
  nsprobe_install "${NSPROBE_PACKAGES[@]}"
  if [ ! -f "$NSPROBE_BUILD_DIR/build.ninja" ]; then
    nsprobe_log "configuring ($NSPROBE_PRESET) in $NSPROBE_BUILD_DIR"
    cmake --preset "$NSPROBE_PRESET" -S "$NSPROBE_ROOT" -B "$NSPROBE_BUILD_DIR" >/dev/null
  fi
  nsprobe_log "building in $NSPROBE_BUILD_DIR"
  # Ninja's own progress: one status line rewritten in place on a terminal, one line per step
  # ([12/340] ...) otherwise, on stderr so that a caller's stdout holds only the results.
  if [ -t 1 ]; then
    cmake --build "$NSPROBE_BUILD_DIR" -- -j"$(nproc)" || { nsprobe_log "build failed"; exit 1; }
  else
    cmake --build "$NSPROBE_BUILD_DIR" -- -j"$(nproc)" >&2 || { nsprobe_log "build failed"; exit 1; }
  fi
}
