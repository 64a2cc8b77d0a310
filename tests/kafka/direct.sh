#!/usr/bin/env bash
# direct.sh - compiled programs reading Kafka (the mock cluster) directly.
#
#   exact       3000 records over 3 partitions, produced with kcat: every
#               record is read exactly once (the saved values equal what was
#               produced, as a multiset)
#   rate        spark.streaming.kafka.maxRatePerPartition=100 with 1 s
#               batches: every range holds at most 100 records, ranges follow
#               each other without gap or overlap, all records are read
#   restart     offsets kafka: a run stopped after 3 batches commits its
#               ranges; the next run goes on from the committed offsets:
#               nothing lost, nothing read twice
#   latest      auto.offset.reset=latest reads only what comes after the start
#   none        auto.offset.reset=none without a committed offset: a clear
#               error and a non-zero status
#   broker      a broker down for 2 s and up again while the program runs:
#               nothing lost or doubled
#   sample      samples/kafka_wordcount.stream (the seed's code) with its
#               brokers replaced by --conf streamc.kafka.bootstrap.servers
#   assign      samples/kafka_assign.stream: Assign with fromOffsets
#   sink        saveToKafka of pairs (key, value) and of strings (value):
#               every record delivered once
#
# Usage: tests/kafka/direct.sh     Prints "kafka-direct: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=kafka-direct
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
cd "$work" || exit 1
bad_err=err bad_hide=' INFO '

kafka_start --brokers 3 exact:3 rate:3 restart:3 latest:1 none:1 broker:3 testtopic:3 sinkin:2 sinkout:2 sinkvals:1 || { echo "FAIL cannot start the cluster"; exit 1; }

# prog NAME TOPIC RESET [HEADER]: saves every value, prints every range
prog() {
    cat > "$1.stream" <<EOF
app "$1"
batch Durations.seconds(1)
${4:-}
val kafkaParams = Map[String, Object](
  "bootstrap.servers" -> "$KAFKA_BOOTSTRAP",
  "key.deserializer" -> classOf[StringDeserializer],
  "value.deserializer" -> classOf[StringDeserializer],
  "group.id" -> "g-$1",
  "auto.offset.reset" -> "$3",
  "enable.auto.commit" -> (false: java.lang.Boolean))
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("$2"), kafkaParams))
stream.map(record => record.value).saveAsTextFiles("out/v")
stream.foreachRDD { rdd =>
  val offsetRanges = rdd.asInstanceOf[HasOffsetRanges].offsetRanges
  for (o <- offsetRanges) println(s"range \${o.topic} \${o.partition} \${o.fromOffset} \${o.untilOffset}")
}
EOF
    "$streamc" "${ccflags[@]}" -o "$1" "$1.stream" 2> err
}

# lines TOPIC N: N numbered lines produced, a third to each of 3 partitions
produce3() {
    local t=$1 n=$2 p
    for p in 0 1 2; do
        seq $((p * 100000 + 1)) $((p * 100000 + n / 3)) | sed "s/^/$t-/" | kafka_produce "$t" $p || return 1
        seq $((p * 100000 + 1)) $((p * 100000 + n / 3)) | sed "s/^/$t-/" >> "$t.produced"
    done
}

values() { cat out/v-*/part-* 2>/dev/null | sort; }

# --- exact -------------------------------------------------------------
produce3 exact 3000
if prog exact exact earliest && ./exact --clock manual --batches 3 > stdout 2> err; then
    if [ "$(values | tee got | wc -l)" -eq 3000 ] && diff <(sort exact.produced) got > /dev/null; then
        ok "exact: 3000 records over 3 partitions read exactly once"
    else
        bad "exact: $(wc -l < got) values read, expected the 3000 produced"
    fi
else
    bad "exact: the program failed"
fi
rm -rf out

# --- rate --------------------------------------------------------------
produce3 rate 3000
if prog rate rate earliest && ./rate --clock manual --batches 12 --conf spark.streaming.kafka.maxRatePerPartition=100 > stdout 2> err; then
    over=$(awk '$1 == "range" && $5 - $4 > 100' stdout | wc -l)
    gaps=$(awk '$1 == "range" { k = $2 "/" $3; if ((k in last) && last[k] != $4) n++; last[k] = $5 } END { print n + 0 }' stdout)
    if [ "$over" -eq 0 ] && [ "$gaps" -eq 0 ] && diff <(sort rate.produced) <(values) > /dev/null; then
        ok "rate: every range <= 100 records (maxRatePerPartition 100, 1 s batches), contiguous, all 3000 read once"
    else
        bad "rate: $over ranges over 100, $gaps gaps or overlaps, $(values | wc -l) values"
    fi
else
    bad "rate: the program failed"
fi
rm -rf out

# --- restart -----------------------------------------------------------
produce3 restart 3000
if prog restart restart earliest "offsets kafka" &&
   ./restart --clock manual --batches 3 --conf spark.streaming.kafka.maxRatePerPartition=200 > stdout1 2> err; then
    committed=$(kafka_committed g-restart restart | awk '{ s += $2 } END { print s + 0 }')
    mv out out1
    ./restart --clock manual --batches 10 > stdout2 2>> err
    all=$( (cat out1/v-*/part-* out/v-*/part-*) 2>/dev/null | sort)
    if [ "$committed" -eq 1800 ] && [ "$(echo "$all" | wc -l)" -eq 3000 ] && diff <(sort restart.produced) <(echo "$all") > /dev/null; then
        ok "restart: 1800 offsets committed after 3 batches; the next run read the other 1200, none twice"
    else
        bad "restart: committed $committed (expected 1800), $(echo "$all" | wc -l) values over both runs"
    fi
