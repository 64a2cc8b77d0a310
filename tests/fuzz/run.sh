#!/usr/bin/env bash
# run.sh - the front-end fuzzer in CI: a short bounded run of `make fuzz`
# (FUZZ_TIME seconds, 45 unless set), repeatable: a fixed seed (FUZZ_SEED,
# default 1) and number of inputs (FUZZ_RUNS, default 40000) from a fresh
# corpus of the seeds and the regressions, so every run of a commit tries
# the same inputs (`make fuzz`, with its growing corpus in build/fuzz/, is
# where new ground is explored); then every file of
# tests/fuzz/regressions/ replayed
#   - through build/fuzz/fuzz_frontend (libFuzzer runs a file argument once:
#     no crash, leak, sanitizer report or silent rejection), and
#   - through `build/streamc -S`, with and without -fno-fuse: exit status 0
#     or 1, never a signal, and with status 1 at least one file:line:col
#     diagnostic on stderr; with status 0 the C compiles (cc -fsyntax-only).
# Run from the repository root:
#     bash tests/fuzz/run.sh
#     FUZZ_TIME=0 bash tests/fuzz/run.sh    replay the regressions only
# See docs/fuzzing.md.
set -eu

streamc=${STREAMC:-build/streamc}
fuzzer=build/fuzz/fuzz_frontend
time=${FUZZ_TIME:-45}
if [ ! -x "$streamc" ]; then
    echo "fuzz: $streamc not built (make build/streamc)" >&2
    exit 2
fi
if ! command -v "${CC_FUZZ:-clang}" >/dev/null; then
    echo "fuzz: ${CC_FUZZ:-clang} not found (bash tests/install-deps.sh)" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# 1. build, and fuzz for a bounded time (the corpus in build/fuzz/ grows)
if [ "$time" -gt 0 ]; then
    if make --no-print-directory fuzz FUZZ_TIME="$time" FUZZ_SEED="${FUZZ_SEED:-1}" \
            FUZZ_RUNS="${FUZZ_RUNS:-40000}" FUZZ_CORPUS="$tmp/corpus" >"$tmp/fuzz.log" 2>&1; then
        pass
        grep -E '^#[0-9]+[[:space:]]+DONE' "$tmp/fuzz.log" | tail -1 || true
    else
        fail "make fuzz FUZZ_TIME=$time (findings in build/fuzz/findings/):"
        grep -v -E '^#[0-9]+|^"' "$tmp/fuzz.log" | tail -40
    fi
elif ! make --no-print-directory "$fuzzer" >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log"
    fail "make $fuzzer"
fi

# 2. the regressions, one by one
shopt -s nullglob
for f in tests/fuzz/regressions/*; do
    [ -f "$f" ] || continue
    if ! "$fuzzer" -runs=1 "$f" >"$tmp/replay" 2>&1; then
        fail "$f: $fuzzer"
        tail -30 "$tmp/replay"
    else
        pass
    fi
    for plan in "" -fno-fuse; do
        status=0
        timeout 60 "$streamc" -S $plan -o "$tmp/out.c" "$f" >/dev/null 2>"$tmp/stderr" || status=$?
        if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
            fail "$f: streamc -S $plan exit status $status"
            tail -10 "$tmp/stderr"
        elif [ "$status" -eq 1 ] && ! grep -q -E ':[0-9]+:[0-9]+: error: ' "$tmp/stderr"; then
            fail "$f: streamc -S $plan failed without a file:line:col diagnostic"
            tail -10 "$tmp/stderr"
        elif [ "$status" -eq 0 ] && ! cc -std=gnu11 -fsyntax-only -Iruntime "$tmp/out.c" 2>"$tmp/cc"; then
            fail "$f: the C of streamc -S $plan does not compile"
            head -10 "$tmp/cc"
        else
            pass
        fi
    done
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
