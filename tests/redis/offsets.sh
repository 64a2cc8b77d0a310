#!/usr/bin/env bash
# offsets.sh - `offsets redis "URL"`: Kafka positions kept in Redis (the
# seed's layout: one hash per topic, one field per partition, the value the
# next offset to read), with the Kafka mock cluster (build/kafka-mock,
# tests/kafka/lib.sh) and a real redis-server (tests/redis/lib.sh).
#
#   store      50/100/150 records produced into the 3 partitions of a topic;
#              the program (Subscribe, 1 s batches, real clock; the URL in the
#              program is a dead one, --redis replaces it) pushes every value
#              to a Redis list and is stopped with SIGTERM once all are read:
#              HGETALL topic = 0 50, 1 100, 2 150; the values once each
#   restart    30 more records per partition, the program run again: it goes
#              on from the stored offsets, nothing lost, nothing read twice,
#              HGETALL topic = 0 80, 1 130, 2 180
#   hand       HSET topic 0 15 written by hand before the first start, the
#              other partitions without a field: partition 0 is read from
#              offset 15, the others from auto.offset.reset=earliest (0)
#   latest     the same with auto.offset.reset=latest: only the partition
#              with a stored offset is read (from it), the others from their
#              end
#   sample     samples/kafka_redis_offsets.stream (the seed's offset
#              management through Redis, database 3) against the mock
#              cluster: after its batches HGETALL testtopic in database 3
#              holds each partition's next offset, and a second run goes on
#              from there
#
# Usage: tests/redis/offsets.sh     Prints "redis-offsets: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=redis-offsets
find_streamc
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

if [ ! -x "$KAFKA_MOCK" ]; then
    bad "build/kafka-mock is missing: run make first"
    finish
fi
kafka_start o1:3 o2:3 o3:3 testtopic:3 || { bad "cannot start the Kafka mock cluster"; finish; }
redis_start || { bad "cannot start redis-server"; finish; }

# prog NAME TOPIC RESET OFFSETS_URL: every value pushed to the list vals-NAME
prog() {
    cat > "$1.stream" <<EOF
app "$1"
batch Durations.seconds(1)
master "local[2]"
offsets redis "$4"
val kafkaParams = Map[String, Object](
  "bootstrap.servers" -> "$KAFKA_BOOTSTRAP",
  "key.deserializer" -> classOf[StringDeserializer],
  "value.deserializer" -> classOf[StringDeserializer],
  "group.id" -> "g-$1",
  "auto.offset.reset" -> "$3",
  "enable.auto.commit" -> (false: java.lang.Boolean))
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("$2"), kafkaParams))
stream.map(record => record.value).saveToRedis("list", "vals-$1")
EOF
    "$streamc" "${ccflags[@]}" -o "$1" "$1.stream" 2> err
}

# produce TOPIC PARTITION FROM TO: values TOPIC-PARTITION-i, also kept in TOPIC.produced
produce() {
    seq "$3" "$4" | sed "s/^/$1-$2-/" | tee -a "$1.produced" | kafka_produce "$1" "$2"
}
list_sorted() { rc LRANGE "vals-$1" 0 -1 | sort; }
# wait_len LIST N SECONDS: until the list has at least N elements
wait_len() {
    local deadline=$((SECONDS + $3))
    while [ "$SECONDS" -lt $deadline ]; do
        [ "$(rc LLEN "vals-$1")" -ge "$2" ] 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1 # the program has stopped
        sleep 0.2
    done
    return 1
}
# stop_app: SIGTERM, wait (bounded); the status in $status
stop_app() {
    local i
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"; status=$?; pid=
}

# --- store: real clock, stopped with SIGTERM ----------------------------
produce o1 0 1 50 && produce o1 1 1 100 && produce o1 2 1 150 || bad "store: kcat could not produce"
if prog o1 o1 earliest "redis://127.0.0.1:1/0"; then
    ./o1 --redis "$REDIS_URL" > stdout 2> err & pid=$!
    wait_len o1 300 30
    sleep 1.5 # a batch or two more, for anything read twice to show
    stop_app
    printf '0 50\n1 100\n2 150\n' > expected
    if [ $status -eq 0 ] && redis_hash o1 > got && diff expected got > /dev/null &&
       diff <(sort o1.produced) <(list_sorted o1) > /dev/null; then
        ok "store: 300 records read once (--redis replaced the program's dead URL), HGETALL o1 = $(tr '\n' ' ' < got)after SIGTERM (status 0)"
    else
        bad "store: status $status, HGETALL o1 = '$(redis_hash o1 | tr '\n' ' ')' (expected '0 50 1 100 2 150'), $(rc LLEN vals-o1) values (expected the 300 produced once)"
    fi
else
    bad "store: does not compile"
fi

# --- restart: goes on from the stored offsets ------------------------------
produce o1 0 51 80 && produce o1 1 101 130 && produce o1 2 151 180 || bad "restart: kcat could not produce"
if [ -x o1 ]; then
    timeout 60 ./o1 --redis "$REDIS_URL" --clock manual --batches 2 > stdout 2> err
    status=$?
    printf '0 80\n1 130\n2 180\n' > expected
    if [ $status -eq 0 ] && redis_hash o1 > got && diff expected got > /dev/null &&
       diff <(sort o1.produced) <(list_sorted o1) > /dev/null; then
        ok "restart: the next run read the 90 new records only: 390 values once each, HGETALL o1 = $(tr '\n' ' ' < got)"
    else
        bad "restart: status $status, HGETALL o1 = '$(redis_hash o1 | tr '\n' ' ')' (expected '0 80 1 130 2 180'), $(rc LLEN vals-o1) values, $(comm -13 <(sort o1.produced) <(list_sorted o1) | wc -l) extra (read twice), $(comm -23 <(sort o1.produced) <(list_sorted o1) | wc -l) missing"
    fi
