#!/bin/sh
# The record schema describes what nsprobe writes: a real record validates, and damaged
# copies of it do not (so that the pass means something).
#   record_schema_test.sh NSPROBE SCHEMA
set -eu
nsprobe=$1 schema=$2
tmp=$(mktemp -d /tmp/nsprobe-schema-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Exit 1 (a failed case) still writes a complete record, which is what is validated here.
status=0
"$nsprobe" run --kinds uts --out "$tmp/run" >"$tmp/run.log" 2>&1 || status=$?
if [ "$status" -gt 1 ] || [ ! -f "$tmp/run/record.json" ]; then
  cat "$tmp/run.log" >&2
  echo "record_schema_test: nsprobe run --kinds uts wrote no record (exit $status)" >&2
  exit 1
fi
python3 "$(dirname "$0")/validate_record.py" --mutants "$schema" "$tmp/run/record.json"
