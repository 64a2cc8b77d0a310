#!/usr/bin/env bash
# wordcount.sh - the word count, the reason to compile a stream program:
# bench/wordcount.stream (queueStream -> flatMap(split) -> map -> reduceByKey
# -> saveAsTextFiles) over a Zipf corpus of MB megabytes in 10 files, one
# per batch, --clock manual, against
#   - bench/wc_hand.c: a hand-written C word count doing the same work
#     (per-file counts written out), as fast as we could make it;
#   - mawk '{for(i=1;i<=NF;i++)c[$i]++}' over the same files;
#   - the same program compiled with -fno-fuse, and run with local[2].
# The programs take turns, ROUNDS rounds, so drift on the machine hits all
# alike; medians and ratios of the same run are printed, with the goals.
# Also the peak memory of the word count. Times are printed, never asserted.
#   bash bench/wordcount.sh [MB] [ROUNDS]
set -eu
. "$(dirname "$0")/lib.sh"
mb=${1:-100}
rounds=${2:-5}
gen=$(bench_tool gen_corpus)
hand=$(bench_tool wc_hand)
corpus=$bench_build/corpus-${mb}mb
if [ ! -f "$corpus/.done" ]; then
    rm -rf "$corpus" && mkdir -p "$corpus"
    "$gen" "$corpus" "$mb" 10 100000
    touch "$corpus/.done"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ln -s "$corpus" corpus
"$streamc" "$bench_root/bench/wordcount.stream" -o wc
"$streamc" -fno-fuse "$bench_root/bench/wordcount.stream" -o wc_unfused
words=$(cat corpus/0* | wc -w)
bytes=$(cat corpus/0* | wc -c)

# Each timed run starts with no output of an earlier run (removing it is
# not the program's work): `fresh` before every time_ms.
fresh() { rm -rf out hand_out hand_out2; mkdir hand_out hand_out2; }
ours() { ./"$1" --clock manual --batches 10 --master "local[$2]"; }
run_hand() { "$hand" hand_out corpus/0*; }
run_mawk() { mawk '{for(i=1;i<=NF;i++)c[$i]++}' corpus/0*; }
# the machine's own ceiling for two threads on this work: two hand-written
# word counts at once, each on half of the files
run_hand_pair() { "$hand" hand_out corpus/0*[13579] & "$hand" hand_out2 corpus/0*[02468]; wait; }

# the outputs agree (batch 1, sorted) before anything is timed
fresh
ours wc 1 >/dev/null 2>&1
run_hand
if cmp -s <(sort out/wc-1000/part-*) <(sort hand_out/1); then agree=yes; else agree=NO; fi

for _ in $(seq "$rounds"); do
    fresh; time_ms run_hand >> hand.ms
    fresh; time_ms ours wc 1 >> fused1.ms
    fresh; time_ms ours wc_unfused 1 >> unfused1.ms
    fresh; time_ms ours wc 2 >> fused2.ms
    time_ms run_mawk >> mawk.ms
    fresh; time_ms run_hand_pair >> pair.ms
done
for k in hand fused1 unfused1 fused2 mawk pair; do eval "$k=\$(median < $k.ms)"; done
vs_hand=$(ratio hand fused1) vs_mawk=$(ratio mawk fused1) vs_unfused=$(ratio unfused1 fused1)
vs_local1=$(ratio fused1 fused2) pair_gain=$(ratio hand pair)

# peak memory: the word count, and the same binary on one empty batch (the
# process' own: code, libraries, thread stacks)
mkdir empty && : > empty/00001
peak=$(peak_kb ./wc --clock manual --batches 10 --master 'local[1]')
base=$(cd empty && ln -s . corpus && peak_kb ../wc --clock manual --batches 1 --master 'local[1]')
batch_bytes=$(ls -l corpus/0* | awk '$5 > m { m = $5 } END { print m }')
# the table of one batch as the program sizes it: entries of 32 bytes for a
# capacity doubling from 64, two 8-byte slots per entry, the keys' bytes
table=$(awk -F, '{ n++; len += length($1) - 1 } END { cap = 64; while (cap < n) cap *= 2;
    print cap * 48 + len }' out/wc-1000/part-*)

echo "word count: $mb MB, 10 batches, $words words, $(awk -F, 'END { print NR }' out/wc-1000/part-*) distinct in batch 1, median of $rounds rounds (outputs agree with the hand-written C: $agree)"
awk -v w="$words" -v h="$hand" -v f="$fused1" -v u="$unfused1" -v t="$fused2" -v m="$mawk" 'BEGIN {
    printf "  %-34s %6d ms  %6.1f M words/s\n", "hand-written C (bench/wc_hand.c)", h, w / h / 1000
    printf "  %-34s %6d ms  %6.1f M words/s\n", "streamc, local[1]", f, w / f / 1000
    printf "  %-34s %6d ms  %6.1f M words/s\n", "streamc -fno-fuse, local[1]", u, w / u / 1000
    printf "  %-34s %6d ms  %6.1f M words/s\n", "streamc, local[2]", t, w / t / 1000
    printf "  %-34s %6d ms  %6.1f M words/s\n", "mawk", m, w / m / 1000 }'
echo "  streamc vs hand-written C: ${vs_hand}x (goal >= 0.8)"
echo "  streamc vs mawk:           ${vs_mawk}x (goal >= 8)"
echo "  fused vs -fno-fuse:        ${vs_unfused}x (goal >= 1.5)"
echo "  local[2] vs local[1]:      ${vs_local1}x (goal >= 1.7)"
echo "  (the machine's ceiling for the same work: two hand-written C counts at once, each on half the files, vs one on all: ${pair_gain}x)"
awk -v p="$peak" -v b="$base" -v in_="$batch_bytes" -v t="$table" 'BEGIN {
    printf "  peak memory: %.1f MB, of which %.1f MB is the process itself (the same binary on one empty batch)\n",
        p / 1024, b / 1024
    printf "  beyond that: %.1f MB for one batch of %.1f MB input and its table of %.1f MB;\n",
        (p - b) / 1024, in_ / 1048576, t / 1048576
    printf "  goal <= 2 x input + table = %.1f MB: %.2f of it\n", (2 * in_ + t) / 1048576,
        (p - b) * 1024 / (2 * in_ + t) }'
