#!/usr/bin/env bash
# check.sh - every test suite in order; a failing suite does not stop the
# others. Ends with one line "check: N passed, M failed" (suites).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pass=0 fail=0
# make check SANITIZE=...: everything is instrumented, and a sanitizer
# report written by any program a suite runs fails that suite.
reports=
if [ -n "${SANITIZE:-}" ]; then
    reports=$(mktemp -d)
    trap 'rm -rf "$reports"' EXIT
    export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/report"
    export UBSAN_OPTIONS="print_stacktrace=1:log_path=$reports/report"
fi
# reported: did the suite just run leave sanitizer reports? (shown, cleared)
reported() {
    [ -n "$reports" ] && [ -n "$(ls -A "$reports")" ] || return 1
    echo "==> sanitizer reports:"
    head -n 40 "$reports"/* | sed 's/^/    /'
    rm -f "$reports"/*
}
run() {
    echo "==> $*"
    local status=0
    "$@" || status=$?
    reported && status=1
    if [ "$status" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "==> FAILED: $*"; fi
}
run build/unit_tests
run bash tests/diag/run.sh
run bash tests/fuzz/run.sh
run bash tests/cli/run.sh
run bash tests/e2e/run.sh
run bash tests/e2e/fusion.sh
run bash tests/e2e/strings.sh
run bash tests/e2e/signals.sh
run bash tests/e2e/fsync.sh
run bash tests/e2e/broadcast_file.sh
run bash tests/reliability/bad_input.sh
run bash tests/samples/run.sh
run bash tests/goldens/run.sh
run bash tests/bench/smoke.sh
run bash tests/install/make.sh
run bash tests/install/cmake.sh
run bash tests/install/man.sh
run bash tests/recovery/supervise.sh
run bash tests/recovery/kill.sh
run bash tests/recovery/checkpoint.sh
run bash tests/recovery/wal.sh
run bash tests/reliability/disk_full.sh
run bash tests/reliability/overload.sh
run bash tests/kafka/smoke.sh
run bash tests/kafka/direct.sh
run bash tests/redis/sink.sh
run bash tests/redis/offsets.sh
run bash tests/redis/exactly_once.sh
run bash tests/redis/outage.sh
run bash tests/redis/broadcast.sh
run bash tests/ui/api.sh
run bash tests/ui/ports.sh
run bash tests/ui/page.sh
# the instrumented subset, in its own build (redundant when all is
# instrumented; SANITIZE_SUBSET=no leaves it to a SANITIZE run that follows)
[ -z "${SANITIZE:-}" ] && [ "${SANITIZE_SUBSET:-yes}" != no ] && run bash tests/sanitize.sh
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
