#!/usr/bin/env bash
# state.sh - updateStateByKey over KEYS keys: the first batch brings KEYS
# distinct keys, every later batch UPDATES random ones of them. As in Spark,
# the update function runs for every key in the state every batch (None for
# keys without new values). Prints the median batch time (leaving out the
# first), per key of state and per new value.
#   bash bench/state.sh [KEYS] [UPDATES_PER_BATCH] [BATCHES]
set -eu
. "$(dirname "$0")/lib.sh"
keys=${1:-1000000}
updates=${2:-100000}
batches=${3:-11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
state_program "$keys" "$updates" "$batches"
./totals --clock manual --batches "$batches" --master 'local[1]' 2>&1 >/dev/null |
    sed -n 's/.*INFO Batch [0-9]* ms: .* processing \([0-9.]*\) ms.*/\1/p' | tail -n +2 | median > batch.ms
awk -v t="$(cat batch.ms)" -v k="$keys" -v u="$updates" 'BEGIN {
    printf "updateStateByKey: %d keys in state, %d new values per batch, local[1]: %.1f ms per batch, %.0f ns per key of state, %.0f ns per new value\n",
        k, u, t, t * 1e6 / k, t * 1e6 / u }'
