#!/usr/bin/env bash
# kafka.sh - records/s of a compiled Kafka word count against `kcat -C -e`
# reading the same topic from the same cluster (build/kafka-mock on
# loopback). Prints both rates and their ratio (goal: >= 0.8). Each reader
# runs three times, the best run counts. Times are printed, never asserted.
#   bash bench/kafka.sh [RECORDS] [PARTITIONS]
set -eu
. "$(dirname "$0")/lib.sh"
root=$bench_root
records=${1:-1000000}
parts=${2:-16}  # the mock cluster keeps about 100 000 records per partition
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$root/tests/kafka/lib.sh"
cd "$work"
kafka_start "words:$parts"
awk -v n="$records" 'BEGIN { srand(11); for (i = 0; i < n; i++) {
    line = ""; for (w = 0; w < 8; w++) line = line (w ? " " : "") "w" int(rand() * rand() * 5000); print line } }' > lines
per=$(( (records + parts - 1) / parts ))
# (in chunks: one kcat producing much more than 100 000 records loses some)
for p in $(seq 0 $((parts - 1))); do
    tail -n +$((p * per + 1)) lines | head -n "$per" > part
    split -l 50000 part chunk-
    for c in chunk-*; do kafka_produce words "$p" < "$c"; done
    rm -f chunk-* part
done
cat > wc.stream <<PROG
batch 1s
val kafkaParams = Map[String, Object]("bootstrap.servers" -> "$KAFKA_BOOTSTRAP", "group.id" -> "bench",
  "auto.offset.reset" -> "earliest")
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("words"), kafkaParams))
stream.map(_.value).flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _).foreachRDD(r => println(r.count()))
PROG
"$streamc" wc.stream -o wc
best_kcat=0 best_ours=0
for _ in 1 2 3; do
    t0=$(now_ms)
    n=$(kcat -C -e -q -b "$KAFKA_BOOTSTRAP" -t words -o beginning | wc -l)
    t=$(( $(now_ms) - t0 ))
    [ "$n" -eq "$records" ] || { echo "kcat read $n of $records records"; exit 1; }
    r=$(( records * 1000 / (t > 0 ? t : 1) ))
    [ "$r" -gt "$best_kcat" ] && best_kcat=$r
    t0=$(now_ms)
    ./wc --clock manual --batches 1 --conf streamc.logLevel=WARN > out
    t=$(( $(now_ms) - t0 ))
    r=$(( records * 1000 / (t > 0 ? t : 1) ))
    [ "$r" -gt "$best_ours" ] && best_ours=$r
done
echo "kafka benchmark: $records records (8 words each) in $parts partitions on the mock cluster"
awk -v k="$best_kcat" -v o="$best_ours" 'BEGIN {
    printf "kcat -C -e | wc -l: %d records/s\nstreamc word count: %d records/s (read, split, count)\nratio %.2f (goal >= 0.8)\n", k, o, o / k }'