fi

# --- hand: a stored field is honoured, a missing one falls back (earliest) --
produce o2 0 1 20 && produce o2 1 1 20 && produce o2 2 1 20 || bad "hand: kcat could not produce"
redis_cli HSET o2 0 15 > /dev/null
if prog o2 o2 earliest "$REDIS_URL"; then
    timeout 60 ./o2 --clock manual --batches 2 > stdout 2> err
    status=$?
    { seq 16 20 | sed 's/^/o2-0-/'; seq 1 20 | sed 's/^/o2-1-/'; seq 1 20 | sed 's/^/o2-2-/'; } | sort > expected
    printf '0 20\n1 20\n2 20\n' > expected_h
    if [ $status -eq 0 ] && diff expected <(list_sorted o2) > /dev/null && redis_hash o2 > got && diff expected_h got > /dev/null; then
        ok "hand: HSET o2 0 15 by hand: partition 0 read from offset 15, partitions 1 and 2 (no field) from earliest; HGETALL o2 = $(tr '\n' ' ' < got)"
    else
        bad "hand: status $status, $(rc LLEN vals-o2) values (expected 45: offsets 15-19 of partition 0, all 20 of partitions 1 and 2), HGETALL o2 = '$(redis_hash o2 | tr '\n' ' ')'"
    fi
else
    bad "hand: does not compile"
fi

# --- latest: a missing field follows auto.offset.reset=latest -------------
produce o3 0 1 10 && produce o3 1 1 10 && produce o3 2 1 10 || bad "latest: kcat could not produce"
redis_cli HSET o3 1 4 > /dev/null
if prog o3 o3 latest "$REDIS_URL"; then
    timeout 60 ./o3 --clock manual --batches 2 > stdout 2> err
    status=$?
    seq 5 10 | sed 's/^/o3-1-/' | sort > expected
    if [ $status -eq 0 ] && diff expected <(list_sorted o3) > /dev/null && [ "$(rc HGET o3 1)" = 10 ]; then
        ok "latest: HSET o3 1 4 by hand, auto.offset.reset=latest: only partition 1's offsets 4-9 are read; HGET o3 1 = 10"
    else
        bad "latest: status $status, values '$(list_sorted o3 | head -8 | tr '\n' ' ')' (expected o3-1-5 .. o3-1-10), HGET o3 1 = '$(rc HGET o3 1)' (expected 10)"
    fi
else
    bad "latest: does not compile"
fi

# --- the seed's sample ----------------------------------------------------
sample=$root/samples/kafka_redis_offsets.stream
if [ ! -f "$sample" ]; then
    bad "sample: $sample is missing"
else
    url3="redis://127.0.0.1:$REDIS_PORT/3"
    # the seed stores "0" for the partitions it finds no offset for; leave
    # partition 2 without one: it starts at its earliest offset
    redis_cli -n 3 HSET testtopic 0 0 1 0 > /dev/null
    produce testtopic 0 1 3 && produce testtopic 1 1 2 && produce testtopic 2 1 1 || bad "sample: kcat could not produce"
    run_sample() { # BATCHES STDOUT
        timeout 60 ./sample --redis "$url3" --conf streamc.kafka.bootstrap.servers="$KAFKA_BOOTSTRAP" \
            --clock manual --batches "$1" > "$2" 2>> err
    }
    : > err
    if "$streamc" "${ccflags[@]}" -o sample "$sample" 2>> err && run_sample 2 stdout; then
        printf '0 3\n1 2\n2 1\n' > expected
        redis_hash testtopic 3 > got1
        produce testtopic 0 4 5
        if diff expected got1 > /dev/null &&
           grep -q -x 'topic:testtopic  partition:2  fromOffset:0  untilOffset: 1' stdout &&
           run_sample 1 stdout2 &&
           grep -q -x 'topic:testtopic  partition:0  fromOffset:3  untilOffset: 5' stdout2 &&
           [ "$(redis_hash testtopic 3 | tr '\n' ' ')" = "0 5 1 2 2 1 " ]; then
            ok "sample: samples/kafka_redis_offsets.stream keeps testtopic's offsets in database 3 (0 3, 1 2, 2 1; partition 2 had none: earliest); the next run reads partition 0 from 3 to 5"
        else
            bad "sample: HGETALL testtopic in database 3 = '$(tr '\n' ' ' < got1)' after the first run (expected '0 3 1 2 2 1 '), '$(redis_hash testtopic 3 | tr '\n' ' ')' after the second (expected '0 5 1 2 2 1 '); ranges printed: $(grep -h '^topic:' stdout stdout2 2>/dev/null | sort -u | tr -s ' ' | head -6 | tr '\n' ';')"
        fi
    else
        bad "sample: samples/kafka_redis_offsets.stream does not compile or run against the mock cluster"
    fi
fi

finish