else
    bad "restart: the program failed"
fi
rm -rf out out1

# --- latest ------------------------------------------------------------
seq 1 100 | sed 's/^/old-/' | kafka_produce latest 0
if prog latest latest latest; then
    ./latest > stdout 2> err & pid=$!
    sleep 2.5
    seq 1 50 | sed 's/^/new-/' | kafka_produce latest 0
    sleep 2.5
    kill -TERM $pid; wait $pid; pid=
    if [ "$(values | grep -c '^new-')" -eq 50 ] && [ "$(values | grep -c '^old-')" -eq 0 ]; then
        ok "latest: only the 50 records produced after the start are read"
    else
        bad "latest: $(values | grep -c '^new-') new and $(values | grep -c '^old-') old records read"
    fi
else
    bad "latest: does not compile"
fi
rm -rf out

# --- none --------------------------------------------------------------
seq 1 10 | kafka_produce none 0
if prog none none none; then
    timeout 60 ./none --clock manual --batches 2 > stdout 2> err
    status=$?
    if [ $status -ne 0 ] && [ $status -ne 124 ] && grep -qi 'auto.offset.reset' err && [ ! -d out ]; then
        ok "none: no committed offset and auto.offset.reset=none: status $status, \"$(grep -i 'auto.offset.reset' err | head -1 | sed 's/.*error: //')\""
    else
        bad "none: status $status, expected a clear error"
    fi
else
    bad "none: does not compile"
fi
rm -rf out

# --- broker ------------------------------------------------------------
if prog broker broker earliest; then
    ./broker > stdout 2> err & pid=$!
    sleep 2
    produce3 broker 1500
    kafka_cmd "down 1" > /dev/null
    sleep 2
    kafka_cmd "up 1" > /dev/null
    # librdkafka reconnects with a back-off of up to 10 s: wait for the data
    for _ in $(seq 60); do [ "$(values | wc -l)" -ge 1500 ] && break; sleep 0.5; done
    sleep 1 # and a little longer, for any record read twice to show
    kill -TERM $pid; wait $pid; pid=
    if diff <(sort broker.produced) <(values) > /dev/null; then
        ok "broker: broker 1 down for 2 s and up again: all 1500 records read once"
    else
        bad "broker: $(values | wc -l) values read, expected the 1500 produced once"
    fi
else
    bad "broker: does not compile"
fi

# --- the seed's sample, pointed at the mock cluster ------------------------
printf 'hello kafka hello\nspark streaming\n' | kafka_produce testtopic 0
printf 'hello again\n' | kafka_produce testtopic 2
if "$streamc" "${ccflags[@]}" -o sample "$root/samples/kafka_wordcount.stream" 2> err &&
   ./sample --clock manual --batches 2 --conf streamc.kafka.bootstrap.servers="$KAFKA_BOOTSTRAP" > stdout 2> err &&
   grep -qx '(hello,3)' stdout && grep -qx 'receive message value = spark streaming' stdout &&
   [ "$(kafka_committed MyGroupId testtopic | awk '{ s += $2 } END { print s + 0 }')" -eq 3 ]; then
    ok "sample: the seed's Kafka word count (brokers from --conf streamc.kafka.bootstrap.servers) counts and commits its offsets"
else
    bad "sample: samples/kafka_wordcount.stream against the mock cluster"
fi

if "$streamc" "${ccflags[@]}" -o assign "$root/samples/kafka_assign.stream" 2> err &&
   ./assign --clock manual --batches 1 --conf streamc.kafka.bootstrap.servers="$KAFKA_BOOTSTRAP" > stdout 2> err &&
   grep -qx 'topic:testtopic  partition:0  fromOffset:0  untilOffset: 2' stdout &&
   grep -qx 'topic:testtopic  partition:2  fromOffset:0  untilOffset: 1' stdout; then
    ok "assign: the seed's Assign form reads from its fromOffsets and prints each partition's range"
else
    bad "assign: samples/kafka_assign.stream against the mock cluster"; cat stdout
fi

# --- saveToKafka ---------------------------------------------------------
seq 1 150 | sed 's/^/a/' | kafka_produce sinkin 0
seq 1 150 | sed 's/^/b/' | kafka_produce sinkin 1
cat > sink.stream <<EOF
batch 1s
val kafkaParams = Map[String, Object]("bootstrap.servers" -> "$KAFKA_BOOTSTRAP", "group.id" -> "sink",
  "auto.offset.reset" -> "earliest")
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("sinkin"), kafkaParams))
stream.map(r => (r.value, r.value.toUpperCase)).saveToKafka("sinkout")
stream.map(_.value).saveToKafka("sinkvals")
EOF
if "$streamc" "${ccflags[@]}" -o sink sink.stream 2> err && ./sink --clock manual --batches 2 > stdout 2> err; then
    kcat -C -e -q -b "$KAFKA_BOOTSTRAP" -t sinkout -f '%k=%s\n' 2>/dev/null | sort > got
    { seq 1 150 | sed 's/.*/a&=A&/'; seq 1 150 | sed 's/.*/b&=B&/'; } | sort > expected
    if diff expected got > /dev/null && [ "$(kafka_count sinkvals)" -eq 300 ]; then
        ok "saveToKafka: 300 records delivered once each, pairs as key and value"
    else
        bad "saveToKafka: $(wc -l < got) keyed records, $(kafka_count sinkvals) values (expected 300 each)"
    fi
else
    bad "saveToKafka: the program failed"
fi

finish
