#!/usr/bin/env bash
# window.sh - per-slide cost of windowed aggregations, window 10 vs 100 batches
# at the same input rate (slide = 1 batch). Prints the times and the ratio
# W=100 / W=10 for: a windowed sum with an inverse function (incremental) and
# a windowed max without one (Two-Stacks). Goal: ratio <= 1.3 for both. For
# comparison, the same max recomputed over the whole window every slide.
# Not part of `make check`: times are printed, never asserted.
#   bash bench/window.sh [BATCHES] [LINES_PER_BATCH]
set -eu
. "$(dirname "$0")/lib.sh"
root=$bench_root
batches=${1:-400}
lines=${2:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/input"
# deterministic input: keys k0..k999, values 1..100
awk -v B="$batches" -v L="$lines" -v dir="$work/input" 'BEGIN { srand(3);
    for (b = 1; b <= B; b++) { f = sprintf("%s/%05d", dir, b);
        for (i = 0; i < L; i++) printf "k%d %d\n", int(rand() * 1000), 1 + int(rand() * 100) > f;
        close(f) } }'
for w in 10 100; do
    cat > "$work/sum$w.stream" <<PROG
batch 1s
val kv = ssc.queueStream("input").map(l => (l.split(" ")(0), l.split(" ")(1).toInt))
kv.reduceByKeyAndWindow(_ + _, _ - _, Seconds($w)).foreachRDD(r => r.count())
PROG
    cat > "$work/max$w.stream" <<PROG
batch 1s
val kv = ssc.queueStream("input").map(l => (l.split(" ")(0), l.split(" ")(1).toInt))
kv.reduceByKeyAndWindow((a: Int, b: Int) => math.max(a, b), Seconds($w)).foreachRDD(r => r.count())
PROG
    cat > "$work/recompute$w.stream" <<PROG
batch 1s
val kv = ssc.queueStream("input").map(l => (l.split(" ")(0), l.split(" ")(1).toInt))
kv.window(Seconds($w)).reduceByKey((a: Int, b: Int) => math.max(a, b)).foreachRDD(r => r.count())
PROG
    for kind in sum max recompute; do "$streamc" "$work/$kind$w.stream" -o "$work/$kind$w"; done
done
# per-slide time: the median of the batches' processing times (the runtime's
# INFO line), leaving out the first 150 batches (windows still filling). The
# programs take turns, five rounds, so drift on the machine hits all alike.
programs="sum10 sum100 max10 max100 recompute10 recompute100"
for _ in 1 2 3 4 5; do
    for prog in $programs; do
        (cd "$work" && "./$prog" --clock manual --batches "$batches" --master 'local[1]' 2>&1 >/dev/null) |
            sed -n 's/.*processing \([0-9.]*\) ms.*/\1/p' | tail -n +151 >> "$work/$prog.times"
    done
done
median_of() { median < "$work/$1.times"; }
echo "window benchmark: $batches batches x $lines records, 1000 keys, slide 1 batch, local[1]"
for kind in sum max recompute; do
    t10=$(median_of "${kind}10")
    t100=$(median_of "${kind}100")
    case $kind in
        sum) label="sum with inverse " ;;
        max) label="max (Two-Stacks) " ;;
        *) label="max recomputed each slide (window + reduceByKey, for comparison)" ;;
    esac
    awk -v k="$label" -v a="$t10" -v b="$t100" 'BEGIN {
        printf "%s W=10: %.3f ms/slide  W=100: %.3f ms/slide  ratio %.2f%s\n",
               k, a, b, (a > 0 ? b / a : 0), k ~ /comparison/ ? "" : " (goal <= 1.3)" }'
done
