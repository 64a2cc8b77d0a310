#!/usr/bin/env bash
# outage.sh - Redis unavailable (docs/redis.md, "Redis unavailable").
#
#   restart-queue  queueStream (real clock, 500 ms batches) + checkpoint ->
#                  word count -> increment sink; Redis is stopped for 3 s in
#                  the middle of the run and started again on the same port:
#                  the final counts are exact (no batch skipped or applied
#                  twice), stderr has one warning naming the Redis address
#                  and a later line saying Redis is back
#   restart-kafka  the same with Kafka (mock cluster) and `offsets redis` on
#                  the same Redis: counts exact, offsets = the topic's ends
#   start-bcast    Redis down at start, a broadcast value from Redis and
#                  --conf streamc.redis.startTimeoutMs=2000: a non-zero status
#                  within a few seconds, the message names the address
#   start-offsets  the same with `offsets redis`
#   stop-lost      SIGTERM while a batch waits for a down Redis, with
#                  --conf streamc.redis.stopWaitMs=1000 and no checkpoint:
#                  status 1 about 1 s later, "batch T was not written to
#                  Redis", and the message says the batch is lost
#   stop-replay    the same with a checkpoint: status 1 and the message; the
#                  next run (Redis up) writes the batch: counts exact
#
# Usage: tests/redis/outage.sh     Prints "redis-outage: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=redis-outage
find_streamc
seed=${SEED:-$RANDOM}
work=$(mktemp -d)
sanitizer_logs "$work"
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
. "$root/tests/kafka/lib.sh"
. "$root/tests/redis/lib.sh"
cd "$work" || exit 1
export LC_ALL=C
bad_err=err bad_hide=' INFO '

rc() { redis_cli "$@" 2>&1; }
counts_of() { tr ' ' '\n' | grep -v '^$' | sort | uniq -c | awk '{ print $2, $1 }' | sort; }
total_of() { awk '{ s += $2 } END { print s + 0 }'; }
# wait_until SECONDS COMMAND...: until COMMAND succeeds or the program stopped
# (every 0.2 s; not tests/lib.sh's wait_for, which waits for a line in a file)
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    while [ $SECONDS -lt $deadline ]; do
        "$@" && return 0
        [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
        sleep 0.2
    done
    return 1
}
# stop_app: SIGTERM, wait (bounded); the status in $status
stop_app() {
    local i
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"; status=$?; pid=
}
guard_set() { [ -n "$(rc GET "streamc:$1:batch")" ]; }
hash_total_is() { [ "$(redis_hash "$1" | total_of)" -ge "$2" ]; }
# the log lines about the outage: one warning naming the address, then a
# line (after it) saying Redis is back
check_log() { # CASE
    local addr="127.0.0.1:$REDIS_PORT" first warns back
    warns=$(grep ' WARN ' err | grep -c -F "$addr")
    first=$(grep -n ' WARN ' err | grep -F "$addr" | head -1 | cut -d: -f1)
    back=
    [ -n "$first" ] && back=$(tail -n +"$((first + 1))" err | grep -F -e "$addr" -e Redis -e redis |
        grep -i -E 'back|again|reconnect|restor|available|up\b' | head -1)
    if [ "$warns" -eq 1 ] && [ -n "$back" ]; then
        ok "$1: one warning naming $addr (\"$(grep ' WARN ' err | grep -F "$addr" | head -1 | sed 's/^.* WARN //')\"), then \"$(echo "$back" | sed 's/^.* \(INFO\|WARN\) //')\""
    else
        bad "$1: expected one WARN naming $addr and a later line saying Redis is back; got $warns warnings, back line '${back}'"
        grep -n -i redis err | grep -v ' INFO Started' | head -6 | sed 's/^/    log: /'
    fi
}

redis_start || { bad "cannot start redis-server"; finish; }

# ---------------------------------------------------------------------
# restart-queue: real clock, Redis down 3 s in the middle
# ---------------------------------------------------------------------
mkdir -p rq/in && cd rq || exit 1
awk -v seed="$seed" 'BEGIN { srand(seed)
    for (f = 0; f < 20; f++) { file = sprintf("in/f%02d", f)
        for (l = 0; l < 300; l++) print "r" int(rand() * 40) " r" int(rand() * rand() * 400) " r" int(rand() * 9) > file
        close(file) } }'
