#!/usr/bin/env bash
# exactly_once.sh - saveToRedis("hash", "counts", "increment") stays exact
# under kill -9 at random moments (docs/redis.md, "Exactly once").
#
#   kafka   Kafka (mock cluster, 3 partitions) -> word count -> increment
#           sink, `offsets redis` on the same Redis, real clock, 500 ms
#           batches. A feeder produces records while the program runs; the
#           program is killed with SIGKILL at random moments until at least
#           20 kills landed while it ran, restarted each time. At the end
#           (stopped with SIGTERM once the stored offsets reach the end of
#           every partition) the hash equals the exact word counts of every
#           record in the topic, and the offsets hash equals the topic's
#           ends.
#   queue   queueStream + checkpoint "ck" -> word count -> increment sink,
#           --clock manual --batches N. An uninterrupted reference run into
#           database 1 gives the exact counts; then runs into database 0 are
#           killed at random moments until at least 10 kills landed (batches
#           replayed from the checkpoint's journal must not be applied
#           twice); after the last run the hash equals the exact counts of
#           all input files.
#
# Usage: tests/redis/exactly_once.sh   Prints "redis-exactly-once: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
#        KILLS=N sets the kills that must land in the kafka case (default
#        20; the queue case wants half as many); SEED=N fixes the input.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=redis-exactly-once
find_streamc
kills_wanted=${KILLS:-20}
seed=${SEED:-$RANDOM}
work=$(mktemp -d)
sanitizer_logs "$work"
pid='' feeder=''
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    [ -n "$feeder" ] && kill -KILL "$feeder" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
. "$root/tests/kafka/lib.sh"
. "$root/tests/redis/lib.sh"
cd "$work" || exit 1
export LC_ALL=C
bad_err=err bad_hide=' INFO |Killed' bad_lines=8

rc() { redis_cli "$@" 2>&1; }
# random SECONDS in [lo, hi) (milliseconds)
rand_sleep() { sleep "$(awk -v r=$RANDOM -v lo="$1" -v hi="$2" 'BEGIN { printf "%.3f", (lo + r / 32768 * (hi - lo)) / 1000 }')"; }
counts_of() { tr ' ' '\n' | grep -v '^$' | sort | uniq -c | awk '{ print $2, $1 }' | sort; }

redis_start || { bad "cannot start redis-server"; finish; }

# ---------------------------------------------------------------------
# kafka: offsets and counts in one transaction, 20+ kills
# ---------------------------------------------------------------------
mkdir kafka && cd kafka || exit 1
if [ ! -x "$KAFKA_MOCK" ]; then
    bad "kafka: build/kafka-mock is missing: run make first"
elif ! kafka_start eo:3; then
    bad "kafka: cannot start the Kafka mock cluster"
else
    cat > prog.stream <<EOF
app "EOKafka"
batch Durations.milliseconds(500)
master "local[2]"
offsets redis "$REDIS_URL"
conf "spark.streaming.kafka.maxRatePerPartition" = 200
val kafkaParams = Map[String, Object](
  "bootstrap.servers" -> "$KAFKA_BOOTSTRAP",
  "group.id" -> "eo",
  "auto.offset.reset" -> "earliest")
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("eo"), kafkaParams))
stream.flatMap(r => r.value.split(" ")).map(w => (w, 1)).reduceByKey(_ + _)
  .saveToRedis("hash", "counts", "increment")
EOF
    if ! "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
        bad "kafka: the program does not compile"
    else
        # the feeder: 30 chunks of 400 records (4 random words each) over ~10 s
        (
            for ((c = 0; c < 30; c++)); do
                awk -v seed=$((seed + c)) 'BEGIN { srand(seed)
                    for (l = 0; l < 400; l++) print "k" int(rand() * rand() * 300) " k" int(rand() * 50) " k" int(rand() * 1000) " k" int(rand() * 7) }' |
                    kafka_produce eo || echo "feeder: chunk $c not produced" >&2
                sleep 0.2
            done
        ) 2> feeder.err &
        feeder=$!
        landed=0 tries=0 progressed=0 last_guard=
        # kills land while the feeder runs and after; each run gets 0.4-2.4 s
        while { [ $landed -lt "$kills_wanted" ] || kill -0 "$feeder" 2>/dev/null; } && [ $tries -lt $((kills_wanted * 4)) ]; do
            tries=$((tries + 1))
            ./app --redis "$REDIS_URL" >> stdout 2>> err &
            pid=$!
            rand_sleep 400 2400
            kill -KILL $pid 2>/dev/null && landed=$((landed + 1))
            wait $pid 2>/dev/null
            pid=
            guard=$(rc GET streamc:EOKafka:batch)
            [ -n "$guard" ] && [ "$guard" != "$last_guard" ] && progressed=$((progressed + 1))
            last_guard=$guard
        done
        wait "$feeder"; feeder=
        total=$(kafka_count eo)
        # the last run: until the stored offsets reach the end of the topic
        ./app --redis "$REDIS_URL" >> stdout 2>> err &
        pid=$!
        deadline=$((SECONDS + 60))
        while [ $SECONDS -lt $deadline ] && kill -0 $pid 2>/dev/null; do
            stored=$(redis_hash eo | awk '{ s += $2 } END { print s + 0 }')
            [ "$stored" -ge "$total" ] && break
            sleep 0.3
        done
        sleep 1 # a few empty batches more, for anything counted twice to show
        kill -TERM $pid 2>/dev/null
        for ((i = 0; i < 150; i++)); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
        kill -KILL $pid 2>/dev/null
        wait $pid; status=$?; pid=
        timeout 30 kcat -C -e -q -b "$KAFKA_BOOTSTRAP" -t eo -o beginning -f '%s\n' | counts_of > expected
        redis_hash counts > got
        stored=$(redis_hash eo | awk '{ s += $2 } END { print s + 0 }')
        if [ -s feeder.err ]; then
            bad "kafka: the feeder failed: $(head -3 feeder.err | tr '\n' ' ')"
        elif [ $landed -lt "$kills_wanted" ]; then
            bad "kafka: only $landed of $tries kills landed while the program ran"
        elif [ $progressed -lt $((kills_wanted / 2)) ]; then
            bad "kafka: only $progressed of $tries runs wrote a batch before being killed (the kills did not land while it worked)"
        elif [ $status -ne 0 ]; then
            bad "kafka: the last run ended with status $status after SIGTERM"
        elif [ "$stored" -ne "$total" ]; then
            bad "kafka: the offsets in Redis add up to $stored, the topic holds $total records"
        elif ! [ -s expected ] || ! diff expected got > diff.txt; then
            bad "kafka: after $landed kills the counts differ from the words of the $total records: $(grep -c '^<' diff.txt) lines differ, e.g. $(grep '^[<>]' diff.txt | head -4 | tr '\n' ' ')"
        else
            ok "kafka: $landed kill -9 at random moments ($tries runs, $progressed wrote batches); the counts of all $total records ($(awk '{ s += $2 } END { print s }' got) words) are exact, offsets = the topic's ends"
        fi
    fi
    kafka_stop > /dev/null 2>&1
