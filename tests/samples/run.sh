#!/usr/bin/env bash
# run.sh - every sample compiles; each runs against fixed input as its comment
# says (socket samples against a real TCP peer on a free loopback port, the
# directory sample against files moved into its directory); the word count's
# totals equal `tr | sort | uniq -c` on a generated text.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
streamc="$root/build/streamc"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
. "$root/tests/lib.sh"
suite=samples

# unused_port: a port of 20000-59999 that nothing answers on at 127.0.0.1
# (not tests/lib.sh's free_port, which asks ss)
unused_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "$port"; return; }
    done
    return 1
}

# 1. every sample compiles
for s in "$root"/samples/*.stream; do
    name=$(basename "$s" .stream)
    if "$streamc" "$s" -o "$work/$name" 2> "$work/$name.log"; then ok; else bad "$name does not compile"; cat "$work/$name.log"; fi
done

# 2. socket samples: the same code, pointed at a free port, with 1 s batches
socket_run() { # sample input-file batches -> output in $work/NAME.out
    local name=$1 input=$2 batches=$3 port
    port=$(unused_port)
    sed -e "s/9999/$port/" -e 's/Durations.seconds(5)/Durations.seconds(1)/' \
        "$root/samples/$name.stream" > "$work/$name-test.stream"
    "$streamc" "$work/$name-test.stream" -o "$work/$name-test"
    nc -N -l 127.0.0.1 "$port" < "$input" &
    pids+=($!)
    sleep 0.2
    (cd "$work" && timeout 30 "./$name-test" --batches "$batches" > "$name.out" 2> "$name.err") || true
}

printf 'hello world hello\nstreamc spark\n' > "$work/wc.txt"
socket_run network_wordcount "$work/wc.txt" 3
if grep -qx '(hello,2)' "$work/network_wordcount.out" && grep -qx '(world,1)' "$work/network_wordcount.out" &&
   [ "$(grep -c '^Time: ' "$work/network_wordcount.out")" -eq 3 ]; then ok
else bad "network_wordcount: counts not printed"; cat "$work/network_wordcount.out" "$work/network_wordcount.err"; fi

socket_run network_wordcount_foreachrdd "$work/wc.txt" 3
out="$work/network_wordcount_foreachrdd.out"
if [ "$(grep -c 'produce in Driver' "$out")" -eq 3 ] && [ "$(grep -c 'produce in Executor' "$out")" -eq 4 ]; then ok
else bad "network_wordcount_foreachrdd: driver/executor lines"; cat "$out"; fi

printf 'hello a\nhello zhangsan\nhello b\n' > "$work/bl.txt"
socket_run transform_blacklist "$work/bl.txt" 3
out="$work/transform_blacklist.out"
if grep -qx 'hello a' "$out" && grep -qx 'hello b' "$out" && ! grep -qx 'hello zhangsan' "$out" &&
   [ "$(grep -cx 'b' "$out")" -ge 2 ]; then ok
else bad "transform_blacklist"; cat "$out"; fi

printf 'a b a\nb c\n' > "$work/st.txt"
socket_run update_state_total "$work/st.txt" 3
out="$work/update_state_total.out"
# the totals stay printed in every batch after the data came
if [ "$(grep -cx '(a,2)' "$out")" -ge 2 ] && [ "$(grep -cx '(b,2)' "$out")" -ge 2 ] && grep -qx '(c,1)' "$out"; then ok
else bad "update_state_total"; cat "$out" "$work/update_state_total.err"; fi

# the windowed word count: 1 s batches make the 15 s window 3 batches long
port=$(unused_port)
sed -e "s/9999/$port/" -e 's/Durations.seconds(5)/Durations.seconds(1)/g' -e 's/Durations.seconds(15)/Durations.seconds(3)/g' \
    "$root/samples/window_wordcount.stream" > "$work/wwc.stream"
"$streamc" "$work/wwc.stream" -o "$work/wwc"
nc -N -l 127.0.0.1 "$port" < "$work/wc.txt" &
pids+=($!)
sleep 0.2
# (in a directory of its own: update_state_total's checkpoint in
# ./data/streamingCheckpoint holds other state, and would be refused)
mkdir -p "$work/wwc-run"
(cd "$work/wwc-run" && timeout 30 ../wwc --batches 6 > ../wwc.out 2> ../wwc.err) || true
# the words show up with their counts, and once the window has passed them
# the inverse form still lists them with 0
if grep -qx '(hello,2)' "$work/wwc.out" && grep -qx '(hello,0)' "$work/wwc.out"; then ok
else bad "window_wordcount"; cat "$work/wwc.out" "$work/wwc.err"; fi

# the black list in a Redis set (a real redis-server): the set's names are
# filtered; one added while the program runs is filtered from then on
. "$root/tests/redis/lib.sh"
redis_start > /dev/null
redis_cli sadd blacklist zhangsan lisi > /dev/null
port=$(unused_port)
sed -e "s/9999/$port/" -e 's/Durations.seconds(5)/Durations.seconds(1)/' "$root/samples/redis_blacklist.stream" > "$work/rbl.stream"
"$streamc" "$work/rbl.stream" -o "$work/rbl"
{ printf 'hello zhangsan\nhello wangwu\n'; sleep 2.5; redis_cli sadd blacklist wangwu > /dev/null; sleep 1.5
  printf 'hello wangwu\nhello lisi\nhello zhaoliu\n'; sleep 1; } | nc -N -l 127.0.0.1 "$port" &
pids+=($!)
sleep 0.2
(cd "$work" && timeout 30 ./rbl --redis "$REDIS_URL" --batches 7 > rbl.out 2> rbl.err) || true
if [ "$(grep -cx 'hello wangwu' "$work/rbl.out")" -eq 1 ] && grep -qx 'hello zhaoliu' "$work/rbl.out" &&
   ! grep -q 'zhangsan\|lisi' "$work/rbl.out"; then ok
else bad "redis_blacklist"; cat "$work/rbl.out" "$work/rbl.err"; fi

# 3. the directory word count: files moved into the directory after start
mkdir -p "$work/dir/data/streamingCopyFile"
sed -e 's/Durations.seconds(5)/Durations.seconds(1)/' "$root/samples/dir_wordcount.stream" > "$work/dir/dwc.stream"
"$streamc" "$work/dir/dwc.stream" -o "$work/dir/dwc"
echo "old file ignored" > "$work/dir/data/streamingCopyFile/old.txt"
(cd "$work/dir" && timeout 30 ./dwc --batches 4 > out 2> err) &
run=$!
sleep 1.3
printf 'to be or not to be\n' > "$work/dir/new.tmp"
mv "$work/dir/new.tmp" "$work/dir/data/streamingCopyFile/new.txt"
wait $run || true
got=$(cat "$work"/dir/data/streamingSavePath/prefix-*.suffix/part-* 2>/dev/null | LC_ALL=C sort | tr '\n' ' ')
if [ "$got" = "(be,2) (not,1) (or,1) (to,2) " ] &&
   [ "$(ls -d "$work"/dir/data/streamingSavePath/prefix-*.suffix | wc -l)" -eq 4 ]; then ok
else bad "dir_wordcount: saved '$got'"; ls -la "$work/dir/data/streamingSavePath" || true; cat "$work/dir/err"; fi

# 3b. Driver HA: the checkpoint directory is written, and a second run
# resumes from it (in a directory of its own: checkpoints are relative)
port=$(unused_port)
mkdir -p "$work/ha"
sed -e "s/9999/$port/" -e 's/Durations.seconds(5)/Durations.seconds(1)/' "$root/samples/driver_ha.stream" > "$work/ha/ha.stream"
"$streamc" "$work/ha/ha.stream" -o "$work/ha/ha"
printf 'a b a\n' | nc -N -l 127.0.0.1 "$port" &
pids+=($!)
sleep 0.2
(cd "$work/ha" && timeout 30 ./ha --batches 2 > out1 2> err1) || true
(cd "$work/ha" && timeout 30 ./ha --batches 3 --conf streamc.logLevel=INFO > out2 2> err2) || true
if grep -qx '(a,2)' "$work/ha/out1" && ls "$work"/ha/data/streamingCheckpoint/checkpoint-* > /dev/null 2>&1 &&
   grep -q 'Recovering from ./data/streamingCheckpoint/checkpoint-[0-9]*: .*(#2) done' "$work/ha/err2"; then ok
else bad "driver_ha"; cat "$work/ha/out1" "$work/ha/err1" "$work/ha/err2"; fi

# 4. word count totals over a generated text equal tr | sort | uniq -c
mkdir -p "$work/big/input"
awk 'BEGIN { srand(7); for (l = 0; l < 20000; l++) { line = "";
       for (w = 0; w < 12; w++) { n = int(rand() * rand() * 3000);
         line = line (w ? " " : "") "w" n } print line } }' > "$work/big/input/part-1.txt"
cat > "$work/big/wc.stream" <<'PROG'
batch 1s
val counts = ssc.queueStream("input").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)
counts.saveAsTextFiles("out/wc")
PROG
"$streamc" "$work/big/wc.stream" -o "$work/big/wc"
(cd "$work/big" && ./wc --clock manual --batches 1 > /dev/null 2>&1)
sed 's/^(\(.*\),\([0-9]*\))$/\2 \1/' "$work"/big/out/wc-1000/part-* | LC_ALL=C sort > "$work/big/ours"
tr ' ' '\n' < "$work/big/input/part-1.txt" | LC_ALL=C sort | uniq -c | awk '{print $1, $2}' | LC_ALL=C sort > "$work/big/theirs"
if cmp -s "$work/big/ours" "$work/big/theirs"; then ok; else bad "word count totals differ from uniq -c"; diff "$work/big/ours" "$work/big/theirs" | head; fi

# 5. the demo runs and prints three batches
if (cd "$root" && bash samples/demo.sh) > "$work/demo.out" 2>&1 && [ "$(grep -c '^Time: ' "$work/demo.out")" -eq 3 ]; then ok
else bad "make demo"; cat "$work/demo.out"; fi

finish
