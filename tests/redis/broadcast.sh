#!/usr/bin/env bash
# broadcast.sh - broadcast values read from Redis (docs/redis.md, "Broadcast
# values from Redis"): the seed's black list.
#
# The program: queueStream (real clock, 500 ms batches, one file per batch,
# each line "alice bob carol dave erin"), the seed's
# ssc.sparkContext.broadcast(ssc.sparkContext.fromRedisSet("blacklist"))
# filtering words in executor code into saveAsTextFiles, and driver code
# (foreachRDD) printing the values of a set, a hash and a missing key.
#
#   filter    alice and bob (in the set before the start) are filtered from
#             every batch; dave and erin never are
#   live      SADD blacklist carol while the program runs: carol is kept in
#             the batches before, filtered from a later batch on, never back
#   driver    driver code sees the live, sorted members ("alice,bob", then
#             "alice,bob,carol")
#   hash      fromRedisHash("conf") is the (field,value) pairs sorted by
#             field: "(a,1) (b,2) (c,3)" for HSET conf c 3 a 1 b 2
#   missing   fromRedisSet of a key that does not exist: an empty value
#   collect   sc.broadcast(sc.fromRedisSet("blacklist").collect()) works too
#   down      Redis stopped while the program runs: batches go on (broadcast
#             values never hold batches back) with the last value (alice, bob
#             and carol still filtered), and a warning is logged
#
# Usage: tests/redis/broadcast.sh   Prints "redis-broadcast: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=redis-broadcast
find_streamc
work=$(mktemp -d)
sanitizer_logs "$work"
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
. "$root/tests/redis/lib.sh"
cd "$work" || exit 1
export LC_ALL=C
bad_err=err bad_hide=' INFO '

