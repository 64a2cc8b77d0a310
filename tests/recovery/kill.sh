#!/usr/bin/env bash
# kill.sh - recovery under kill -9 at random moments.
#
#   queue   queueStream input (random words) through updateStateByKey, the
#           two kinds of reduceByKeyAndWindow (inverse and Two-Stacks) and
#           window().count() into saveAsTextFiles, with a checkpoint
#           directory, --clock manual --batches N. The program is killed
#           with SIGKILL at random moments until at least 20 kills landed
#           while it ran; after the last restart every output directory
#           equals an uninterrupted run's, byte for byte (so does the final
#           state, the last totals directory).
#   files   textFileStream input that a feeder writes while the program
#           runs on the real clock, killed a few times: every file is
#           counted exactly once in the final totals, and every batch
#           written before a kill is written again identically (the
#           journal's batches are replayed with the files they had).
#
# Usage: tests/recovery/kill.sh     Prints "kill: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
#        KILLS=N sets the number of kills that must land (default 20).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite="kill"
find_streamc
kills_wanted=${KILLS:-20}
work=$(mktemp -d)
sanitizer_logs "$work"
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
bad_err=err bad_hide=' INFO |Killed' bad_lines=8

# ---------------------------------------------------------------------
# queue: 20+ kills, outputs equal to an uninterrupted run's
# ---------------------------------------------------------------------
mkdir -p queue/in && cd queue
cat > prog.stream <<'EOF'
app "KillTest"
batch Durations.seconds(1)
master "local[2]"
checkpoint "ck" every Durations.seconds(5)

val lines = ssc.queueStream("in")
val pairs = lines.flatMap(_.split(" ")).map(w => (w, 1))
val totals = pairs.updateStateByKey((vs: Seq[Int], old: Option[Int]) => Some(vs.sum + old.getOrElse(0)))
totals.saveAsTextFiles("out/totals", "txt")
pairs.reduceByKeyAndWindow((a: Int, b: Int) => a + b, (a: Int, b: Int) => a - b,
  Durations.seconds(4), Durations.seconds(2)).saveAsTextFiles("out/inv", "txt")
pairs.reduceByKeyAndWindow((a: Int, b: Int) => a + b, Durations.seconds(3), Durations.seconds(1))
  .saveAsTextFiles("out/panes", "txt")
pairs.window(Durations.seconds(2), Durations.seconds(2)).count().saveAsTextFiles("out/count", "txt")
EOF
batches=120
awk -v seed="${SEED:-$RANDOM}" -v n=$batches 'BEGIN {
    srand(seed)
    for (f = 0; f < n; f++) {
        file = sprintf("in/f%04d", f)
        for (l = 0; l < 1500; l++) {
            line = ""
            for (w = 0; w < 6; w++) line = line (w ? " " : "") "w" int(rand() * rand() * 2000)
            print line > file
        }
        close(file)
    }
}'
if ! "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
    bad "queue: the program does not compile"
