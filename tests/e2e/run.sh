#!/usr/bin/env bash
# run.sh - end-to-end cases: compile a program, feed it input, compare output.
#
# Each case is a directory tests/e2e/NAME/ holding
#   prog.stream     the program (reads its input from paths relative to the case dir)
#   input*/         queueStream / textFileStream input files, one per batch
#   args            arguments for the compiled program (default: --clock manual --batches 3)
#   expected        the exact standard output
#   sorted          (optional, empty) compare print() blocks with their lines sorted
#   check.sh        (optional) more checks, run in the case's work dir after the program
#                   ($STREAMC is the compiler)
# Usage: tests/e2e/run.sh [NAME...]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
streamc="$root/build/streamc"
export STREAMC="$streamc"   # for check.sh scripts that compile variants
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pass=0 fail=0
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    for d in "$root"/tests/e2e/*/; do cases+=("$(basename "$d")"); done
fi
for name in "${cases[@]}"; do
    src="$root/tests/e2e/$name"
    dir="$work/$name"
    cp -r "$src" "$dir"
    args="--clock manual --batches 3"
    [ -f "$src/args" ] && args=$(cat "$src/args")
    if ! (cd "$dir" && "$streamc" prog.stream -o prog > compile.log 2>&1); then
        echo "FAIL $name: does not compile"; sed 's/^/    /' "$dir/compile.log"
        fail=$((fail + 1)); continue
    fi
    (cd "$dir" && timeout 60 ./prog $args > stdout 2> stderr) || true
    if [ -f "$src/sorted" ]; then
        awk -f "$root/tests/e2e/normalize.awk" "$dir/stdout" > "$dir/out.n"
        awk -f "$root/tests/e2e/normalize.awk" "$src/expected" > "$dir/expected.n"
    else
        cp "$dir/stdout" "$dir/out.n"; cp "$src/expected" "$dir/expected.n"
    fi
    if ! diff -u "$dir/expected.n" "$dir/out.n" > "$dir/diff"; then
        echo "FAIL $name: output differs"; sed 's/^/    /' "$dir/diff" | head -40
        sed "s/^/    stderr: /" "$dir/stderr" | head -10
        fail=$((fail + 1)); continue
    fi
    if [ -f "$src/check.sh" ] && ! (cd "$dir" && bash -x "$src/check.sh" > check.log 2>&1); then
        echo "FAIL $name: check.sh"; sed 's/^/    /' "$dir/check.log" | head -20
        fail=$((fail + 1)); continue
    fi
    pass=$((pass + 1))
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
