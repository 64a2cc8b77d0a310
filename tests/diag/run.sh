#!/usr/bin/env bash
# run.sh - golden diagnostics: every tests/diag/NAME.stream must make
# streamc exit with status 1 and print exactly tests/diag/NAME.expected on
# stderr. Run from the repository root (paths in the messages are relative):
#     bash tests/diag/run.sh            all cases
#     bash tests/diag/run.sh NAME...    some cases
# To (re)write an .expected file after checking the output by hand:
#     build/streamc tests/diag/NAME.stream -S -o /dev/null 2> tests/diag/NAME.expected
set -eu

streamc=${STREAMC:-build/streamc}
if [ ! -x "$streamc" ]; then
    echo "diag: $streamc not built (make build/streamc)" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ $# -gt 0 ]; then
    cases=()
    for name in "$@"; do cases+=("tests/diag/$name.stream"); done
else
    cases=(tests/diag/*.stream)
fi

passed=0
failed=0
for src in "${cases[@]}"; do
    name=${src%.stream}
    expected=$name.expected
    status=0
    "$streamc" "$src" -S -o /dev/null >"$tmp/stdout" 2>"$tmp/stderr" || status=$?
    if [ ! -f "$expected" ]; then
        echo "FAIL $src: no $expected"
        failed=$((failed + 1))
    elif [ "$status" -ne 1 ]; then
        echo "FAIL $src: exit status $status, expected 1"
        failed=$((failed + 1))
    elif ! diff -u "$expected" "$tmp/stderr" >"$tmp/diff"; then
        echo "FAIL $src: stderr differs from $expected"
        cat "$tmp/diff"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done

echo "diag: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
