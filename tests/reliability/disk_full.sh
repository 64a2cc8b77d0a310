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
#   ckpt      the checkpoint directory's tmpfs fills while the run goes on
#             (it is filled while the output tmpfs holds the run): the
#             checkpoint after batch 10 waits, one WARN names it, no batch
#             runs meanwhile; the tmpfs grown, the run finishes: every batch
#             exact, an INFO says the checkpoint was written
#   ckpt-stop the same, with SIGTERM while the checkpoint waits: the run
#             stops at once (status 1, a message); the restart with space
#             resumes from the intact checkpoint before it, replays the
#             journal's 10 batches and writes every batch exactly
#   journal   a program that checkpoints rarely, under a file-size limit
#             (prlimit) that its journal outgrows: the journal record of a
#             batch waits (EFBIG; one WARN; the batch does not run); the
#             limit lifted, every batch is written exactly, and the journal
#             holds every record whole (a restart from its checkpoint
#             replays all 40 batches)
#   journal-stop  SIGTERM while the journal record waits: status 1 and a
#             message; the restart replays the batches journaled, runs the
#             one that was waiting, and writes every batch exactly
# Usage: tests/reliability/disk_full.sh   Prints "disk-full: N passed, M failed, K skipped".
# STREAMC, STREAMC_RUNTIME and STREAMC_CFLAGS choose another build (e.g. the
# sanitizers'); a sanitizer report in any program's log fails the suite.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
find_streamc
bad_lines=15
skip=0
skipped() { skip=$((skip + 1)); echo "skip $1"; }
work=$(mktemp -d)
mounts=()
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
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
"$streamc" "${ccflags[@]}" wc.stream -o wc || { echo "disk-full: 0 passed, 1 failed, 0 skipped"; exit 1; }
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
# wait_log FILE PATTERN SECONDS: until grep finds PATTERN in FILE, looking
# every 0.1 s (not tests/lib.sh's wait_for, which looks every 20 ms)
wait_log() {
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
    if wait_log w.err "waits for space" 20; then
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
    if wait_log s.err "waits for space" 20; then
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
if wait_log f.err "waits for space" 20; then
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

# --- ckpt, ckpt-stop ---------------------------------------------------------
# ckpt_full DIR: start the word count in DIR with its output and checkpoint
# directories on small tmpfs; fill the checkpoint directory while the full
# output holds the run at a batch, then give the output room: the run goes
# on to the checkpoint after batch 10 and waits there. Sets pid; 0 once the
# checkpoint's warning is there.
ckpt_full() {
    mkdir -p "$1/out" "$1/ck"
    mount -t tmpfs -o size=200k tmpfs "$1/out" && mounts+=("$work/$1/out")
    mount -t tmpfs -o size=100k tmpfs "$1/ck" && mounts+=("$work/$1/ck")
    (cd "$1" && ln -s ../in in && exec ../wc --clock manual --batches 12 --checkpoint ck) > "$1.out" 2> "$1.err" &
    pid=$!; pids+=("$pid")
    wait_log "$1.err" "saveAsTextFiles.*waits for space" 20 || return 1
    head -c 200k /dev/zero > "$1/ck/filler" 2>/dev/null # the rest of the space
    mount -o remount,size=8m "$work/$1/out"
    wait_log "$1.err" "checkpoint directory ck: checkpoint-10000: No space left on device" 20
}
# batches DIR: how many batch directories DIR/out holds
batches() { ls "$1/out" | grep -c '^wc-'; }

if $can_mount; then
    if ckpt_full c; then
        n1=$(batches c); sleep 1.5; n2=$(batches c)
        alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)
        mount -o remount,size=8m "$work/c/ck"
        wait "$pid"; rc=$?
        warns=$(grep -c "checkpoint directory ck: .*No space left on device" c.err)
        if [ "$alive" = yes ] && [ "$n1" = 10 ] && [ "$n2" = 10 ] && [ "$rc" = 0 ] && [ "$warns" = 1 ] &&
           grep -q "checkpoint directory ck: checkpoint-10000 written after [0-9]* retries" c.err &&
           ! grep -q ERROR c.err && [ -f c/ck/checkpoint-12000 ] && every_batch_exact c/out; then
            ok "ckpt: the full checkpoint directory held the run after batch 10 with one warning ('$(grep -o "checkpoint-10000: No space[^;]*;[^(]*" c.err)...'); grown, the run went on: every batch exact"
        else
            bad "ckpt: alive=$alive batches $n1 then $n2, status $rc, $warns warnings" c.err
        fi
    else
        bad "ckpt: no warning about the full checkpoint directory" c.err
    fi

    if ckpt_full k; then
        t0=$(date +%s%N)
        kill -TERM "$pid"; wait "$pid"; rc=$?
        ms=$((($(date +%s%N) - t0) / 1000000))
        rm -f k/ck/filler
        ls k/ck > k.ls
        (cd k && ../wc --clock manual --batches 12 --checkpoint ck) > k2.out 2> k2.err; rc2=$?
        if [ "$rc" = 1 ] && [ "$ms" -lt 1000 ] &&
           grep -q "stopping before checkpoint-10000 could be written (No space left on device)" k.err &&
           ! grep -q "checkpoint-10000" k.ls && [ "$rc2" = 0 ] &&
           grep -q "Recovering from ck/checkpoint-0: .* 10 batches to replay" k2.err &&
           ! grep -qiE "damaged|corrupt" k2.err && every_batch_exact k/out; then
            ok "ckpt-stop: SIGTERM while the checkpoint waited: status 1 in $ms ms; the restart replayed 10 batches from the intact checkpoint and wrote every batch exactly"
        else
            bad "ckpt-stop: status $rc after $ms ms, then $rc2" k.err
            sed 's/^/    /' k2.err | tail -5
        fi
    else
        bad "ckpt-stop: no warning about the full checkpoint directory" k.err
    fi
else
    skipped "ckpt: cannot mount a tmpfs here"
    skipped "ckpt-stop: cannot mount a tmpfs here"
fi

# --- journal, journal-stop ----------------------------------------------------
# 40 one-word files; the program checkpoints every 100 batches, so its
# journal grows by a record per batch, past a 1000-byte file-size limit
# while every other file it writes stays below it.
mkdir sm
for f in $(seq 1 40); do echo "s$f s$f t" > "sm/$(printf %02d "$f")"; done
cat > sm.stream <<'PROG'
batch 1s
checkpoint "ck" every Durations.seconds(100)
val counts = ssc.queueStream("sm").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)
counts.saveAsTextFiles("out/sm")
PROG
"$streamc" "${ccflags[@]}" sm.stream -o smc || bad "journal: sm.stream does not compile"
# every_small_exact DIR: the 40 batch directories hold exactly their counts
every_small_exact() {
    local f
    for f in $(seq 1 40); do
        [ -f "$1/sm-${f}000/_SUCCESS" ] || return 1
        [ "$(cat "$1/sm-${f}000"/part-* | sort | tr '\n' ' ')" = "(s$f,2) (t,1) " ] || return 1
    done
}
# limited DIR: start the program in DIR under the file-size limit, its
# output and log through pipes (the log outgrows the limit too). Sets pid
# and readers (the pipes' readers).
limited() {
    mkdir -p "$1" && ln -s ../sm "$1/sm"
    mkfifo "$1.o" "$1.e"
    cat "$1.o" > "$1.out" & readers=("$!")
    cat "$1.e" > "$1.err" & readers+=("$!")
    (cd "$1" && exec prlimit --fsize=1000:unlimited ../smc --clock manual --batches 40) > "$1.o" 2> "$1.e" &
    pid=$!; pids+=("$pid")
}

