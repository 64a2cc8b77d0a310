#!/usr/bin/env bash
# csv.sh - parsing fields, the other everyday Spark job: a sum per key over
# comma-separated lines, map(_.split(",")) -> filter -> map(a => (a(0),
# a(1).toInt)) -> reduceByKey, FILES batches of LINES lines (about 38 bytes
# each: user, number, item, price, date), --clock manual, against
#   mawk -F, 'NF >= 4 { s[$1] += $2 }' over the same files.
# The programs take turns, ROUNDS rounds; medians and the ratio of the same
# run are printed, and the peak memory. Times are printed, never asserted.
#   bash bench/csv.sh [FILES] [LINES] [ROUNDS]
set -eu
. "$(dirname "$0")/lib.sh"
files=${1:-5}
lines=${2:-400000}
rounds=${3:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir in
awk -v F="$files" -v L="$lines" 'BEGIN { srand(3); for (f = 0; f < F; f++) { fn = sprintf("in/%05d", f);
    for (i = 0; i < L; i++) printf "user%d,%d,item%d,%d.%02d,2026-11-%02d\n", int(rand() * 50000),
        int(rand() * 100), int(rand() * 1000), int(rand() * 500), int(rand() * 100), 1 + int(rand() * 28) > fn;
    close(fn) } }'
cat > csv.stream <<'PROG'
batch 1s
val lines = ssc.queueStream("in")
val totals = lines.map(_.split(",")).filter(_.length >= 4).map(a => (a(0), a(1).toInt)).reduceByKey(_ + _)
totals.saveAsTextFiles("out/t")
PROG
"$streamc" csv.stream -o csv
ours() { ./csv --clock manual --batches "$files" --master 'local[1]'; }
run_mawk() { mawk -F, 'NF >= 4 { s[$1] += $2 }' in/*; }

# the sums agree (over all batches) before anything is timed
ours >/dev/null 2>&1
if cmp -s <(cat out/t-*/part-* | tr -d '()' | awk -F, '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort) \
          <(mawk -F, 'NF >= 4 { s[$1] += $2 } END { for (k in s) print k, s[k] }' in/* | sort); then
    agree=yes
else
    agree=NO
fi
for _ in $(seq "$rounds"); do
    rm -rf out # an earlier run's output: removing it is not the program's work
    time_ms ours >> ours.ms
    time_ms run_mawk >> mawk.ms
done
o=$(median < ours.ms) m=$(median < mawk.ms)
vs_mawk=$(ratio mawk ours)
peak=$(peak_kb ./csv --clock manual --batches "$files" --master 'local[1]')
bytes=$(cat in/* | wc -c)
echo "csv: $files batches of $lines lines ($((bytes / 1048576)) MB in all), median of $rounds rounds (sums agree with mawk's: $agree)"
echo "  streamc, local[1]: $o ms ($(awk -v l="$lines" -v f="$files" -v t="$o" 'BEGIN { printf "%.1f", l * f / t / 1000 }') M lines/s)"
echo "  mawk:              $m ms"
echo "  streamc vs mawk:   ${vs_mawk}x"
echo "  peak memory: $(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }') MB for batches of $(awk -v b="$bytes" -v f="$files" 'BEGIN { printf "%.1f", b / f / 1048576 }') MB"
