#!/usr/bin/env bash
# supervise.sh - --supervise: a parent that restarts the program.
#
#   a   real clock: the child killed with SIGKILL is restarted (a new pid,
#       a "restarting in 1 s" WARN); SIGTERM to the supervisor then stops
#       both, with status 0
#   b   a child that fails at start (queueStream of a missing directory,
#       exit status 1) is restarted with a growing back-off ("restarting in
#       1 s", then, at least a second later, "restarting in 2 s"); SIGTERM
#       during the back-off ends the supervisor at once with status 0
#   c   a child that ends normally (--batches 3 --clock manual) ends the
#       supervisor with status 0, without a restart
#   d   SIGKILL of the supervisor: the child gets SIGTERM (PDEATHSIG) and
#       stops cleanly
#   e   SIGINT to a supervisor started in the background (SIGINT ignored
#       there by the shell) is forwarded: both stop, status 0
#   f   a second SIGTERM is forwarded too: the child (stopping gracefully,
#       waiting for its last batch) ends at once, and the supervisor returns
#       its status, 143
#
# Usage: tests/recovery/supervise.sh     Prints "supervise: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report on stderr fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=supervise
find_streamc
work=$(mktemp -d)
pids=()   # every supervisor and child seen, killed by pid on exit
cleanup() {
    [ "$BASHPID" = "$$" ] || return 0
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

ok_scan=err   # a sanitizer's report on the program's stderr turns an ok into a failure
bad_err=err bad_lines=10

# wait_count FILE PATTERN N SECONDS: until N lines match; 1 on timeout.
wait_count() {
    local deadline=$(( $(now_ms) + $4 * 1000 ))
    until [ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}
# alive PID: the process exists and is not a zombie (an orphan's zombie
# may stay around in a container whose init does not reap).
alive() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}
# gone PID SECONDS: until the process is no longer alive; 1 on timeout.
gone() {
    local deadline=$(( $(now_ms) + $2 * 1000 ))
    while alive "$1"; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}
# child_pid N: the pid of the N-th child the supervisor logged as started.
child_pid() {
    grep -aoE 'supervisor: started [^ ]+ \(pid [0-9]+\)' err | sed -n "${1}p" | grep -oE '[0-9]+\)$' | tr -d ')'
}
# wait_child N SECONDS: $child = the N-th child, once logged and running.
wait_child() {
    child=
    wait_count err "supervisor: started " "$1" "$2" || return 1
    child=$(child_pid "$1")
    [ -n "$child" ] || return 1
    pids+=("$child")
}
start_sup() {
    : > out; : > err
    "./$1" --supervise "${@:2}" > out 2> err &
    sup=$!; pids+=("$sup")
}
# wait_sup SECONDS: the supervisor's status in $st (bash's wait); a watchdog
# kills it after SECONDS so that a supervisor that does not stop fails the
# test instead of hanging it.
wait_sup() {
    ( sleep "$1"; kill -KILL "$sup" 2>/dev/null ) > /dev/null 2>&1 &
    local wd=$!
    st=0; wait "$sup" 2>/dev/null || st=$?
    kill -KILL "$wd" 2>/dev/null || true; wait "$wd" 2>/dev/null || true
}

mkdir in
printf 'a\nb\n' > in/1; printf 'c\n' > in/2; printf 'd\ne\nf\n' > in/3
# compile NAME DIR [BATCH [HEADER]]: prints "got <line>" for the lines of
# queueStream(DIR); batch 200ms by default.
compile() {
    cat > "$1.stream" <<EOF
app "$1"
batch ${3:-200ms}
master "local[1]"
${4:-}
val lines = ssc.queueStream("$2")
lines.map(l => "got " + l).print()
EOF
    "$streamc" "${ccflags[@]}" "$1.stream" -o "$1" > "$1.log" 2>&1 || { cat "$1.log"; exit 1; }
}
compile sup in
compile broken no_such_dir
compile graceful in 10s 'conf "spark.streaming.stopGracefullyOnShutdown" = true'

# ---------------------------------------------------------------- a
start_sup sup
if ! wait_child 1 5 || ! wait_for err "Started sup" 5; then
    bad "a: the supervisor did not start a child"
else
    first=$child
    kill -KILL "$first"
    if ! wait_for err "supervisor: sup \(pid $first\) was killed by signal 9 \(Killed\); restarting in 1 s \(restart 1\)" 3; then
        bad "a: no 'restarting in 1 s' line after SIGKILL of the child"
    elif ! wait_child 2 4; then
        bad "a: no new child within 4 s"
    elif [ "$child" = "$first" ] || ! alive "$child"; then
        bad "a: the new child ($child) is not a new running process"
    elif ! wait_count err "Started sup" 2 3; then
        bad "a: the new child did not start the run"
    else
        second=$child
        t0=$(now_ms); kill -TERM "$sup"; wait_sup 5; t1=$(now_ms)
        if [ "$st" -ne 0 ]; then bad "a: supervisor exit status $st after SIGTERM, expected 0"
        elif alive "$second"; then bad "a: the child $second still runs after the supervisor ended"
        elif ! grep -q "Stopping on signal 15" err; then bad "a: the child did not stop on the forwarded SIGTERM"
        else ok "a: SIGKILLed child $first restarted as $second; SIGTERM stopped both, status 0 ($((t1 - t0)) ms)"; fi
    fi
fi
alive "$sup" && { kill -KILL "$sup"; wait_sup 1; }

# ---------------------------------------------------------------- b
start_sup broken
if ! wait_for err "restarting in 1 s \(restart 1\)" 3; then
    bad "b: no 'restarting in 1 s (restart 1)' after the child failed"
else
    t0=$(now_ms)
    if ! wait_for err "exited with status 1; restarting in 2 s \(restart 2\)" 4; then
        bad "b: no 'restarting in 2 s (restart 2)' line"
    elif [ $(( $(now_ms) - t0 )) -lt 900 ]; then
        bad "b: the second restart came after $(( $(now_ms) - t0 )) ms, not after a 1 s back-off"
    elif ! grep -q "broken: error: cannot open source 1" err; then
        bad "b: the child's startup error is not on stderr"
    else
        gap=$(( $(now_ms) - t0 ))
        t0=$(now_ms); kill -TERM "$sup"; wait_sup 5; t1=$(now_ms)
        if [ "$st" -ne 0 ]; then bad "b: supervisor exit status $st after SIGTERM in the back-off, expected 0"
        elif [ $((t1 - t0)) -ge 3000 ]; then bad "b: SIGTERM in the back-off took $((t1 - t0)) ms"
        elif grep -q "restart 3" err; then bad "b: restarted again after SIGTERM"
        else ok "b: failing child restarted after 1 s then 2 s (${gap} ms apart); SIGTERM in the back-off: status 0 after $((t1 - t0)) ms"; fi
    fi
fi
alive "$sup" && { kill -KILL "$sup"; wait_sup 1; }

# ---------------------------------------------------------------- c
start_sup sup --batches 3 --clock manual
wait_sup 10
if [ "$st" -ne 0 ]; then bad "c: supervisor exit status $st, expected 0"
elif grep -q restarting err; then bad "c: a normal end was restarted"
elif [ "$(grep -c '^Time:' out)" -ne 3 ] || ! grep -qx "got f" out; then bad "c: the run did not print its 3 batches"; sed 's/^/    out: /' out
elif ! grep -q "supervisor: sup (pid [0-9]*) exited normally" err; then bad "c: no 'exited normally' line"
else ok "c: a child ending with status 0 ends the supervisor with 0, no restart"; fi

# ---------------------------------------------------------------- d
start_sup sup
if ! wait_child 1 5 || ! wait_for err "Started sup" 5; then
    bad "d: the supervisor did not start a child"
else
    kill -KILL "$sup"; wait_sup 2
    if ! gone "$child" 3; then bad "d: the child $child still runs 3 s after SIGKILL of the supervisor"; kill -KILL "$child"
    elif ! wait_for err "Stopping on signal 15" 1; then bad "d: the child did not stop on SIGTERM (PDEATHSIG)"
    else ok "d: SIGKILL of the supervisor stops the child (SIGTERM, clean stop)"; fi
fi

# ---------------------------------------------------------------- e
start_sup sup
if ! wait_child 1 5 || ! wait_for err "Started sup" 5; then
    bad "e: the supervisor did not start a child"
else
    kill -INT "$sup"; wait_sup 5
    if [ "$st" -ne 0 ]; then bad "e: supervisor exit status $st after SIGINT, expected 0"
    elif alive "$child"; then bad "e: the child $child still runs after the supervisor ended"
    elif ! grep -q "Stopping on signal 2" err; then bad "e: the child did not stop on the forwarded SIGINT"
    else ok "e: SIGINT to a background supervisor is forwarded; both stop, status 0"; fi
fi
alive "$sup" && { kill -KILL "$sup"; wait_sup 1; }

# ---------------------------------------------------------------- f
# keep clear of a batch boundary: at least 3 s before the next one
if [ $(( $(now_ms) % 10000 )) -gt 7000 ]; then
    sleep $(( (10000 - $(now_ms) % 10000) / 1000 + 1 ))
fi
start_sup graceful
if ! wait_child 1 5 || ! wait_for err "Started graceful" 5; then
    bad "f: the supervisor did not start a child"
else
    kill -TERM "$sup"
    if ! wait_for err "Stopping on signal 15 \(gracefully" 2; then
        bad "f: the child did not see the first SIGTERM"
    else
        t0=$(now_ms); kill -TERM "$sup"; wait_sup 5; t1=$(now_ms)
        if [ "$st" -ne 143 ]; then bad "f: supervisor exit status $st after a second SIGTERM, expected 143"
        elif [ $((t1 - t0)) -gt 1000 ]; then bad "f: the second SIGTERM took $((t1 - t0)) ms"
        elif alive "$child"; then bad "f: the child $child still runs"
        else ok "f: a second SIGTERM ends the child at once; the supervisor returns 143 ($((t1 - t0)) ms)"; fi
    fi
fi
alive "$sup" && { kill -KILL "$sup"; wait_sup 1; }

finish
