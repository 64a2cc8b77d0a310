#!/usr/bin/env bash
# sink.sh - saveToRedis against a real redis-server (tests/redis/lib.sh).
#
# One program writes 4 queueStream files (random words, one file of 1500
# lines so a batch has several partitions) with every form of docs/redis.md,
# --clock manual --batches 4, the address given with --redis:
#   hash       saveToRedis("hash", "h"): HSET, the last value wins: every
#              word holds its count in the last batch it appeared in
#   last       a stream of (first word, line) into a hash: within a batch the
#              last element for a key wins (partition order = input order)
#   incr       saveToRedis("hash", "hi", "increment"): HINCRBY, the totals
#              equal the word counts of all the input
#   incrd      Double values, increment: HINCRBYFLOAT totals (0.25 per word)
#   named      saveToRedis("hash", "hn", mode = "increment")
#   kv         saveToRedis("kv", "wc:"): SET wc:<word> <count of the last
#              batch>; saveToRedis("kv"): no prefix
#   kvincr     saveToRedis("kv", "t:", "increment"): INCRBY totals
#   list       saveToRedis("list", "words"): RPUSH, every word of every batch
#              in input order; a list of pairs holds "(a,1)" elements
#   set        saveToRedis("set", "ws"): SADD, the distinct words
#   format     values are written as print() shows them: "(3,1.5)", "(4,2.0)"
#   guard      streamc:<app>:batch holds <lineage>:<the last batch's time> (:4000)
#   setting    the address from the program's `redis "URL"` setting, and from
#              spark.redis.host/port/db given with --conf (no --redis)
#   rejected   HINCRBY into a hash field holding "abc": status 1 and a message
#              naming Redis' error; RPUSH to a key holding a string: status 1,
#              WRONGTYPE named
#
# Usage: tests/redis/sink.sh     Prints "redis-sink: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=redis-sink
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

# the redis output of a command, one value a line
rc() { redis_cli "$@" 2>&1; }

redis_start || { bad "cannot start redis-server"; finish; }

# --- the input: 4 files, the third one has 1500 lines --------------------
mkdir in
awk -v seed="${SEED:-$RANDOM}" 'BEGIN {
    srand(seed)
    for (f = 1; f <= 4; f++) {
        file = sprintf("in/f%d", f); n = (f == 3) ? 1500 : 200
        for (l = 0; l < n; l++) {
            line = ""
            for (w = 0; w < 5; w++) line = line (w ? " " : "") "w" int(rand() * rand() * 60)
            print line > file
        }
        if (f <= 2) print "only" f " only" f " only" f > file   # words missing from the last batch
        close(file)
    }
}'
words_of() { cat "$@" | tr ' ' '\n' | grep -v '^$'; }
counts_of() { words_of "$@" | sort | uniq -c | awk '{ print $2, $1 }' | sort; }
# each word's count in the last file it appears in
last_counts() {
    local f
    for f in in/f1 in/f2 in/f3 in/f4; do counts_of "$f"; done |
        awk '{ c[$1] = $2 } END { for (w in c) print w, c[w] }' | sort
}

cat > prog.stream <<'EOF'
app "SinkTest"
batch 1s
master "local[2]"
val lines = ssc.queueStream("in")
val words = lines.flatMap(_.split(" "))
val pairs = words.map(w => (w, 1))
val counts = pairs.reduceByKey(_ + _)
counts.saveToRedis("hash", "h")
lines.map(l => (l.split(" ")(0), l)).saveToRedis("hash", "last")
counts.saveToRedis("hash", "hi", "increment")
words.map(w => (w, 0.25)).reduceByKey(_ + _).saveToRedis("hash", "hd", "increment")
counts.saveToRedis("hash", "hn", mode = "increment")
counts.saveToRedis("kv", "wc:")
counts.map(p => ("bare" + p._1, p._2)).saveToRedis("kv")
counts.saveToRedis("kv", "t:", "increment")
words.saveToRedis("list", "words")
counts.filter(_._1 == "w0").saveToRedis("list", "plist")
words.saveToRedis("set", "ws")
counts.map(p => (p._1, (p._2, p._2 * 0.5))).saveToRedis("hash", "hf")
EOF

if ! "$streamc" "${ccflags[@]}" -o app prog.stream 2> err; then
    bad "compile: the saveToRedis forms of docs/redis.md do not compile"