rc() { redis_cli "$@" 2>&1; }
# the batch directories written so far, in time order
batch_dirs() { ls -d out/kept-* 2>/dev/null | sort -t- -k2 -n; }
ndirs() { batch_dirs | wc -l; }
# wait_dirs N SECONDS: until N batch directories exist (or the program stopped)
wait_dirs() {
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(ndirs)" -ge "$1" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
stop_app() {
    local i
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"; status=$?; pid=
}
# has DIR WORD: the batch holds the word
has() { cat "$1"/part-* 2>/dev/null | grep -qx "$2"; }

redis_start || { bad "cannot start redis-server"; finish; }

nfiles=14
mkdir in
for ((f = 0; f < nfiles; f++)); do
    for ((l = 0; l < 20; l++)); do echo "alice bob carol dave erin"; done > "in/f$(printf %02d $f)"
done
cat > prog.stream <<'EOF'
app "Blacklist"
batch Durations.milliseconds(500)
master "local[2]"
val sc = ssc.sparkContext
val blackList = ssc.sparkContext.broadcast(ssc.sparkContext.fromRedisSet("blacklist"))
val conf = sc.broadcast(sc.fromRedisHash("conf"))
val missing = sc.broadcast(sc.fromRedisSet("nokey"))
val collected = sc.broadcast(sc.fromRedisSet("blacklist").collect())
val words = ssc.queueStream("in").flatMap(_.split(" "))
words.filter(w => !blackList.value.contains(w)).saveAsTextFiles("out/kept")
words.foreachRDD { rdd =>
  println("driver [" + blackList.value.mkString(",") + "] [" + conf.value.mkString(" ") + "] [" +
    missing.value.size + "] [" + collected.value.mkString(",") + "]")
}
EOF
redis_cli SADD blacklist bob alice > /dev/null
redis_cli HSET conf c 3 a 1 b 2 > /dev/null

if ! "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
    bad "compile: fromRedisSet, fromRedisHash and .collect() in broadcast values do not compile"
    finish
fi

# --- the run: carol added after 3 batches --------------------------------
./app --redis "$REDIS_URL" > stdout 2> err & pid=$!
if ! wait_dirs 3 20; then
    bad "run: fewer than 3 batches within 20 s"
    stop_app
    finish
fi
before=$(ndirs) # these batches ran before carol was added
redis_cli SADD blacklist carol > /dev/null
wait_dirs $((nfiles + 2)) 30
stop_app
mapfile -t dirs < <(batch_dirs | head -$nfiles)

if [ ${#dirs[@]} -lt $nfiles ]; then
    bad "run: ${#dirs[@]} batches written, expected at least $nfiles (status $status)"
else
    n_ab=0 n_de=0
    for d in "${dirs[@]}"; do
        { has "$d" alice || has "$d" bob; } && n_ab=$((n_ab + 1))
        { has "$d" dave && has "$d" erin; } && n_de=$((n_de + 1))
    done
    if [ $n_ab -eq 0 ] && [ $n_de -eq $nfiles ]; then
        ok "filter: alice and bob (SADD before the start) filtered from all $nfiles batches, dave and erin kept"
    else
        bad "filter: $n_ab batches hold alice or bob (expected 0), $n_de of $nfiles hold dave and erin"
    fi

    # carol: kept in the batches before the SADD, filtered from a later one on
    pattern=
    for d in "${dirs[@]}"; do if has "$d" carol; then pattern+=C; else pattern+=-; fi; done
    k=${pattern%%-*}; k=${#k} # batches with carol at the start
    if [[ $pattern =~ ^C+-+$ ]] && [ "$k" -ge "$before" ] && [ "$k" -le $((before + 2)) ]; then
        ok "live: SADD blacklist carol after $before batches: carol kept in batches 1-$k, filtered from batch $((k + 1)) on ($pattern)"
    else
        bad "live: carol per batch (C = kept): $pattern; the SADD came after $before batches (expected C x $before..$((before + 2)), then only -)"
    fi
fi

# driver code: one line per batch
grep '^driver ' stdout > driver
first=$(head -1 driver)
last=$(tail -1 driver)
if [ "$first" = "driver [alice,bob] [(a,1) (b,2) (c,3)] [0] [alice,bob]" ] &&
   [ "$last" = "driver [alice,bob,carol] [(a,1) (b,2) (c,3)] [0] [alice,bob,carol]" ] &&
   [ "$(uniq driver | wc -l)" -eq 2 ]; then
    ok "driver: the live, sorted members: [alice,bob] then [alice,bob,carol]"
    ok "hash: fromRedisHash(\"conf\") is (a,1) (b,2) (c,3), sorted by field"
    ok "missing: fromRedisSet(\"nokey\") of a missing key is empty (size 0)"
    ok "collect: sc.broadcast(sc.fromRedisSet(\"blacklist\").collect()) follows the set too"
else
    bad "driver: driver lines '$first' ... '$last' ($(uniq driver | wc -l) distinct runs); expected 'driver [alice,bob] [(a,1) (b,2) (c,3)] [0] [alice,bob]' then the same with carol"
fi

# --- down: Redis stopped while the program runs ---------------------------
rm -rf out
./app --redis "$REDIS_URL" > stdout 2> err & pid=$!
if ! wait_dirs 3 20; then
    bad "down: fewer than 3 batches within 20 s"
    stop_app
else
    redis_down
    at_down=$(ndirs)
    sleep 2.5
    during=$(( $(ndirs) - at_down ))
    alive=yes; kill -0 $pid 2>/dev/null || alive=no
    redis_up || bad "down: redis_up failed"
    sleep 1
    stop_app
    leaked=0
    for d in $(batch_dirs); do { has "$d" alice || has "$d" carol; } && leaked=$((leaked + 1)); done
    addr="127.0.0.1:$REDIS_PORT"
    if [ $alive = yes ] && [ $during -ge 3 ] && [ $leaked -eq 0 ] && grep ' WARN ' err | grep -q -F "$addr"; then
        ok "down: Redis down for 2.5 s: $during batches ran meanwhile with the last value (nothing black-listed leaked), warning \"$(grep ' WARN ' err | grep -F "$addr" | head -1 | sed 's/^.* WARN //')\""
    else
        bad "down: Redis down for 2.5 s: program alive: $alive, $during batches ran meanwhile (expected >= 3), $leaked batches hold black-listed words, warning naming $addr: $(grep ' WARN ' err | grep -c -F "$addr")"
    fi
fi

finish
