# bench/lib.sh - helpers the benchmark scripts source. Times are wall-clock
# milliseconds; nothing here asserts a time.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
streamc=${STREAMC:-$bench_root/build/streamc}
bench_build=$bench_root/build/bench   # tools and inputs, kept between runs

# now_ms: the wall clock in milliseconds (bash's EPOCHREALTIME, no fork).
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# time_ms CMD...: run CMD (output discarded), print its wall time in ms.
time_ms() {
    local t0 t1
    t0=${EPOCHREALTIME/[.,]/}
    "$@" >/dev/null 2>&1
    t1=${EPOCHREALTIME/[.,]/}
    echo $(((t1 - t0) / 1000))
}

# median: the median of the numbers on stdin, one per line.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }

# ratio A B: the median of A.ms / B.ms line by line (two decimals). Programs
# of one round ran next to each other, under the same conditions: the
# median of the rounds' ratios drifts less than a ratio of medians.
ratio() { paste "$1.ms" "$2.ms" | awk '{ print $1 / $2 }' | median | awk '{ printf "%.2f", $1 }'; }

# peak_kb CMD...: run CMD (output discarded), print its peak resident set in KiB.
peak_kb() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

# bench_tool NAME: build/bench/NAME compiled from bench/NAME.c (once).
bench_tool() {
    mkdir -p "$bench_build"
    local src=$bench_root/bench/$1.c bin=$bench_build/$1
    if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
        ${CC:-cc} -O2 -Wall -Wextra -o "$bin" "$src" || return 1
    fi
    echo "$bin"
}

# state_program KEYS UPDATES BATCHES: in the current directory, in/ with
# BATCHES files (the first brings KEYS distinct keys, each later one
# UPDATES random ones of them) and ./totals, an updateStateByKey running
# total over them.
state_program() {
    mkdir in
    awk -v K="$1" -v U="$2" -v B="$3" 'BEGIN { srand(5);
        f = "in/b0000"; for (i = 0; i < K; i++) print "key" i > f; close(f)
        for (b = 1; b < B; b++) { f = sprintf("in/b%04d", b);
            for (i = 0; i < U; i++) print "key" int(rand() * K) > f; close(f) } }'
    cat > totals.stream <<'PROG'
batch 1s
val totals = ssc.queueStream("in").map(w => (w, 1L))
  .updateStateByKey((vs: Seq[Long], old: Option[Long]) => Some(vs.sum + old.getOrElse(0L)))
totals.foreachRDD(r => r.count())
PROG
    "$streamc" totals.stream -o totals
}
