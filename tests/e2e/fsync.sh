#!/usr/bin/env bash
# fsync.sh - which saveAsTextFiles writes are fsync'ed (strace counts the
# fsync calls on files and directories under out/):
#
#   plain       no checkpoint directory: none (renamed into place only)
#   checkpoint  with a checkpoint directory: every part file, _SUCCESS,
#               the batch directory and the parent
#   conf-true   streamc.output.fsync=true without a checkpoint: as above
#   conf-false  streamc.output.fsync=false with a checkpoint: none under
#               out/ (the checkpoint's own files still are)
# Every run must also write the same, complete directories.
#
# Usage: tests/e2e/fsync.sh     Prints "fsync: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=fsync
find_streamc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

if ! command -v strace > /dev/null; then
    echo "fsync: strace not found (bash tests/install-deps.sh)"
    exit 1
fi

mkdir in
for i in 1 2 3; do printf 'a b\nb c %d\n' "$i" > "in/f$i"; done
cat > wc.stream <<'EOF'
app "FsyncCount"
batch 1s
master "local[2]"
val counts = ssc.queueStream("in").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)
counts.saveAsTextFiles("out/wc")
EOF
if ! "$streamc" "${ccflags[@]}" -o wc wc.stream > cc.log 2>&1; then
    cat cc.log
    echo "fsync: 0 passed, 1 failed"
    exit 1
fi

# run NAME ARGS...: the program under strace; prints the number of fsync
# calls on paths under out/ (files and directories), or "failed"
run() {
    local name=$1; shift
    rm -rf out ck
    # (LeakSanitizer cannot run under ptrace: off for a sanitizer build)
    if ! ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -y -qq -e trace=fsync,fdatasync \
            -o "$name.trace" ./wc --clock manual --batches 3 "$@" > "$name.out" 2> "$name.err"; then
        echo failed; return
    fi
    # the batches: 3 directories, each whole, the same in every run
    find out -type f | sort | xargs cat > "$name.saved" 2>/dev/null
    [ -f expected.saved ] || cp "$name.saved" expected.saved
    if [ "$(ls out | grep -c '^wc-')" != 3 ] || ! cmp -s "$name.saved" expected.saved; then
        echo failed; return
    fi
    grep -cE '^[0-9]+ +f(data)?sync\([0-9]+<[^>]*/out(/[^>]*)?>' "$name.trace"
}

n=$(run plain)
if [ "$n" = 0 ]; then ok "plain: no checkpoint directory, no fsync under out/"
else bad "plain: $n fsync calls under out/ (expected none)"; fi

# per batch: 2 parts + _SUCCESS + the directory + the parent = 5
n=$(run checkpoint --checkpoint ck)
if [ "$n" = 15 ]; then ok "checkpoint: every file and directory of the 3 batches fsync'ed ($n calls)"
else bad "checkpoint: $n fsync calls under out/ (expected 15)"; fi

n=$(run conf-true --conf streamc.output.fsync=true)
if [ "$n" = 15 ]; then ok "conf-true: streamc.output.fsync=true without a checkpoint: $n calls"
else bad "conf-true: $n fsync calls under out/ (expected 15)"; fi

n=$(run conf-false --checkpoint ck --conf streamc.output.fsync=false)
if [ "$n" = 0 ] && grep -q '/ck/' conf-false.trace; then
    ok "conf-false: streamc.output.fsync=false with a checkpoint: none under out/, the checkpoint's still"
else bad "conf-false: $n fsync calls under out/ (expected none), checkpoint fsyncs: $(grep -c '/ck/' conf-false.trace)"; fi

finish