fi
cd "$work" || exit 1

# ---------------------------------------------------------------------
# queue: checkpoint replays are not applied twice, 10+ kills
# ---------------------------------------------------------------------
mkdir -p queue/in && cd queue || exit 1
batches=150
awk -v seed="$seed" -v n=$batches 'BEGIN {
    srand(seed)
    for (f = 0; f < n; f++) {
        file = sprintf("in/f%04d", f)
        for (l = 0; l < 2000; l++) {
            line = ""
            for (w = 0; w < 5; w++) line = line (w ? " " : "") "q" int(rand() * rand() * 2000)
            print line > file
        }
        close(file)
    }
}'
cat in/f* | counts_of > expected
cat > prog.stream <<'EOF'
app "EOQueue"
batch Durations.seconds(1)
master "local[2]"
checkpoint "ck" every Durations.seconds(5)
val lines = ssc.queueStream("in")
lines.flatMap(_.split(" ")).map(w => (w, 1)).reduceByKey(_ + _).saveToRedis("hash", "qcounts", "increment")
EOF
queue_kills=$(( (kills_wanted + 1) / 2 ))
if ! "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
    bad "queue: the program does not compile"
else
    args=(--clock manual --batches $batches)
    t0=$(now_ms)
    timeout 120 ./app "${args[@]}" --redis "redis://127.0.0.1:$REDIS_PORT/1" --checkpoint ref-ck > /dev/null 2> err
    status=$?
    took=$(( $(now_ms) - t0 ))
    [ "$took" -lt 400 ] && took=400
    redis_hash qcounts 1 > got
    if [ $status -ne 0 ] || ! diff expected got > /dev/null; then
        bad "queue: the uninterrupted reference run (database 1): status $status, $(diff expected got | grep -c '^[<>]') count lines differ"
    else
        ok "queue: an uninterrupted run ($batches batches, $took ms) counts every word of the input exactly"
    fi
    landed=0 tries=0
    while [ $landed -lt "$queue_kills" ] && [ $tries -lt $((queue_kills * 5)) ]; do
        tries=$((tries + 1))
        ./app "${args[@]}" --redis "$REDIS_URL" > /dev/null 2>> err &
        pid=$!
        # a random moment within a tenth of the whole run: the kills land
        # before the work is done, each run getting a little further
        rand_sleep 0 $((took / 10))
        kill -KILL $pid 2>/dev/null && landed=$((landed + 1))
        wait $pid 2>/dev/null
        pid=
    done
    timeout 120 ./app "${args[@]}" --redis "$REDIS_URL" > /dev/null 2>> err
    status=$?
    redis_hash qcounts > got
    resumed=$(grep -o 'Recovering from ck/checkpoint-[0-9]*' err | sort -u | wc -l)
    replayed=$(grep -c 'replayed' err)
    skipped=$(grep -c 'already: not written again' err) # replays the guard kept out
    if [ $landed -lt "$queue_kills" ]; then
        bad "queue: only $landed of $tries kills landed while the program ran"
    elif [ $status -ne 0 ]; then
        bad "queue: the run after $landed kills ended with status $status"
    elif ! diff expected got > diff.txt; then
        bad "queue: after $landed kills the counts differ from the input's: $(grep -c '^<' diff.txt) lines differ, e.g. $(grep '^[<>]' diff.txt | head -4 | tr '\n' ' ')"
    elif [ "$(rc GET streamc:EOQueue:batch | cut -d: -f2)" != $((batches * 1000)) ]; then
        bad "queue: streamc:EOQueue:batch = '$(rc GET streamc:EOQueue:batch)', expected <lineage>:$((batches * 1000))"
    elif [ "$resumed" -lt 2 ] || [ "$replayed" -lt 1 ] || [ "$skipped" -lt 1 ]; then
        bad "queue: the kills did not exercise recovery enough: resumed from $resumed checkpoints, $replayed batches replayed, $skipped found in Redis already"
    else
        ok "queue: $landed kill -9 at random moments ($tries runs, resumed from $resumed checkpoints, $replayed batches replayed, $skipped of them found in Redis already and not applied again): the counts equal the input's exactly"
    fi
fi
cd "$work" || exit 1

finish
