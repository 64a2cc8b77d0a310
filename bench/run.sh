#!/usr/bin/env bash
# run.sh - `make bench`: every benchmark in turn, printed as it goes and
# collected in bench/RESULTS.md with the machine and the date. Inputs are
# generated deterministically (build/bench/ keeps the corpus between runs).
# Not part of `make check`: times and ratios are printed, never asserted.
#   BENCH_MB=100 BENCH_ROUNDS=7 bash bench/run.sh
set -eu
. "$(dirname "$0")/lib.sh"
mb=${BENCH_MB:-100}
rounds=${BENCH_ROUNDS:-7}
results=$bench_root/bench/RESULTS.md
body=$(mktemp)
trap 'rm -f "$body"' EXIT

# section TITLE SCRIPT ARGS...: run one benchmark, keep its output
section() {
    local title=$1
    shift
    echo "==> $title: bash bench/$*"
    local out
    out=$(bash "$bench_root/bench/$@" 2>&1) || out="$out
(failed: exit $?)"
    echo "$out"
    printf '## %s\n\n`bash bench/%s`\n\n```text\n%s\n```\n\n' "$title" "$*" "$out" >> "$body"
}

section "Word count" wordcount.sh "$mb" "$rounds"
section "CSV fields" csv.sh 5 400000 "$rounds"
section "Compile time" compile.sh "$rounds"
section "Windows: 10 vs 100 batches" window.sh
section "updateStateByKey over 1 M keys" state.sh
section "Checkpoint cost" checkpoint.sh
section "Kafka word count vs kcat" kafka.sh
section "Redis sinks and offsets" redis.sh

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
{
    echo "# Benchmark results"
    echo
    echo "Written by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo "- machine: ${cpu:-unknown CPU}, $(nproc) cores, $mem of memory"
    echo "- system: $os, Linux $(uname -r)"
    echo "- compiler: $(${CC:-cc} --version | head -1) (generated C at streamc's default -O2)"
    echo "- streamc: $("$streamc" --version | head -1), commit $(git -C "$bench_root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "Every ratio compares programs measured in the same run, taking turns;"
    echo "the goals are those of the issue that asked for each benchmark."
    echo
    cat "$body"
} > "$results"
echo "==> wrote $results"
