#!/usr/bin/env bash
# broadcast_file.sh - broadcast values read from a file, again before every
# batch (language.md section 12): the seed's black list kept in a file.
#
# The program: queueStream with a real clock (300 ms batches, one file per
# batch, each line "alice bob carol dave"), filtering the words of the
# black list (sc.broadcast(Source.fromFile("black.txt").getLines.toList))
# into saveAsTextFiles; driver code prints the list's size per batch from
# a second form (sc.textFile("black.txt").collect()).
#
#   forms     all three spellings compile (also scala.io.Source ... getLines())
#   filter    alice (in the file at start, with a CRLF line end) is filtered
#             from every batch; dave never is
#   live      the file replaced (rename) while running, adding carol: carol
#             is kept before and filtered from a later batch on, never back
#   missing   the file removed while running: batches go on with the last
#             value and a warning; back again: read again
#   start     a missing file at start: status 1 and a message naming it
#
# Usage: tests/e2e/broadcast_file.sh   Prints "broadcast-file: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_CFLAGS="-O1 -fsanitize=..." runs it on
#        other builds (a sanitizer's report fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=broadcast-file
find_streamc
work=$(mktemp -d)
sanitizer_logs "$work"
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
bad_err=err bad_hide=' INFO ' bad_lines=4

batches=24
mkdir in
for i in $(seq -w 1 $batches); do printf 'alice bob carol dave\n' > "in/f$i"; done
printf 'alice\r\n' > black.txt
cat > prog.stream <<'EOF'
app "BroadcastFile"
batch 300ms
val sc = ssc.sparkContext
val black = sc.broadcast(Source.fromFile("black.txt").getLines.toList)
val sameList = sc.broadcast(sc.textFile("black.txt").collect())
val third = sc.broadcast(scala.io.Source.fromFile("black.txt").getLines().toSeq)
val words = ssc.queueStream("in").flatMap(_.split(" "))
words.filter(w => !black.value.contains(w)).saveAsTextFiles("out/kept")
words.foreachRDD((rdd, time) => println(time.milliseconds + " " + sameList.value.size + " " + third.value.size))
EOF
if ! "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
    bad "forms: the three spellings do not compile"
else
    ok "forms: Source.fromFile(...).getLines.toList, sc.textFile(...).collect(), scala.io.Source ... getLines().toSeq"
    ./app --batches $batches > stdout 2> err &
    pid=$!
    sleep 1.4
    printf 'alice\ncarol\n' > black.new && mv black.new black.txt # atomically: a new inode
    sleep 1.4
    rm black.txt
    sleep 1.4
    printf 'alice\ncarol\n' > black.txt
    wait $pid
    status=$?
    pid=
    # per batch, in time order: does the batch keep carol? (C kept, - filtered)
    marks=$(for d in $(ls -d out/kept-* | sort -t- -k2 -n); do
        if grep -qx carol "$d"/part-* 2>/dev/null; then printf C; else printf -- -; fi; done)
    alice=$(cat out/kept-*/part-* | grep -cx alice)
    dave=$(cat out/kept-*/part-* | grep -cx dave)
    if [ $status -ne 0 ]; then
        bad "run: status $status"
    elif [ "$alice" -ne 0 ] || [ "$dave" -ne $batches ]; then
        bad "filter: alice kept $alice times (expected 0), dave $dave times (expected $batches)"
    else
        ok "filter: alice filtered from all $batches batches (CRLF line end), dave kept in each"
    fi
    if [[ $marks =~ ^C+-+$ ]]; then
        ok "live: the file replaced while running: carol kept, then filtered from a later batch on ($marks)"
    else
        bad "live: carol per batch: $marks (expected C...C-...-)"
    fi
    if grep -q 'WARN cannot read the broadcast value file black.txt: No such file or directory' err &&
       grep -q 'broadcast file black.txt can be read again' err &&
       [ "$(ls -d out/kept-* | wc -l)" -eq $batches ]; then
        ok "missing: the file removed while running: $batches batches all the same, a warning, then read again"
    else
        bad "missing: no warning / no recovery line, or batches missing ($(ls -d out/kept-* | wc -l) of $batches)"
    fi
    if awk '{ print $2, $3 }' stdout | sort -u | tr '\n' ' ' | grep -qx '1 1 2 2 '; then
        ok "driver: the other two forms follow the file too (sizes 1, then 2)"
    else
        bad "driver: the sizes printed per batch: $(awk '{ print $2, $3 }' stdout | sort -u | tr '\n' ' ')"
    fi
    rm -f black.txt
    ./app --batches 1 > stdout 2> err
    status=$?
    if [ $status -eq 1 ] && grep -q 'cannot read the broadcast file black.txt: No such file or directory' err; then
        ok "start: a missing file at start: status 1, \"$(grep -o 'cannot read the broadcast file.*' err | head -1)\""
    else
        bad "start: a missing file at start: status $status"
    fi
fi

finish
