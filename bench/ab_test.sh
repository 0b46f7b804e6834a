#!/bin/bash
# scripts/bench --ab as a user runs it, on the build's own programs (A and B the same build):
# the two files pair up round by round, the rounds stop at --max-rounds when --target cannot be
# resolved and at --rounds when it can, and bad options exit 2 in one line, writing nothing.
#   ab_test.sh BIN_DIR SOURCE_DIR
# Exit 0 when every check holds, 1 naming the first that did not. Times nothing.
set -eu
bin=$1 bench=$2/scripts/bench

tmp=$(mktemp -d /tmp/nsprobe-ab-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "ab_test: $*" >&2
  exit 1
}
filter='^BM_Raw/uts/'
repetitions() { python3 -c 'import json,sys; print(sum(1 for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("run_type") == "iteration"))' "$1"; }

# A 1% target is never resolved by three rounds of a real machine: all three are run.
out=$("$bench" --ab "$bin" "$bin" --rounds 2 --max-rounds 3 --target 1 --filter "$filter" \
      --out "$tmp/one" 2>"$tmp/one.log") || [ $? -eq 1 ] || fail "--ab exited $?: $(cat "$tmp/one.log")"
grep -q 'after 3 rounds these still cannot resolve 1%: BM_Raw/uts' "$tmp/one.log" ||
  fail "no word of what stayed unresolved: $(cat "$tmp/one.log")"
for side in a b; do
  [ "$(repetitions "$tmp/one.$side.json")" = 3 ] || fail "$side: not one repetition per round"
done
python3 - "$tmp/one.a.json" "$tmp/one.b.json" <<'PY' || fail "the two sides do not pair up"
import json, sys
a, b = (json.load(open(p))["context"] for p in sys.argv[1:])
assert a["nsprobe.bench.ab"] == b["nsprobe.bench.ab"] != "", (a, b)
assert a["nsprobe.bench.mode"] == "ab-a" and b["nsprobe.bench.mode"] == "ab-b", (a, b)
PY
case $out in *"paired rounds"*"BM_Raw/uts"*) ;; *) fail "compare did not judge the rounds: $out" ;; esac

# Two rounds at most: two rounds.
"$bench" --ab "$bin" "$bin" --rounds 2 --max-rounds 2 --filter "$filter" --out "$tmp/two" \
  >/dev/null 2>&1 || [ $? -eq 1 ] || fail "--ab --max-rounds 2 exited $?"
[ "$(repetitions "$tmp/two.a.json")" = 2 ] || fail "--max-rounds 2 ran other than two rounds"

# Bad options: exit 2, one line naming the problem, nothing written.
mkdir "$tmp/bad"
for args in "--rounds 0" "--rounds 5 --max-rounds 4" "--target 0" "--target 100" "--cpus 4096" \
            "--max-rounds x"; do
  # shellcheck disable=SC2086 # the options split on purpose
  if "$bench" --ab "$bin" "$bin" $args --out "$tmp/bad/x" >"$tmp/bad.out" 2>"$tmp/bad.err"; then
    fail "'$args' was taken"
  else
    status=$?
  fi
  [ $status -eq 2 ] || fail "'$args' exited $status, not 2"
  [ "$(wc -l <"$tmp/bad.err")" = 1 ] || fail "'$args' said more than one line: $(cat "$tmp/bad.err")"
  [ -z "$(ls -A "$tmp/bad")" ] || fail "'$args' wrote $(ls -A "$tmp/bad")"
done
"$bench" --ab "$tmp" "$bin" --out "$tmp/bad/x" 2>"$tmp/bad.err" && fail "a directory without create_bench was taken"
grep -q "no create_bench in" "$tmp/bad.err" || fail "no word of the missing create_bench"
echo "ab_test: ok"