else
    args=(--clock manual --batches $batches)
    t0=$(now_ms)
    ./app "${args[@]}" --checkpoint ref-ck 2> err && mv out ref
    took=$(( $(now_ms) - t0 ))
    [ "$took" -lt 300 ] && took=300
    landed=0 tries=0
    while [ $landed -lt "$kills_wanted" ] && [ $tries -lt $((kills_wanted * 4)) ]; do
        tries=$((tries + 1))
        ./app "${args[@]}" 2>> err &
        pid=$!
        # a random moment within an eighth of the whole run: 20 kills land
        # before the work is done, each run getting a little further
        sleep "$(awk -v r=$RANDOM -v t="$took" 'BEGIN { printf "%.3f", r / 32768 * t / 1000 / 8 }')"
        kill -KILL $pid 2>/dev/null && landed=$((landed + 1))
        wait $pid 2>/dev/null
        pid=
    done
    ./app "${args[@]}" 2>> err
    status=$?
    if [ $landed -lt "$kills_wanted" ]; then
        bad "queue: only $landed of $tries kills landed while the program ran"
    elif [ $status -ne 0 ]; then
        bad "queue: the run after $landed kills ended with status $status"
    elif ! diff -r ref out > diff.txt; then
        bad "queue: after $landed kills the outputs differ from an uninterrupted run's ($(wc -l < diff.txt) lines of diff)"
    elif [ "$(ls out | wc -l)" -ne "$(ls ref | wc -l)" ] || [ "$(ls ref | wc -l)" -lt 300 ]; then
        bad "queue: $(ls out | wc -l) output directories, expected $(ls ref | wc -l)"
    elif [ "$(grep -o 'Recovering from ck/checkpoint-[0-9]*' err | sort -u | wc -l)" -lt 3 ] ||
         [ "$(grep -c 'replayed' err)" -lt 5 ]; then
        bad "queue: the kills did not exercise recovery enough: $(grep -o 'Recovering from ck/checkpoint-[0-9]*' err | sort -u | wc -l) checkpoints resumed from, $(grep -c 'replayed' err) batches replayed"
    else
        ok "queue: $landed kill -9 at random moments ($tries runs, resumed from $(grep -o 'Recovering from ck/checkpoint-[0-9]*' err | sort -u | wc -l) checkpoints, $(grep -c 'replayed' err) batches replayed); all $(ls out | wc -l) output directories equal an uninterrupted run's"
    fi
fi
cd "$work"

# ---------------------------------------------------------------------
# files: textFileStream fed while running, real clock
# ---------------------------------------------------------------------
mkdir -p files/in files/stage && cd files
cat > prog.stream <<'EOF'
app "KillFiles"
batch Durations.milliseconds(200)
master "local[2]"
checkpoint "ck" every Durations.seconds(1)

val totals = ssc.textFileStream("in").flatMap(_.split(" ")).map(w => (w, 1L))
  .updateStateByKey((vs: Seq[Long], old: Option[Long]) => Some(vs.sum + old.getOrElse(0L)))
totals.saveAsTextFiles("out/totals", "txt")
EOF
nfiles=30
if ! "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
    bad "files: the program does not compile"
else
    start() { ./app --conf streamc.logLevel=WARN 2>> err & pid=$!; }
    start
    sleep 0.5 # the files present at the first start are not new: wait for it
    for i in $(seq 1 $nfiles); do
        awk -v i=$i 'BEGIN { for (l = 0; l < 200; l++) print "a" (l % 7) " b" (i % 5) " c" }' > stage/f$i
        mv stage/f$i in/f$i
        if [ $((i % 4)) -eq 0 ]; then
            sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
            kill -KILL $pid; wait $pid 2>/dev/null
            mkdir -p seen && cp -rn out/* seen/ 2>/dev/null # batches as first written (not the killed run's hidden temporaries)
            start
        fi
        sleep 0.05
    done
    sleep 1.5
    kill -TERM $pid; wait $pid; status=$?; pid=
    last=$(ls -d out/totals-* 2>/dev/null | sort -t- -k2 -n | tail -1)
    cat in/* | tr ' ' '\n' | sort | uniq -c | awk '{ print "(" $2 "," $1 ")" }' | sort > expected
    [ -n "$last" ] && cat "$last"/part-* | sort > got
    if [ $status -ne 0 ]; then
        bad "files: the last run ended with status $status"
    elif [ -z "$last" ] || ! diff expected got > /dev/null; then
        bad "files: the final totals differ from the words of the $nfiles files"
    elif ! diff -r seen out > diff.txt 2>&1 && grep -v '^Only in out' diff.txt | grep -q .; then
        bad "files: batches written before a kill were rewritten differently after it: $(grep -v '^Only in out' diff.txt | head -3)"
    else
        ok "files: textFileStream killed $((nfiles / 4)) times while fed: each of the $nfiles files counted exactly once, batches replayed identically"
    fi
fi
cd "$work"

finish
