#!/usr/bin/env bash
# redis.sh - what Redis adds to a batch (a real redis-server on loopback,
# tests/redis/lib.sh).
#   sink     a word count over KEYS distinct words per batch (queueStream,
#            manual clock) written with saveToRedis("hash", ..., "increment")
#            and with saveToRedis("hash", ...), against the same program
#            counting the batch without writing it: the overhead per batch
#            and per key. The writes are pipelined in one MULTI/EXEC.
#   offsets  a Kafka word count (build/kafka-mock, 4 partitions, KEYS
#            records per batch) with `offsets redis` against the same
#            program storing no offsets, and the Redis transaction's own
#            time (the batch times vary more than it: the mock broker).
# Prints medians of the batches' processing times (which include the Redis
# transaction); never asserts a time.
#   bash bench/redis.sh [KEYS] [BATCHES]
set -eu
. "$(dirname "$0")/lib.sh"
root=$bench_root
keys=${1:-100000}
batches=${2:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$root/tests/redis/lib.sh"
. "$root/tests/kafka/lib.sh"
cd "$work"
redis_start

batch_ms() { sed -n 's/.*INFO Batch [0-9]* ms: .* processing \([0-9.]*\) ms.*/\1/p' "$1" | median; }

# ---- sink: every batch holds `keys` distinct words, each twice ----
mkdir in
awk -v K="$keys" -v B="$batches" 'BEGIN { for (b = 0; b < B; b++) { f = sprintf("in/b%04d", b)
    for (i = 0; i < K; i++) print "word" i " word" i > f; close(f) } }'
prog() { # NAME OUTPUT-LINE
    printf 'app "%s"\nbatch 1s\nmaster "local[1]"\nval counts = ssc.queueStream("in").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)\n%s\n' \
        "$1" "$2" > "$1.stream"
    "$streamc" "$1.stream" -o "$1"
}
prog base 'counts.foreachRDD(r => r.count())'
prog incr 'counts.saveToRedis("hash", "counts", "increment")'
prog hset 'counts.saveToRedis("hash", "last")'
for p in base incr hset; do
    "./$p" --redis "$REDIS_URL" --clock manual --batches "$batches" 2> "$p.log" > /dev/null
done
total=$(redis_cli hget counts word0)
[ "$total" = $((2 * batches)) ] || { echo "redis.sh: the sink wrote word0 = $total, expected $((2 * batches))" >&2; exit 1; }
echo "Redis benchmark: $keys distinct keys per batch, $batches batches, one worker; redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') with appendfsync always"
awk -v b="$(batch_ms base.log)" -v i="$(batch_ms incr.log)" -v h="$(batch_ms hset.log)" -v k="$keys" 'BEGIN {
    printf "sink: batch %.1f ms without Redis, %.1f ms with HINCRBY, %.1f ms with HSET\n", b, i, h
    printf "sink: overhead %.1f ms per batch (%.2f us per key) with HINCRBY, %.1f ms (%.2f us per key) with HSET\n",
           i - b, (i - b) * 1000 / k, h - b, (h - b) * 1000 / k }'

# ---- offsets: a Kafka word count, `keys` records per batch ----
parts=4
kafka_start "words:$parts" > /dev/null
per=$((keys * batches / parts))
awk -v n="$per" 'BEGIN { for (i = 0; i < n; i++) print "w" (i % 5000) " x y" }' > part
split -l 50000 part chunk-
for p in $(seq 0 $((parts - 1))); do
    for c in chunk-*; do kafka_produce words "$p" < "$c"; done
done
rate=$((keys / parts)) # records per partition and second = per 1 s batch
kprog() { # NAME HEADER
    cat > "$1.stream" <<PROG
app "$1"
batch 1s
master "local[1]"
$2
conf "spark.streaming.kafka.maxRatePerPartition" = "$rate"
val kafkaParams = Map[String, Object]("bootstrap.servers" -> "$KAFKA_BOOTSTRAP", "group.id" -> "$1",
  "auto.offset.reset" -> "earliest")
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("words"), kafkaParams))
stream.map(_.value).flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _).foreachRDD(r => r.count())
PROG
    "$streamc" "$1.stream" -o "$1"
}
kprog knone ''
kprog kredis "offsets redis \"$REDIS_URL\""
for p in knone kredis; do
    "./$p" --clock manual --batches "$batches" --conf streamc.logLevel=DEBUG 2> "$p.log" > /dev/null
done
# the offsets' own cost: the Redis transaction of each batch
commit_ms=$(sed -n 's/.*DEBUG Redis at .* commands (.*) in \([0-9.]*\) ms/\1/p' kredis.log | median)
stored=$(redis_cli hget words 0)
[ "$stored" = $((rate * batches)) ] || { echo "redis.sh: offsets redis stored $stored for words/0, expected $((rate * batches))" >&2; exit 1; }
awk -v n="$(batch_ms knone.log)" -v r="$(batch_ms kredis.log)" -v c="$commit_ms" -v k="$keys" -v p="$parts" 'BEGIN {
    printf "offsets: Kafka batch of %d records over %d partitions %.1f ms storing no offsets, %.1f ms with offsets redis (%+.1f ms)\n",
           k, p, n, r, r - n
    printf "offsets: the Redis transaction (HSET per partition + guard) %.2f ms per batch, median\n", c }'
