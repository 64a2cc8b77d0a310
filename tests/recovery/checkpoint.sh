#!/usr/bin/env bash
# checkpoint.sh - damaged checkpoints, a locked directory, changed programs.
#
#   corrupt     a byte of the newest checkpoint flipped: reported, moved
#               aside, the one before it used (its journal replayed): the
#               outputs equal an uninterrupted run's
#   truncated   the newest checkpoint cut in half: the same
#   garbage     a file named like a newer checkpoint that is not one: the same
#   all         every checkpoint damaged: a clear error, status 1
#   locked      a second run on a directory in use: a clear error, status 1
#   compatible  a changed program whose state still matches (another
#               function body, a new output): the state goes on
#   mismatch    the state's type changed: refused by name (status 1); with
#               --on-mismatch=reset-state the state starts over while the
#               queue goes on where it was
#   removed     a stateful operator removed: named in the refusal
#
# Usage: tests/recovery/checkpoint.sh     Prints "checkpoint: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=checkpoint
find_streamc
work=$(mktemp -d)
sanitizer_logs "$work"
bg=
cleanup() {
    [ -n "$bg" ] && kill -KILL "$bg" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
bad_err=err bad_hide=' INFO '

mkdir in
for f in $(seq -w 1 40); do
    awk -v f="$f" 'BEGIN { for (l = 0; l < 50; l++) print "w" (l * f % 13) " w" (l % 7) " x" }' > in/f$f
done

# prog NAME STATE_EXPR TYPE [EXTRA]: a program with named totals, a window
# and whatever EXTRA adds.
prog() {
    cat > "$1.stream" <<EOF
app "CheckpointTest"
batch Durations.seconds(1)
checkpoint "ck" every Durations.seconds(5)

val pairs = ssc.queueStream("in").flatMap(_.split(" ")).map(w => (w, 1))
val totals = pairs.updateStateByKey((vs: Seq[Int], old: Option[$3]) => Some($2)).name("totals")
totals.saveAsTextFiles("out/totals", "txt")
$4
EOF
    "$streamc" "${ccflags[@]}" -o "$1" "$1.stream" 2> err
}
WINDOW='pairs.reduceByKeyAndWindow((a: Int, b: Int) => a + b, Durations.seconds(3), Durations.seconds(1)).saveAsTextFiles("out/win", "txt")'
prog v1 'vs.sum + old.getOrElse(0)' Int "$WINDOW" || bad "v1 does not compile"

# the reference: 30 batches without interruption
./v1 --clock manual --batches 30 --checkpoint ref-ck 2> err && mv out ref

# damage MODE: run 25 batches (checkpoints 20 and 25 kept), damage the
# newest, resume to 30; the outputs must equal the reference.
damage() {
    rm -rf ck out
    ./v1 --clock manual --batches 25 2> err
    case $1 in
    corrupt) printf '\x5a' | dd of=ck/checkpoint-25000 bs=1 seek=40 conv=notrunc 2> /dev/null ;;
    truncated) truncate -s $(( $(stat -c %s ck/checkpoint-25000) / 2 )) ck/checkpoint-25000 ;;
    garbage) echo "not a checkpoint" > ck/checkpoint-99000 ;;
    esac
    ./v1 --clock manual --batches 30 2> err
}
for mode in corrupt truncated garbage; do
    damage $mode
    status=$?
    if [ $status -ne 0 ]; then
        bad "$mode: resuming ended with status $status"
    elif ! grep -q 'ERROR checkpoint ck/checkpoint-[0-9]* is damaged: .* using the one before it' err; then
        bad "$mode: the damaged checkpoint was not reported"
    elif ! ls ck | grep -q '^damaged-checkpoint-'; then
        bad "$mode: the damaged checkpoint was not moved aside"
    elif ! diff -r ref out > /dev/null; then
        bad "$mode: the outputs differ from an uninterrupted run's"
    else
        ok "$mode: reported ($(grep -o 'damaged: [^;]*' err | head -1)), previous checkpoint and journal used, outputs exact"
    fi
done

rm -rf ck out
./v1 --clock manual --batches 25 2> err
for f in ck/checkpoint-*; do printf '\x5a' | dd of="$f" bs=1 seek=30 conv=notrunc 2> /dev/null; done
./v1 --clock manual --batches 30 2> err
status=$?
if [ $status -eq 1 ] && grep -q 'every checkpoint in ck is damaged' err && [ ! -d out/totals-26000.txt ]; then
    ok "all: every checkpoint damaged: status 1, \"$(grep -o 'every checkpoint in ck is damaged' err)\""
else
    bad "all: status $status, expected 1 with a message and no batch run"
fi

rm -rf ck out
./v1 --checkpoint lk 2> err.bg & bg=$!
for _ in $(seq 50); do [ -f lk/.lock ] && grep -q . lk/.lock && break; sleep 0.05; done
./v1 --clock manual --batches 2 --checkpoint lk 2> err
status=$?
kill -TERM $bg; wait $bg; bg=
if [ $status -eq 1 ] && grep -q "checkpoint directory lk is in use by another run (pid [0-9]*)" err; then
    ok "locked: a second run on the directory is refused: status 1, naming the first run's pid"
else
    bad "locked: status $status, expected 1 and a message"
fi

# changed programs, from a checkpoint after 10 batches
start10() { rm -rf ck out; ./v1 --clock manual --batches 10 2> err; }

start10
prog v2 'old.getOrElse(0) + vs.sum' Int "$WINDOW
pairs.count().print()" || bad "v2 does not compile"
./v2 --clock manual --batches 30 > /dev/null 2> err
status=$?
if [ $status -eq 0 ] && diff -r ref/totals-30000.txt out/totals-30000.txt > /dev/null; then
    ok "compatible: another function body and a new output: the state goes on (totals equal)"
else
    bad "compatible: status $status; the totals after 30 batches differ from an unchanged run's"
fi

start10
prog v3 'vs.sum + old.getOrElse(0.0)' Double "$WINDOW" || bad "v3 does not compile"
./v3 --clock manual --batches 30 2> err
status=$?
if [ $status -ne 1 ] || ! grep -q 'state mismatch: updateStateByKey at line 6 (totals) now keeps' err ||
   ! grep -q 'refuses to start' err || [ -d out/totals-11000.txt ]; then
    bad "mismatch: status $status, expected 1 naming 'totals' and no batch run"
else
    ./v3 --clock manual --batches 30 --on-mismatch=reset-state 2> err
    status=$?
    # the totals start over at batch 11, on files 11..30 only
    cat in/f1[1-9] in/f2* in/f30 | tr ' ' '\n' | sort | uniq -c | awk '{ print "(" $2 "," $1 ".0)" }' | sort > expected
    cat out/totals-30000.txt/part-* 2>/dev/null | sort > got
    if [ $status -eq 0 ] && grep -q 'reset-state: dropping the state of 1 operator' err && diff expected got > /dev/null; then
        ok "mismatch: refused naming 'totals'; with --on-mismatch=reset-state the totals start over, the queue goes on"
    else
        bad "mismatch: with --on-mismatch=reset-state: status $status, or totals not those of files 11..30"
    fi
fi

start10
prog v4 'vs.sum + old.getOrElse(0)' Int '' || bad "v4 does not compile"
./v4 --clock manual --batches 30 2> err
status=$?
if [ $status -eq 1 ] && grep -q 'holds state of reduceByKeyAndWindow at line 8 (#2, .*), which the program no longer has' err; then
    ok "removed: a removed window is named in the refusal"
else
    bad "removed: status $status, expected 1 naming the window"
fi

finish