else
    timeout 60 ./app --redis "$REDIS_URL" --clock manual --batches 4 > stdout 2> err
    status=$?
    if [ $status -ne 0 ]; then
        bad "run: status $status (expected 0 after --batches 4)"
    else
        ok "run: 4 batches with 13 Redis sinks, status 0"
    fi

    # hash (set mode)
    redis_hash h > got
    last_counts > expected
    if [ -s expected ] && diff expected got > /dev/null; then
        ok "hash: HSET, each of $(wc -l < got) fields holds the word's count in the last batch it appeared in"
    else
        bad "hash: HGETALL h differs from the last counts ($(wc -l < got) fields, expected $(wc -l < expected)): $(diff expected got | head -4 | tr '\n' ' ')"
    fi

    # last element for a key wins, within and across batches
    cat in/f1 in/f2 in/f3 in/f4 | awk '{ l[$1] = $0 } END { for (k in l) print k, l[k] }' | sort > expected
    redis_hash last > got
    if [ -s expected ] && diff expected got > /dev/null; then
        ok "last: within a batch of 1500 lines (several partitions) the last element for a key wins"
    else
        bad "last: HGETALL last differs from the last line per first word: $(diff expected got | head -4 | tr '\n' ' ')"
    fi

    # increment: totals of all input
    counts_of in/f* > expected
    redis_hash hi > got
    if [ -s expected ] && diff expected got > /dev/null; then
        ok "incr: HINCRBY totals equal the word counts of all $(words_of in/f* | wc -l) words"
    else
        bad "incr: HGETALL hi differs from the word counts of all input: $(diff expected got | head -4 | tr '\n' ' ')"
    fi

    redis_hash hd > gotd
    if [ -s gotd ] && join expected gotd | awk '$2 * 0.25 != $3 + 0 { bad++ } END { exit bad > 0 }' &&
       [ "$(wc -l < gotd)" -eq "$(wc -l < expected)" ]; then
        ok "incrd: HINCRBYFLOAT totals of Double values equal 0.25 x the word counts"
    else
        bad "incrd: HGETALL hd: $(join -a1 -a2 expected gotd | awk '$2 * 0.25 != $3 + 0' | head -3 | tr '\n' ' ')"
    fi

    redis_hash hn > got
    if [ -s expected ] && diff expected got > /dev/null; then
        ok "named: mode = \"increment\" gives the same totals"
    else
        bad "named: HGETALL hn differs from the word counts of all input: $(diff expected got | head -4 | tr '\n' ' ')"
    fi

    # kv
    last_counts > expected_last
    for k in $(rc --scan --pattern 'wc:*' | sort); do echo "${k#wc:} $(rc GET "$k")"; done | sort > got
    if [ -s got ] && diff expected_last got > /dev/null; then
        ok "kv: SET wc:<word> holds the word's last count ($(wc -l < got) keys)"
    else
        bad "kv: keys wc:* differ from the last counts: $(diff expected_last got | head -4 | tr '\n' ' ')"
    fi
    for k in $(rc --scan --pattern 'bare*' | sort); do echo "${k#bare} $(rc GET "$k")"; done | sort > got
    if [ -s got ] && diff expected_last got > /dev/null; then
        ok "kv: saveToRedis(\"kv\") without a prefix: the key is the pair's key"
    else
        bad "kv: keys bare* (no prefix) differ from the last counts: $(diff expected_last got | head -4 | tr '\n' ' ')"
    fi
    for k in $(rc --scan --pattern 't:*' | sort); do echo "${k#t:} $(rc GET "$k")"; done | sort > got
    if [ -s got ] && diff expected got > /dev/null; then
        ok "kvincr: INCRBY t:<word> totals equal the word counts of all input"
    else
        bad "kvincr: keys t:* differ from the word counts: $(diff expected got | head -4 | tr '\n' ' ')"
    fi

    # list
    words_of in/f1 in/f2 in/f3 in/f4 > expected
    rc LRANGE words 0 -1 > got
    if [ -s expected ] && diff expected got > /dev/null; then
        ok "list: RPUSH, all $(wc -l < got) words of the 4 batches in input order"
    else
        bad "list: LRANGE words has $(wc -l < got) elements, expected the $(wc -l < expected) words in order: $(diff expected got | head -4 | tr '\n' ' ')"
    fi
    for f in in/f1 in/f2 in/f3 in/f4; do words_of "$f" | grep -c '^w0$'; done | awk '$1 > 0 { print "(w0," $1 ")" }' > expected
    rc LRANGE plist 0 -1 > got
    if [ -s expected ] && diff expected got > /dev/null; then
        ok "list: pairs are pushed as print() shows them: $(head -2 got | tr '\n' ' ')"
    else
        bad "list: LRANGE plist: got '$(head -4 got | tr '\n' ' ')', expected '$(head -4 expected | tr '\n' ' ')'"
    fi

    # set
    words_of in/f* | sort -u > expected
    rc SMEMBERS ws | sort > got
    if [ -s expected ] && diff expected got > /dev/null; then
        ok "set: SADD, the $(wc -l < got) distinct words"
    else
        bad "set: SMEMBERS ws differs from the distinct words: $(diff expected got | head -4 | tr '\n' ' ')"
    fi

    # values as print() shows them
    last_counts | awk '{ printf "%s (%d,%s)\n", $1, $2, ($2 % 2 ? ($2 - 1) / 2 ".5" : $2 / 2 ".0") }' > expected
    redis_hash hf > got
    if [ -s expected ] && diff expected got > /dev/null; then
        ok "format: a value (Int, Double) is written as print() shows it: $(head -1 got)"
    else
        bad "format: HGETALL hf: $(diff expected got | head -4 | tr '\n' ' ')"
    fi

    # guard key
    g=$(rc GET streamc:SinkTest:batch)
    if [[ $g =~ ^[0-9a-f]{16}:4000$ ]]; then
        ok "guard: streamc:SinkTest:batch = $g, the run's lineage and the last batch's time"
    else
        bad "guard: streamc:SinkTest:batch = '$g', expected <16 hex digits>:4000"
    fi