limited j
if wait_log j.err "the journal record of batch [0-9]* ms: File too large" 20; then
    n1=$(ls j/out | grep -c '^sm-'); sleep 1.5; n2=$(ls j/out | grep -c '^sm-')
    alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)
    prlimit --pid "$pid" --fsize=unlimited:unlimited
    wait "$pid"; rc=$?; wait "${readers[@]}"
    warns=$(grep -c "the journal record of batch .*File too large" j.err)
    at=$(grep -o "the journal record of batch [0-9]* ms: File" j.err | grep -o "[0-9]*")
    # with the newest checkpoint gone, a start replays the whole journal
    rm -f j/ck/checkpoint-40000
    (cd j && ../smc --clock manual --batches 40) > j2.out 2> j2.err; rc2=$?
    if [ "$alive" = yes ] && [ "$n1" = "$n2" ] && [ "$n1" = $((at / 1000 - 1)) ] && [ "$rc" = 0 ] &&
       [ "$warns" = 1 ] && grep -q "ms written after [0-9]* retries" j.err && every_small_exact j/out &&
       [ "$rc2" = 0 ] && grep -q "Recovering from ck/checkpoint-0: .* 40 batches to replay" j2.err &&
       ! grep -qi "incomplete" j2.err && every_small_exact j/out; then
        ok "journal: the journal past the file-size limit held batch $at ms with one warning (EFBIG); lifted, every batch written exactly, and the journal replays whole"
    else
        bad "journal: alive=$alive batches $n1 then $n2 (waiting at $at), status $rc, $warns warnings, then $rc2" j.err
        sed 's/^/    /' j2.err | grep -E "Recover|ERROR|WARN" | tail -5
    fi
else
    wait "$pid"
    bad "journal: no warning (status $?)" j.err
fi

limited js
if wait_log js.err "the journal record of batch [0-9]* ms: File too large" 20; then
    at=$(grep -o "the journal record of batch [0-9]* ms: File" js.err | grep -o "[0-9]*")
    t0=$(date +%s%N)
    kill -TERM "$pid"; wait "$pid"; rc=$?; wait "${readers[@]}"
    ms=$((($(date +%s%N) - t0) / 1000000))
    n1=$(ls js/out | grep -c '^sm-')
    (cd js && ../smc --clock manual --batches 40) > js2.out 2> js2.err; rc2=$?
    if [ "$rc" = 1 ] && [ "$ms" -lt 1000 ] && [ "$n1" = $((at / 1000 - 1)) ] &&
       grep -q "stopping before the journal record of batch $at ms could be written (File too large); the batch did not run" js.err &&
       [ "$rc2" = 0 ] && grep -q "Recovering from ck/checkpoint-0: .* $n1 batches to replay" js2.err &&
       every_small_exact js/out; then
        ok "journal-stop: SIGTERM while batch $at ms waited for its journal record: status 1 in $ms ms; the restart replayed $n1 batches, ran the rest and wrote every batch exactly"
    else
        bad "journal-stop: status $rc after $ms ms ($n1 batches written, waiting at $at), then $rc2" js.err
        sed 's/^/    /' js2.err | tail -5
    fi
else
    wait "$pid"
    bad "journal-stop: no warning (status $?)" js.err
fi

# --- sanitizers ----------------------------------------------------------------
for log in *.err; do
    if grep -qE 'runtime error:|ERROR: (Address|Leak)Sanitizer|SUMMARY: (Address|Undefined|Leak)' "$log"; then
        bad "sanitizer report in $log" "$log"
    fi
done

echo "disk-full: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
