#!/usr/bin/env bash
# sanitize.sh - AddressSanitizer + UndefinedBehaviorSanitizer over everything:
#   1. builds streamc, libstreamrt.a and the unit tests instrumented (-O1), in a
#      separate build directory (default build/asan; the normal build/ is
#      not touched), and runs the unit tests;
#   2. runs the instrumented compiler over every tests/diag and samples
#      program (-S: the compiler's own memory errors; step 3 covers e2e);
#   3. compiles every e2e program with the instrumented runtime and
#      -fsanitize=address,undefined, runs it with the case's args, and
#      compares its output with the case's expected output.
# A check fails on any sanitizer report (ASan, LeakSanitizer, UBSan
# "runtime error"), a crash, or different output; a case that does not
# compile at all is skipped (tests/e2e/run.sh reports it).
# Usage: tests/sanitize.sh [NAME...]     (NAME: e2e cases; default all)
#        SANITIZE_BUILD=DIR to build elsewhere.
# Then tests/recovery/checkpoint.sh, kill.sh, tests/kafka/direct.sh and
# tests/redis/{sink,exactly_once,broadcast}.sh, tests/e2e/broadcast_file.sh,
# tests/reliability/bad_input.sh and tests/ui/api.sh on the instrumented build.
# Prints "sanitize: N passed, M failed, K skipped".
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/parallel.sh"
pass=0 fail=0 skip=0
B=${SANITIZE_BUILD:-build/asan}
# make gets the directory as given: the header dependencies it records
# (-MMD) name targets that way, and must match the next run's targets
make_b=$B
case $B in /*) ;; *) B=$root/$B ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"

echo "building in $B ..."
if ! make -j2 --no-print-directory B="$make_b" SANITIZE=address,undefined CFLAGS="-O1 -g" \
        "$make_b/streamc" "$make_b/libstreamrt.a" "$make_b/unit_tests" > "$work/build.log" 2>&1; then
    tail -30 "$work/build.log"
    echo "sanitize: 0 passed, 1 failed, 0 skipped"
    exit 1
fi
# The instrumented compiler finds the instrumented runtime through this.
mkdir "$work/rt"
ln -s "$root/runtime/streamrt.h" "$B/libstreamrt.a" "$work/rt/"
export STREAMC_RUNTIME=$work/rt
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0
cflags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined"

# reported LOG: does the log hold a sanitizer report?
reported() { grep -qE 'runtime error:|ERROR: (Address|Leak)Sanitizer|SUMMARY: (Address|Undefined|Leak)' "$1"; }
failed() { # WHAT LOG
    echo "FAIL $1"
    grep -E -A14 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$2" | sed 's/^/    /' | head -40
    fail=$((fail + 1))
}

# 1. unit tests
if "$B/unit_tests" > "$work/unit.log" 2>&1 && ! reported "$work/unit.log"; then
    pass=$((pass + 1))
else
    failed "unit tests" "$work/unit.log"; tail -5 "$work/unit.log" | sed 's/^/    /'
fi

# 2. the compiler alone, on the programs step 3 does not compile (errors
# expected for diag)
for src in tests/diag/*.stream samples/*.stream; do
    log=$work/cc.$(echo "$src" | tr / _).log
    rc=0; "$B/streamc" -S -o "$work/out.c" "$src" > "$log" 2>&1 || rc=$?
    if reported "$log" || [ "$rc" -gt 1 ]; then failed "streamc $src (exit $rc)" "$log"
    else pass=$((pass + 1)); fi
done

# 3. instrumented programs, two at a time; each job writes NAME.result
# (pass, skip or fail) and NAME.report.
run_case() {
    local name=$1 src=$root/tests/e2e/$1 dir=$work/$1 args rc=0
    exec > "$work/$name.report" 2>&1
    echo fail > "$work/$name.result"
    cp -r "$src" "$dir"
    args="--clock manual --batches 3"
    [ -f "$src/args" ] && args=$(cat "$src/args")
    if ! (cd "$dir" && "$B/streamc" --cflags "$cflags" prog.stream -o prog > compile.log 2>&1); then
        if reported "$dir/compile.log"; then failed "$name: streamc" "$dir/compile.log"
        else echo "SKIP $name: does not compile"; echo skip > "$work/$name.result"; fi
        return 0
    fi
    if reported "$dir/compile.log"; then failed "$name: streamc" "$dir/compile.log"; return 0; fi
    (cd "$dir" && timeout 60 ./prog $args > stdout 2> stderr) || rc=$?
    if reported "$dir/stderr"; then failed "$name (exit $rc)" "$dir/stderr"; return 0; fi
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $name: exit status $rc"; tail -5 "$dir/stderr" | sed 's/^/    /'; return 0
    fi
    if [ -f "$src/sorted" ]; then
        awk -f "$root/tests/e2e/normalize.awk" "$dir/stdout" > "$dir/out.n"
        awk -f "$root/tests/e2e/normalize.awk" "$src/expected" > "$dir/expected.n"
    else
        cp "$dir/stdout" "$dir/out.n"; cp "$src/expected" "$dir/expected.n"
    fi
    if ! diff -u "$dir/expected.n" "$dir/out.n" > "$dir/diff"; then
        echo "FAIL $name: output differs"; head -20 "$dir/diff" | sed 's/^/    /'; return 0
    fi
    echo pass > "$work/$name.result"
}
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    for d in tests/e2e/*/; do cases+=("$(basename "$d")"); done
fi
# 4. the recovery tests on the instrumented build (with every case only)
if [ $# -eq 0 ]; then
    for t in recovery/checkpoint recovery/kill kafka/direct redis/sink redis/exactly_once redis/broadcast e2e/broadcast_file reliability/bad_input ui/api; do
        log=$work/$(basename "$t").log
        if STREAMC="$B/streamc" STREAMC_CFLAGS="$cflags" bash "$root/tests/$t.sh" > "$log" 2>&1; then
            pass=$((pass + 1))
        else
            echo "FAIL $t.sh on the sanitizer build"; grep -E '^FAIL' -A3 "$log" | sed 's/^/    /' | head -20
            fail=$((fail + 1))
        fi
    done
fi
run_cases sanitize run_case "${cases[@]}"