fi

# --- the address from the program's setting and from spark.redis.* -------
redis_cli FLUSHALL > /dev/null
cat > addr.stream <<EOF
app "SinkAddr"
batch 1s
redis "redis://127.0.0.1:$REDIS_PORT/2"
val counts = ssc.queueStream("in").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)
counts.saveToRedis("hash", "hi", "increment")
EOF
counts_of in/f1 in/f2 > expected
"$streamc" "${ccflags[@]}" -o addr addr.stream 2> err; cst=$? rst=
[ $cst -eq 0 ] && { timeout 60 ./addr --clock manual --batches 2 > stdout 2> err; rst=$?; }
if [ $cst -ne 0 ]; then
    bad "setting: the program with a redis \"URL\" setting does not compile (streamc status $cst)"
elif [ "$rst" -ne 0 ]; then
    bad "setting: the program with a redis \"URL\" setting failed (status $rst)"
elif redis_hash hi 2 > got && diff expected got > /dev/null && [ "$(rc -n 2 GET streamc:SinkAddr:batch | cut -d: -f2)" = 2000 ]; then
    ok "setting: redis \"redis://127.0.0.1:PORT/2\" in the program: database 2 holds the totals and the guard"
else
    bad "setting: with the program's redis setting (db 2) the totals are not in database 2: '$(head -3 got | tr '\n' ' ')'"
fi
cat > conf.stream <<'EOF'
app "SinkConf"
batch 1s
val counts = ssc.queueStream("in").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)
counts.saveToRedis("hash", "hi", "increment")
EOF
"$streamc" "${ccflags[@]}" -o conf conf.stream 2> err; cst=$? rst=
[ $cst -eq 0 ] && { timeout 60 ./conf --clock manual --batches 2 --conf spark.redis.host=127.0.0.1 --conf spark.redis.port="$REDIS_PORT" \
    --conf spark.redis.db=4 > stdout 2> err; rst=$?; }
if [ $cst -ne 0 ]; then
    bad "setting: the spark.redis.* program does not compile (streamc status $cst)"
elif [ "$rst" -ne 0 ]; then
    bad "setting: with --conf spark.redis.host/port/db the program failed (status $rst)"
elif redis_hash hi 4 > got && diff expected got > /dev/null; then
    ok "setting: --conf spark.redis.host/port/db: database 4 holds the totals"
else
    bad "setting: with --conf spark.redis.host/port/db=4 the totals are not in database 4: '$(head -3 got | tr '\n' ' ')'"
fi

# --- rejected commands ------------------------------------------------------
redis_cli FLUSHALL > /dev/null
redis_cli HSET bad w0 abc > /dev/null
cat > rej.stream <<'EOF'
app "SinkReject"
batch 1s
val counts = ssc.queueStream("in").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)
counts.saveToRedis("hash", "bad", "increment")
EOF
if "$streamc" "${ccflags[@]}" -o rej rej.stream 2> err; then
    timeout 60 ./rej --redis "$REDIS_URL" --clock manual --batches 3 > stdout 2> err
    status=$?
    if [ $status -eq 1 ] && grep -q 'HINCRBY' err && grep -qi 'not an integer' err; then
        ok "rejected: HINCRBY into a field holding \"abc\": status 1, \"$(grep -i 'not an integer' err | head -1 | sed -E 's/^[0-9\/]+ [0-9:]+ [A-Z]+ //')\""
    else
        bad "rejected: HINCRBY into a text field: status $status (expected 1); message names HINCRBY: $(grep -q HINCRBY err && echo yes || echo no), Redis' error: $(grep -qi 'not an integer' err && echo yes || echo no)"
    fi
    if [ "$(rc HGET bad w0)" = abc ]; then
        ok "rejected: the text field is left as it was"
    else
        bad "rejected: HGET bad w0 = '$(rc HGET bad w0)', expected abc"
    fi
else
    bad "rejected: does not compile"
fi
redis_cli SET wl text > /dev/null
cat > rej2.stream <<'EOF'
app "SinkReject2"
batch 1s
ssc.queueStream("in").saveToRedis("list", "wl")
EOF
if "$streamc" "${ccflags[@]}" -o rej2 rej2.stream 2> err; then
    timeout 60 ./rej2 --redis "$REDIS_URL" --clock manual --batches 3 > stdout 2> err
    status=$?
    if [ $status -eq 1 ] && grep -q 'RPUSH' err && grep -q 'WRONGTYPE' err; then
        ok "rejected: RPUSH to a key holding a string: status 1, the message names RPUSH and WRONGTYPE"
    else
        bad "rejected: RPUSH to a string key: status $status (expected 1); message names RPUSH: $(grep -q RPUSH err && echo yes || echo no), WRONGTYPE: $(grep -q WRONGTYPE err && echo yes || echo no)"
    fi
else
    bad "rejected: the list program does not compile"
fi

finish
