# tests/lib.sh - helpers shared by the shell test suites. Source it from bash
# (set -u or set -eu) once `root` (the repository) is set:
#     . "$root/tests/lib.sh"
# It sets pass=0 fail=0 and runs nothing else. What a suite may set:
#     suite=NAME     the name finish prints
#     bad_err=FILE   bad without a FILE of its own shows the tail of this one
#                    (a program's stderr), each line as "    stderr: LINE"
#     bad_hide=ERE   ... leaving out the lines that match ERE (e.g. ' INFO ')
#     bad_lines=N    how many lines bad shows of either (default 6)
#     ok_scan=GLOB   ok first looks for a sanitizer's report in the files GLOB
#                    names (err, err*): one makes the check a failure
# Nothing here needs more than bash, coreutils, grep, sed and ss.

# shellcheck shell=bash
pass=0 fail=0

# ok [MSG]: a passed check: pass+1 and "ok   MSG" (silent without MSG); see ok_scan.
ok() {
    # shellcheck disable=SC2086 # ok_scan is a glob, expanded here
    if [ -n "${ok_scan:-}" ] && sanitizer_report $ok_scan; then bad "${1:-}, but with a sanitizer report"; return 0; fi
    [ $# -eq 0 ] || echo "ok   $1"
    pass=$((pass + 1))
}

# bad MSG [FILE]: a failed check: fail+1, "FAIL MSG", then the tail of FILE (indented 4) or else of $bad_err; returns 0.
bad() {
    echo "FAIL $1"
    fail=$((fail + 1))
    if [ -n "${2:-}" ]; then
        [ -f "$2" ] && sed 's/^/    /' "$2" | tail -n "${bad_lines:-6}"
    elif [ -n "${bad_err:-}" ] && [ -f "$bad_err" ]; then
        if [ -n "${bad_hide:-}" ]; then grep -v -E -- "$bad_hide" "$bad_err"; else cat "$bad_err"; fi |
            tail -n "${bad_lines:-6}" | sed 's/^/    stderr: /'
    fi
    return 0
}

# note MSG...: an indented remark that is neither a pass nor a failure.
note() { echo "     note: $*"; }

# finish: sanitizer_logs' reports fail the suite; prints "$suite: N passed, M failed"; exits 0 if none failed.
finish() {
    if [ -n "${sanitizer_dir:-}" ] && ls "$sanitizer_dir"/sanitizer.* > /dev/null 2>&1; then
        bad "sanitizer reports: $(head -5 "$sanitizer_dir"/sanitizer.* | tr '\n' ' ')"
    fi
    # shellcheck disable=SC2154 # suite: set by the suite
    echo "$suite: $pass passed, $fail failed"
    rm -f "$ports_claimed"
    [ "$fail" -eq 0 ]
    exit
}

# find_streamc: streamc = $STREAMC (made absolute) or $root/build/streamc; ccflags = (--cflags "$STREAMC_CFLAGS") or ().
# shellcheck disable=SC2034 # ccflags: for the suite
find_streamc() {
    streamc=${STREAMC:-$root/build/streamc}
    case $streamc in /*) ;; */*) streamc=$PWD/$streamc ;; esac   # the cases run in a temp dir
    ccflags=()
    [ -n "${STREAMC_CFLAGS:-}" ] && ccflags=(--cflags "$STREAMC_CFLAGS")
    return 0
}

# sanitizer_logs DIR: a sanitizer build's reports go to DIR/sanitizer.*, which finish checks.
sanitizer_logs() {
    sanitizer_dir=$1
    export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$1/sanitizer"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$1/sanitizer"
}

# sanitizer_report FILE...: succeeds when a FILE holds a sanitizer's report.
sanitizer_report() { grep -qE 'runtime error:|ERROR: [A-Za-z]+Sanitizer' "$@" 2>/dev/null; }

# now_ms: the wall clock in milliseconds.
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# wait_for FILE PATTERN SECONDS: until grep -E finds PATTERN in FILE (every 20 ms); 1 on timeout.
wait_for() {
    local deadline=$(( $(now_ms) + $3 * 1000 ))
    until grep -qE -- "$2" "$1" 2>/dev/null; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

# port_claim P [N]: succeeds and records P..P+N-1 (default N = 1) when none of
# them was claimed before by this script (its subshells included: free_port
# runs in $(...), so the record is a file, removed by finish). Two ports picked
# before either is bound are then never the same.
ports_claimed=${TMPDIR:-/tmp}/streamc-ports.$$
port_claim() {
    local n=${2:-1} i
    for ((i = 0; i < n; i++)); do
        grep -qx "$(($1 + i))" "$ports_claimed" 2> /dev/null && return 1
    done
    seq "$1" $(($1 + n - 1)) >> "$ports_claimed"
}

# free_port: a TCP port of 20000-49999 nothing listens on (ss) and not handed
# out before (port_claim); exit 1 and a message if none is found.
free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 30000))
        if [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ] && port_claim "$p"; then echo "$p"; return; fi
    done
    echo "no free port" >&2; exit 1
}
