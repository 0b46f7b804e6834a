#!/bin/sh
# The installed tree stands alone: install the build to a prefix under /tmp, move it, and run
# the suites from the moved copy, with no build or source tree to fall back on.
#   install_test.sh BUILD_DIR SOURCE_DIR
# Exit 0 when every check holds, 1 naming the first that did not.
set -eu
build=$1 source=$2

tmp=$(mktemp -d /tmp/nsprobe-install-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "install_test: $*" >&2
  exit 1
}

# Stripped, as the package ships it: the debug info names the directory each object was
# compiled in (ccache may even name another checkout's), which nothing reads at run time.
cmake --install "$build" --prefix "$tmp/prefix" --strip >/dev/null
mv "$tmp/prefix" "$tmp/moved"
moved=$tmp/moved
[ ! -e "$tmp/prefix" ] || fail "the old prefix still exists after mv"

# No compiled-in path of the build or the source tree: the moved copy could not find it.
for tree in "$build" "$source"; do
  hits=$(grep -rlF -- "$tree" "$moved" || true)
  [ -z "$hits" ] || fail "these installed files name $tree: $hits"
done

# The installed manifest lists the conformance suites only, each one installed beside it.
python3 - "$moved/libexec/nsprobe" <<'EOF' || fail "the installed manifest is wrong (above)"
import json, os, sys
libexec = sys.argv[1]
suites = json.load(open(os.path.join(libexec, "suites.json")))["suites"]
wrong = [s["name"] for s in suites if s["type"] != "conformance"]
missing = [s["path"] for s in suites if not os.access(os.path.join(libexec, s["path"]), os.X_OK)]
if not suites or wrong or missing:
    sys.exit(f"suites: {len(suites)}; not conformance: {wrong}; not installed: {missing}")
EOF

# A record with cases, all of them passed (skips allowed: a restricted machine skips).
passed() {
  python3 - "$1/record.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
sys.exit(0 if t["pass"] > 0 and t["fail"] == 0 and t["error"] == 0 else f"totals: {t}")
EOF
}

# Run from an unrelated directory, so that nothing is found relative to the working one.
cd "$tmp"
"$moved/bin/nsprobe" run --kinds uts,ipc --out "$tmp/run" >"$tmp/run.log" 2>&1 ||
  { cat "$tmp/run.log" >&2; fail "nsprobe run --kinds uts,ipc from the moved tree failed"; }
passed "$tmp/run" || fail "nsprobe run --kinds uts,ipc: not every case passed"
# The schema the tree ships describes the records it writes.
validate() {
  python3 "$source/ci/tests/validate_record.py" "$moved/share/nsprobe/schema/record.schema.json" "$1"
}
validate "$tmp/run/record.json" || fail "the record does not match the installed schema"

if [ "$(id -u)" -ne 0 ]; then
  echo "install_test: the negative control was not run: privilege: its guard needs root"
  exit 0
fi
"$moved/bin/nsprobe" run --negative-control uts --out "$tmp/control" >"$tmp/control.log" 2>&1 ||
  { cat "$tmp/control.log" >&2; fail "nsprobe run --negative-control uts from the moved tree failed"; }
python3 - "$tmp/control/record.json" <<'EOF' || fail "the negative control is not at 100%"
import json, sys
s = json.load(open(sys.argv[1]))["sensitivity"]
uts = s["kinds"]["uts"]
sys.exit(0 if s["complete"] and uts["percent"] == 100 and uts["cases"] > 0 else f"uts: {uts}")
EOF
validate "$tmp/control/record.json" || fail "the control's record does not match the installed schema"
echo "install_test: the moved install ran uts,ipc green and the uts control at 100%"
