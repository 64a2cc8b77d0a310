#!/usr/bin/env bash
# checkpoint.sh - the cost of checkpointing 1 M keys of updateStateByKey
# state. The first batch brings KEYS distinct words, every later batch
# UPDATES random ones of them; the state is checkpointed every 10 batches.
# Prints the checkpoint's time (ms) and size (MB), the median batch time,
# and the checkpoints' share of the run's time: checkpoint / (10 batches +
# checkpoint). Goal: <= 10%. The same program without a checkpoint directory
# runs first as the baseline. Times are printed, never asserted.
#   bash bench/checkpoint.sh [KEYS] [UPDATES_PER_BATCH] [BATCHES]
set -eu
. "$(dirname "$0")/lib.sh"
root=$bench_root
keys=${1:-1000000}
updates=${2:-100000}
batches=${3:-41}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
state_program "$keys" "$updates" "$batches"
run() { ./totals --clock manual --batches "$batches" --conf streamc.logLevel=DEBUG "$@" 2>&1 >/dev/null; }
# batch times leave out the first batch (it creates the keys)
run > plain.log
run --checkpoint ck > ck.log
sed -n 's/.*INFO Batch [0-9]* ms: .* processing \([0-9.]*\) ms.*/\1/p' plain.log | tail -n +2 | median > plain.med
sed -n 's/.*INFO Batch [0-9]* ms: .* processing \([0-9.]*\) ms.*/\1/p' ck.log | tail -n +2 | median > ck.med
# checkpoints after the first batch: every one holds all keys
grep 'checkpoint of batch' ck.log | sed -n 's/.*written: \([0-9]*\) bytes in \([0-9.]*\) ms (encoding \([0-9.]*\) ms)/\1 \2 \3/p' |
    awk '$1 > 1000000' > ck.sizes
echo "checkpoint benchmark: $keys keys of (String, Long) state, $updates updates per batch, $batches batches, every 10 batches"
sort -k2 -n ck.sizes -o ck.sizes
awk -v plain="$(cat plain.med)" -v withck="$(cat ck.med)" '
    { n++; bytes += $1; ms += $2; enc += $3; t[n] = $2 }
    END {
        if (!n) { print "no checkpoint with state was written"; exit 1 }
        med = t[int((n + 1) / 2)]
        printf "checkpoint: %.1f ms median over %d (mean %.1f ms, of which encoding %.1f ms), %.1f MB each\n",
               med, n, ms / n, enc / n, bytes / n / 1e6
        printf "batch: %.1f ms median without a checkpoint directory, %.1f ms with (journal per batch)\n", plain, withck
        share = med / (10 * withck + med) * 100
        printf "checkpoint share of the run every 10 batches: %.1f%% (goal <= 10%%)\n", share
    }' ck.sizes
