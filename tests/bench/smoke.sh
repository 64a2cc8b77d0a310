#!/usr/bin/env bash
# smoke.sh - the benchmarks still run, on tiny inputs, and say what they
# should. Times are never asserted; what is asserted:
#   wordcount  bench/wordcount.sh on a 4 MB corpus: the compiled word count
#              writes exactly the counts the hand-written C writes (each
#              batch sorted), and every ratio line is there
#   csv        bench/csv.sh on 2 x 5000 lines: the compiled sums per key equal
#              mawk's, and the ratio line is there
#   compile    bench/compile.sh compiles the word-count sample
#   state      bench/state.sh runs updateStateByKey over 20 000 keys
#   corpus     gen_corpus is deterministic: the same arguments, the same bytes
# Usage: tests/bench/smoke.sh   Prints "bench-smoke: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=bench-smoke
# bad MSG [LINE...]: its own: each LINE (a command's output) after the message
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "    $l"; done; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

out=$(bash "$root/bench/wordcount.sh" 4 1 2>&1)
if grep -q "outputs agree with the hand-written C: yes" <<<"$out" &&
   [ "$(grep -cE '^  (streamc vs hand-written C|streamc vs mawk|fused vs -fno-fuse|local\[2\] vs local\[1\]): +[0-9.]+x' <<<"$out")" = 4 ] &&
   grep -q "goal <= 2 x input + table" <<<"$out"; then
    ok "wordcount: the counts equal the hand-written C's; ratios and memory printed"
else
    bad "wordcount: output not as expected" "$out"
fi

out=$(bash "$root/bench/csv.sh" 2 5000 1 2>&1)
if grep -q "sums agree with mawk's: yes" <<<"$out" && grep -qE '^  streamc vs mawk: +[0-9.]+x' <<<"$out"; then
    ok "csv: the sums per key equal mawk's; the ratio printed"
else
    bad "csv: output not as expected" "$out"
fi

out=$(bash "$root/bench/compile.sh" 1 2>&1)
if grep -qE "^compile: .* [0-9]+ ms \(of which streamc -S: [0-9]+ ms\)" <<<"$out"; then
    ok "compile: the word-count sample compiles"
else
    bad "compile" "$out"
fi

out=$(bash "$root/bench/state.sh" 20000 2000 4 2>&1)
if grep -qE "^updateStateByKey: 20000 keys in state, .* ms per batch" <<<"$out"; then
    ok "state: updateStateByKey over 20 000 keys"
else
    bad "state" "$out"
fi

gen=$root/build/bench/gen_corpus
mkdir "$work/a" "$work/b"
if "$gen" "$work/a" 1 2 1000 && "$gen" "$work/b" 1 2 1000 && cmp -s "$work/a/00001" "$work/b/00001" &&
   cmp -s "$work/a/00002" "$work/b/00002" && [ "$(cat "$work"/a/* | tr ' ' '\n' | sort -u | wc -l)" -gt 500 ]; then
    ok "corpus: the same arguments give the same bytes"
else
    bad "corpus: gen_corpus is not deterministic, or too few distinct words"
fi

finish
