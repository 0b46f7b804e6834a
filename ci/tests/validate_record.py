"""Validates nsprobe run records against the record schema (share/nsprobe/schema/).

    validate_record.py SCHEMA RECORD...            exit 0 when every record is valid
    validate_record.py --mutants SCHEMA RECORD     exit 0 when the schema refuses each damaged
                                                   copy of RECORD (so a pass above means something)
"""
import copy
import json
import sys

import jsonschema


def errors(validator, document):
    return [f"{'/'.join(map(str, e.absolute_path)) or 'document'}: {e.message}"
            for e in validator.iter_errors(document)]


# Damage that nsprobe's own reader (record.cpp FromJson) refuses: the schema must refuse it too.
def mutants(record):
    def without(key):
        r = copy.deepcopy(record)
        del r[key]
        return r

    def changed(path, value):
        r = copy.deepcopy(record)
        target = r
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        return r

    yield "no cases", without("cases")
    yield "no totals", without("totals")
    yield "another format", changed(["format"], "something-else")
    yield "version 2", changed(["version"], 2)
    yield "a verdict that does not exist", changed(["cases", 0, "verdict"], "maybe")
    yield "a case without its name", changed(["cases", 0], {
        k: v for k, v in record["cases"][0].items() if k != "name"})
    yield "a fingerprint value that is not a string", changed(["fingerprint", "arch"], 64)
    yield "a negative total", changed(["totals", "pass"], -1)
    yield "a binary whose ok is a string", changed(["binaries", 0, "ok"], "yes")
    yield "a benchmark in another unit", changed(["benchmarks"], [
        {"name": "BM_x", "unit": "ms", "aggregates_only": False, "real_time": [1], "cpu_time": [1]}])


def main(argv):
    check_mutants = argv[:1] == ["--mutants"]
    if check_mutants:
        argv = argv[1:]
    if len(argv) < 2:
        sys.exit(__doc__)
    with open(argv[0]) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for path in argv[1:]:
        with open(path) as f:
            record = json.load(f)
        found = errors(validator, record)
        for line in found:
            print(f"{path}: {line}", file=sys.stderr)
        bad += bool(found)
        if check_mutants and not found:
            for what, mutant in mutants(record):
                if not errors(validator, mutant):
                    print(f"{path}: the schema accepts a record with {what}", file=sys.stderr)
                    bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
