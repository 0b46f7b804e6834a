#!/bin/sh
# The installed LAVA files pass lava-dispatcher's own schemas (lava_common, Debian's
# lava-common package): the job, the device dictionary and the test definition. Without
# lava_common: skipped (exit 77), naming the package.
# Usage: lava_schema_test.sh SHARE_NSPROBE_LAVA_DIR
set -eu
dir=$1
/usr/bin/python3 -c 'import lava_common' 2>/dev/null || {
  echo "skip: lava_common is not installed (apt-get install lava-common)"; exit 77; }
/usr/bin/python3 - "$dir" <<'PY'
import sys, yaml
from lava_common.schemas import validate, device
from lava_common.schemas.test import testdef
d = sys.argv[1]
def load(name):
    with open(f"{d}/{name}") as f:
        return yaml.safe_load(f)
validate(load("nsprobe-initramfs-job.yaml"))
device.validate(load("qemu-x86_64-nokvm.yaml"))
testdef.validate(load("nsprobe-test-definition.yaml"))
# The schemas accept more than lava-run runs: the monitor must also be the one nsprobe reads.
job = load("nsprobe-initramfs-job.yaml")
monitor = [a["test"] for a in job["actions"] if "test" in a][0]["monitors"][0]
assert monitor["name"] == "nsprobe", monitor
print("job, device dictionary and test definition pass lava_common's schemas")
PY
