#!/usr/bin/env bash
# run.sh - the generated C of every sample, kept as a golden file, so that a
# change to the emitted code shows up in review: `streamc -S --no-line` of
# samples/NAME.stream must equal tests/goldens/NAME.c byte for byte.
# Run from anywhere; the compiler runs from the repository root (the
# banner names the file as samples/NAME.stream).
#   bash tests/goldens/run.sh            check
#   bash tests/goldens/run.sh --update   rewrite the goldens (then review the diff)
# Prints "goldens: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
streamc=${STREAMC:-$root/build/streamc}
cd "$root" || exit 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
for src in samples/*.stream; do
    name=$(basename "$src" .stream)
    if ! "$streamc" -S --no-line -o "$work/$name.c" "$src" 2> "$work/$name.err"; then
        echo "FAIL $name: streamc -S failed: $(head -2 "$work/$name.err" | tr '\n' ' ')"
        fail=$((fail + 1))
    elif [ "${1:-}" = --update ]; then
        cp "$work/$name.c" "tests/goldens/$name.c"
        pass=$((pass + 1))
    elif ! diff -u "tests/goldens/$name.c" "$work/$name.c" > "$work/$name.diff" 2>&1; then
        echo "FAIL $name: the generated C differs from tests/goldens/$name.c ($(grep -c '^[-+][^-+]' "$work/$name.diff") lines;" \
             "review, then bash tests/goldens/run.sh --update):"
        head -20 "$work/$name.diff" | sed 's/^/    /'
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
done
echo "goldens: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
