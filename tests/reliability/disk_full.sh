#!/usr/bin/env bash
# disk_full.sh - a full disk loses nothing. A word count over 12 queueStream
# files saves each batch with saveAsTextFiles into a small tmpfs (root only;
# else those cases are skipped) or under a file-size limit:
#   wait      the tmpfs fills: one WARN names the directory, the program
#             waits (no later batch is written meanwhile), the tmpfs grows
#             (remount): every batch is written, each exactly its file's
#             counts, and an INFO says after how many retries
#   stop      SIGTERM while waiting: exit 1 with a message that a restart
#             writes the batch; the restart (checkpoint, more space) writes
#             every batch exactly
#   fsize     a file-size limit (ulimit -f) instead of a full disk: EFBIG,
#             the program waits instead of dying of SIGXFSZ; the limit
#             lifted (prlimit): every batch written exactly
#   ckpt      the checkpoint directory's tmpfs full after 4 batches: the
#             journal cannot be written, the run stops with status 1 and
#             the reason before processing the batch; with space again the
#             restart resumes from the intact checkpoint: every batch exact
# Usage: tests/reliability/disk_full.sh   Prints "disk-full: N passed, M failed, K skipped".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
streamc=${STREAMC:-$root/build/streamc}
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/    /' "$2" | tail -15; }
skipped() { skip=$((skip + 1)); echo "skip $1"; }
work=$(mktemp -d)
mounts=()
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# 12 files of 3000 distinct words each (about 40 KB of output per batch)
mkdir in
awk 'BEGIN { for (f = 1; f <= 12; f++) { name = sprintf("in/%02d", f)
    for (i = 0; i < 3000; i++) printf "w%d_%d w%d_%d common\n", f, i, f, i % 7 > name; close(name) } }'
cat > wc.stream <<'PROG'
batch 1s
val counts = ssc.queueStream("in").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)
counts.saveAsTextFiles("out/wc")
PROG
cflags=${STREAMC_CFLAGS:+--cflags "$STREAMC_CFLAGS"}
"$streamc" $cflags wc.stream -o wc || { echo "disk-full: 0 passed, 1 failed, 0 skipped"; exit 1; }
for f in 1 2 3 4 5 6 7 8 9 10 11 12; do
    tr ' ' '\n' < "in/$(printf %02d "$f")" | sort | uniq -c | awk '{ printf "(%s,%d)\n", $2, $1 }' | sort > "want.$f"
done

# every_batch_exact DIR: the 12 batch directories hold exactly their counts
every_batch_exact() {
    local f
    for f in 1 2 3 4 5 6 7 8 9 10 11 12; do
        [ -f "$1/wc-${f}000/_SUCCESS" ] || return 1
        cat "$1/wc-${f}000"/part-* | sort | cmp -s - "want.$f" || return 1
    done
}
# wait_for FILE PATTERN SECONDS
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

can_mount=false
mkdir probe && mount -t tmpfs -o size=64k tmpfs probe 2>/dev/null && umount probe && can_mount=true

# --- wait -------------------------------------------------------------------
if $can_mount; then
    mkdir -p w/out && mount -t tmpfs -o size=200k tmpfs w/out && mounts+=("$work/w/out")
    (cd w && ln -s ../in in && exec ../wc --clock manual --batches 12 --master 'local[2]') > w.out 2> w.err &
    pid=$!; pids+=("$pid")
    if wait_for w.err "waits for space" 20; then
        n1=$(ls w/out | grep -c '^wc-'); sleep 1.5; n2=$(ls w/out | grep -c '^wc-')
        alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)
        mount -o remount,size=8m "$work/w/out"
        wait "$pid"; rc=$?
        warns=$(grep -c "waits for space" w.err)
        if [ "$alive" = yes ] && [ "$n1" = "$n2" ] && [ "$rc" = 0 ] && [ "$warns" = 1 ] &&
           grep -q "written after [0-9]* retries" w.err && every_batch_exact w/out; then
            ok "wait: the full tmpfs held the run at $n1 batches with one warning; grown, every batch written exactly"
        else
            bad "wait: alive=$alive batches $n1 then $n2, status $rc, $warns warnings" w.err
        fi
    else
        bad "wait: no warning about the full disk" w.err
    fi