cat in/f* | counts_of > expected
total=$(total_of < expected)
cat > prog.stream <<'EOF'
app "OutQueue"
batch Durations.milliseconds(500)
master "local[2]"
checkpoint "ck"
ssc.queueStream("in").flatMap(_.split(" ")).map(w => (w, 1)).reduceByKey(_ + _)
  .saveToRedis("hash", "counts", "increment")
EOF
if "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
    ./app --redis "$REDIS_URL" > stdout 2> err & pid=$!
    if ! wait_until 15 guard_set OutQueue; then
        bad "restart-queue: no batch was written within 15 s"
    else
        sleep 0.7
        redis_restart 3 || bad "restart-queue: redis_restart failed"
        wait_until 40 hash_total_is counts "$total"
        sleep 1.2 # some empty batches more: anything applied twice shows
        stop_app
        redis_hash counts > got
        if [ $status -eq 0 ] && diff expected got > /dev/null; then
            ok "restart-queue: Redis down for 3 s during the run: the counts of all $total words are exact, status 0 after SIGTERM"
        else
            bad "restart-queue: status $status; the counts add up to $(total_of < got) (expected $total), $(diff expected got | grep -c '^>') lines differ"
        fi
        check_log restart-queue
    fi
    [ -n "$pid" ] && stop_app
else
    bad "restart-queue: does not compile"
fi
cd "$work" || exit 1

# ---------------------------------------------------------------------
# restart-kafka: offsets redis on the same Redis
# ---------------------------------------------------------------------
mkdir -p rk && cd rk || exit 1
if [ ! -x "$KAFKA_MOCK" ]; then
    bad "restart-kafka: build/kafka-mock is missing: run make first"
elif ! kafka_start ok:3; then
    bad "restart-kafka: cannot start the Kafka mock cluster"
else
    for p in 0 1 2; do
        awk -v seed=$((seed + p)) 'BEGIN { srand(seed); for (l = 0; l < 2500; l++) print "x" int(rand() * 50) " x" int(rand() * rand() * 500) }' |
            tee -a produced | kafka_produce ok $p || bad "restart-kafka: kcat could not produce"
    done
    counts_of < produced > expected
    cat > prog.stream <<EOF
app "OutKafka"
batch Durations.milliseconds(500)
master "local[2]"
offsets redis "$REDIS_URL"
conf "spark.streaming.kafka.maxRatePerPartition" = 600
val kafkaParams = Map[String, Object]("bootstrap.servers" -> "$KAFKA_BOOTSTRAP", "group.id" -> "ok",
  "auto.offset.reset" -> "earliest")
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("ok"), kafkaParams))
stream.flatMap(_.value.split(" ")).map(w => (w, 1)).reduceByKey(_ + _).saveToRedis("hash", "counts", "increment")
EOF
    redis_cli DEL counts > /dev/null
    if "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
        ./app > stdout 2> err & pid=$!
        if ! wait_until 15 guard_set OutKafka; then
            bad "restart-kafka: no batch was written within 15 s"
        else
            sleep 0.5
            redis_restart 3 || bad "restart-kafka: redis_restart failed"
            wait_until 40 hash_total_is ok 7500
            sleep 1.2
            stop_app
            redis_hash counts > got
            if [ $status -eq 0 ] && diff expected got > /dev/null && [ "$(redis_hash ok | tr '\n' ' ')" = "0 2500 1 2500 2 2500 " ]; then
                ok "restart-kafka: Redis down for 3 s while 7500 records are read: counts exact, offsets 2500 per partition"
            else
                bad "restart-kafka: status $status; offsets '$(redis_hash ok | tr '\n' ' ')' (expected 2500 each), $(diff expected got | grep -c '^>') count lines differ"
            fi
            check_log restart-kafka
        fi
        [ -n "$pid" ] && stop_app
    else
        bad "restart-kafka: does not compile"
    fi
fi
cd "$work" || exit 1

