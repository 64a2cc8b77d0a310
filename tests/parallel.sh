# parallel.sh - sourced by test scripts: run one function per case, two at a
# time, then tally. Each run of FN NAME writes "$work/NAME.report" (shown)
# and "$work/NAME.result" (pass, skip or anything else for a failure).
#   run_cases LABEL FN CASE...   adds to the counters pass, fail and skip
#                                (from 0 if the caller has none), prints
#                                "LABEL: N passed, M failed, K skipped" and
#                                returns non-zero if anything failed
run_cases() {
    local label=$1 fn=$2 running=0 name
    pass=${pass:-0} fail=${fail:-0} skip=${skip:-0}
    shift 2
    for name in "$@"; do
        if [ $running -ge 2 ]; then wait -n || true; running=$((running - 1)); fi
        "$fn" "$name" &
        running=$((running + 1))
    done
    wait
    for name in "$@"; do
        cat "$work/$name.report" 2>/dev/null || true
        case $(cat "$work/$name.result" 2>/dev/null) in
        pass) pass=$((pass + 1)) ;;
        skip) skip=$((skip + 1)) ;;
        *)    fail=$((fail + 1)) ;;
        esac
    done
    echo "$label: $pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
}