else
    skipped "wait: cannot mount a tmpfs here (not root?)"
fi

# --- stop -------------------------------------------------------------------
if $can_mount; then
    mkdir -p s/out && mount -t tmpfs -o size=200k tmpfs s/out && mounts+=("$work/s/out")
    (cd s && ln -s ../in in && exec ../wc --clock manual --batches 12 --checkpoint ck) > s.out 2> s.err &
    pid=$!; pids+=("$pid")
    if wait_for s.err "waits for space" 20; then
        kill -TERM "$pid"; wait "$pid"; rc=$?
        mount -o remount,size=8m "$work/s/out"
        (cd s && ../wc --clock manual --batches 12 --checkpoint ck) > s2.out 2> s2.err; rc2=$?
        if [ "$rc" = 1 ] && grep -q "a restart from the checkpoint writes it" s.err && [ "$rc2" = 0 ] &&
           every_batch_exact s/out; then
            ok "stop: SIGTERM while waiting: status 1 and a message; the restart wrote every batch exactly"
        else
            bad "stop: status $rc, then $rc2" s.err
            sed 's/^/    /' s2.err | tail -5
        fi
    else
        bad "stop: no warning about the full disk" s.err
    fi
else
    skipped "stop: cannot mount a tmpfs here"
fi

# --- fsize ------------------------------------------------------------------
mkdir -p f
(cd f && ln -s ../in in && ulimit -S -f 16 && exec ../wc --clock manual --batches 12) > f.out 2> f.err &
pid=$!; pids+=("$pid")
if wait_for f.err "waits for space" 20; then
    alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)
    prlimit --pid "$pid" --fsize=unlimited:unlimited
    wait "$pid"; rc=$?
    if [ "$alive" = yes ] && [ "$rc" = 0 ] && grep -q "File too large" f.err && every_batch_exact f/out; then
        ok "fsize: past the file-size limit the run waited (EFBIG, no SIGXFSZ); lifted, every batch written exactly"
    else
        bad "fsize: alive=$alive status $rc" f.err
    fi
else
    wait "$pid"
    bad "fsize: no warning (status $?)" f.err
fi

# --- ckpt -------------------------------------------------------------------
if $can_mount; then
    mkdir -p c/ck && mount -t tmpfs -o size=100k tmpfs c/ck && mounts+=("$work/c/ck")
    (cd c && ln -s ../in in && ../wc --clock manual --batches 4 --checkpoint ck) > c0.out 2> c0.err
    head -c 100k /dev/zero > c/ck/filler 2>/dev/null # the rest of the space
    (cd c && ../wc --clock manual --batches 12 --checkpoint ck) > c.out 2> c.err; rc=$?
    rm -f c/ck/filler
    (cd c && ../wc --clock manual --batches 12 --checkpoint ck) > c2.out 2> c2.err; rc2=$?
    if [ "$rc" = 1 ] && grep -qE "(journal|checkpoint).*No space left on device" c.err &&
       [ "$rc2" = 0 ] && ! grep -qiE "damaged|corrupt" c2.err && every_batch_exact c/out; then
        ok "ckpt: the checkpoint directory full: status 1, '$(grep -oE "[a-z ]*(journal|checkpoint)[^:]*: No space left on device" c.err | head -1)'; with space again the restart resumed from an intact checkpoint and wrote every batch exactly"
    else
        bad "ckpt: status $rc then $rc2" c.err
        sed 's/^/    /' c2.err | tail -5
    fi
else
    skipped "ckpt: cannot mount a tmpfs here"
fi

echo "disk-full: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