# ---------------------------------------------------------------------
# start-*: Redis down when the program starts
# ---------------------------------------------------------------------
mkdir -p st/in && cd st || exit 1
echo "a b c" > in/f1
cat > bcast.stream <<'EOF'
app "OutBcast"
batch 1s
val bl = ssc.sparkContext.broadcast(ssc.sparkContext.fromRedisSet("blacklist"))
ssc.queueStream("in").flatMap(_.split(" ")).filter(w => !bl.value.contains(w)).print()
EOF
cat > offs.stream <<EOF
app "OutOffsets"
batch 1s
offsets redis "$REDIS_URL"
val kafkaParams = Map[String, Object]("bootstrap.servers" -> "${KAFKA_BOOTSTRAP:-127.0.0.1:9}", "group.id" -> "st",
  "auto.offset.reset" -> "earliest")
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("ok"), kafkaParams))
stream.map(_.value).print()
EOF
redis_down
for c in bcast offs; do
    name=start-$([ $c = bcast ] && echo bcast || echo offsets)
    if "$streamc" "${ccflags[@]}" -o $c $c.stream 2> err; then
        t0=$(now_ms)
        # (a subshell: bash's "Killed" report, should timeout need -k, stays out of the output)
        (timeout -k 5 15 ./$c --redis "$REDIS_URL" --conf streamc.redis.startTimeoutMs=2000 --clock manual --batches 2 > stdout 2> err; exit $?) 2> /dev/null
        status=$?
        took=$(( $(now_ms) - t0 ))
        if [ $status -ne 0 ] && [ $status -ne 124 ] && [ $took -ge 1500 ] && [ $took -le 10000 ] &&
           grep -q -F "127.0.0.1:$REDIS_PORT" err; then
            ok "$name: Redis down at start, startTimeoutMs=2000: status $status after $took ms, \"$(grep -F "127.0.0.1:$REDIS_PORT" err | head -1 | sed -E 's/^[0-9\/]+ [0-9:]+ [A-Z]+ //')\""
        else
            bad "$name: Redis down at start: status $status after $took ms (expected non-zero after about 2 s), a message naming 127.0.0.1:$REDIS_PORT"
        fi
    else
        bad "$name: does not compile"
    fi
done
redis_up || bad "redis_up failed"
kafka_stop > /dev/null 2>&1
cd "$work" || exit 1

# ---------------------------------------------------------------------
# stop-*: SIGTERM while a batch waits for Redis
# ---------------------------------------------------------------------
mkdir -p sp/in && cd sp || exit 1
for f in 1 2 3; do seq 1 50 | sed "s/^/s$f /" > in/f$f; done
cat in/f* | counts_of > expected
for c in lost replay; do
    rm -rf ck
    cat > $c.stream <<EOF
app "OutStop$c"
batch 1s
$([ $c = replay ] && echo 'checkpoint "ck"')
ssc.queueStream("in").flatMap(_.split(" ")).map(w => (w, 1)).reduceByKey(_ + _).saveToRedis("hash", "counts$c", "increment")
EOF
    if ! "$streamc" "${ccflags[@]}" -o $c $c.stream 2> err; then
        bad "stop-$c: does not compile"
        continue
    fi
    redis_down
    ./$c --redis "$REDIS_URL" --conf streamc.redis.stopWaitMs=1000 --clock manual --batches 3 > stdout 2> err & pid=$!
    sleep 1.5
    t0=$(now_ms)
    stop_app
    took=$(( $(now_ms) - t0 ))
    msg=$(grep 'was not written to Redis' err | head -1 | sed -E 's/^[0-9\/]+ [0-9:]+ [A-Z]+ //')
    if [ $status -eq 1 ] && [ -n "$msg" ] && [ $took -ge 900 ] && [ $took -le 8000 ] &&
       { [ $c = replay ] || grep 'was not written to Redis' err | grep -q -i 'lost'; }; then
        ok "stop-$c: SIGTERM while batch 1000 waits for Redis, stopWaitMs=1000: status 1 after $took ms, \"$msg\""
    else
        bad "stop-$c: SIGTERM while a batch waits for Redis: status $status after $took ms (expected 1 after about 1 s), message '$msg'$([ $c = lost ] && echo ' (should say the batch is lost)')"
    fi
    redis_up || bad "redis_up failed"
    if [ $c = replay ]; then
        timeout 60 ./$c --redis "$REDIS_URL" --clock manual --batches 3 > stdout 2>> err
        status=$?
        redis_hash countsreplay > got
        if [ $status -eq 0 ] && diff expected got > /dev/null; then
            ok "stop-replay: the next run (Redis up) wrote the waiting batch from the checkpoint: counts of all 3 files exact"
        else
            bad "stop-replay: the next run: status $status, counts '$(head -4 got | tr '\n' ' ')' (expected s1 50, s2 50, s3 50 and 1..50 three times each)"
        fi
    fi
done
cd "$work" || exit 1

finish
