#!/usr/bin/env bash
# compile.sh - how long `streamc` takes to turn the word-count sample into an
# executable (front end, C emission and cc -O2 together), and the front
# end's share (-S). Median of ROUNDS. Goal: <= 1 s.
#   bash bench/compile.sh [ROUNDS]
set -eu
. "$(dirname "$0")/lib.sh"
rounds=${1:-5}
sample=$bench_root/samples/network_wordcount.stream
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$rounds"); do
    time_ms "$streamc" "$sample" -o "$work/wc" >> "$work/all.ms"
    time_ms "$streamc" -S "$sample" -o "$work/wc.c" >> "$work/front.ms"
done
[ -x "$work/wc" ] || { echo "compile: $sample did not compile"; exit 1; }
echo "compile: samples/network_wordcount.stream to an executable: $(median < "$work/all.ms") ms" \
     "(of which streamc -S: $(median < "$work/front.ms") ms), median of $rounds (goal <= 1000 ms)"
