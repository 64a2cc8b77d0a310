#!/usr/bin/env bash
# strings.sh - any string literal, identifier and file name gives C that
# compiles without a warning, and the program sees exactly the literal's bytes.
#
# Each case writes a program, checks that `streamc -S` output compiles with
# -Wall -Wextra -Wtrigraphs -Werror, builds and runs it with --clock manual,
# and compares the output byte for byte with what printf builds here.
# Usage: tests/e2e/strings.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
streamc="$root/build/streamc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lib.sh"
suite="strings"

# warning_free NAME DIR FILE: the C for DIR/FILE compiles with every warning an error.
warning_free() {
    if (cd "$2" && "$streamc" -S "$3" -o prog.c > cc.log 2>&1 &&
        gcc -std=gnu11 -Wall -Wextra -Wtrigraphs -Werror -I"$root/runtime" -c prog.c -o prog.o >> cc.log 2>&1); then
        ok
    else
        bad "$1: the generated C does not compile cleanly"; sed 's/^/    /' "$2/cc.log" | head -20
    fi
}

# same_bytes NAME EXPECTED ACTUAL
same_bytes() {
    if cmp -s "$2" "$3"; then
        ok
    else
        local at skip
        at=$(cmp "$2" "$3" 2>&1 | sed -n 's/.*byte \([0-9]*\).*/\1/p')
        skip=$(( ${at:-1} > 17 ? ${at:-1} - 17 : 0 ))
        bad "$1: bytes differ at byte ${at:-?} (expected, then actual, from byte $((skip + 1)))"
        od -c -j "$skip" -N 48 "$2" | sed 's/^/    /'; od -c -j "$skip" -N 48 "$3" | sed 's/^/    /'
    fi
}

# block TIME LINE...: one print() block; each LINE is a printf format.
block() {
    local t=$1 l
    shift
    printf -- '-------------------------------------------\nTime: %s ms\n-------------------------------------------\n' "$t"
    for l in "$@"; do printf -- "$l"; printf '\n'; done
    printf '\n'
}

# run_case NAME DIR FILE [streamc options...]: build DIR/FILE into DIR/prog and run one batch.
run_case() {
    local name=$1 dir=$2 file=$3
    shift 3
    if ! (cd "$dir" && "$streamc" "$@" "$file" -o prog > build.log 2>&1); then
        bad "$name: does not build"; sed 's/^/    /' "$dir/build.log" | head -20; return 1
    fi
    (cd "$dir" && timeout 60 ./prog --clock manual --batches 1 > stdout 2> stderr) || true
}

# ---------------------------------------------------------------------------
# 1. Literals: quotes, backslashes, comment and trigraph sequences, printf
#    conversions, every escape, NUL, UTF-8 and raw invalid UTF-8, in print,
#    interpolation, raw strings, keys, file prefixes, println, settings.
d="$work/literals"
mkdir -p "$d/input"
printf 'x\n' > "$d/input/1.txt"
{
    cat <<'EOF'
app "a\"b\\c*/ /* ??= ??/ %s %n é"
batch 1s
master "local[2]"
conf "streamc.test.note" = "v%s\"??/*/"
val int = ssc.queueStream("input")
int.map(register => "q\"b\\s*/c/*d??/e??=f??(g??)h??'i??<j??>k??!l??-m%s%n%d%%" + register).print()
int.map(x => "\t7\u00000\u00017|\t|\n|\r|\b|\f|\'|\u0000|\u00e9\u4e2d\ud83d\ude00\uuu0041|é中文😀|" + x).print()
int.map(x => s"x=$x %s ??/ */ $$ \u0000 ${x + "\"?"}|" + """raw \n "??/ */ /*""").print()
int.map(x => ("a\u0000b".length, "a\u0000b" == "a\u0000c", "a\u0000b".split("\u0000").length, "a\u0000b".replace("\u0000", "<0>"), "a\u0000b".contains("\u0000b"))).print()
int.flatMap(x => Seq("k\u0000", "k", "k\u0000b", "k\u0000")).map((_, 1)).reduceByKey(_ + _).transform(rdd => rdd.sortByKey(true)).print()
EOF
    printf 'int.map(x => "A\377B\303\200\303C\355\240\200D" + """R\376\t""" + s"I\377$x\300").print()\n'
    cat <<'EOF'
int.flatMap(x => Seq("s\u0000%s", "??/\u0001*/")).saveAsTextFiles("out/p%s%n??=\"q*/é", "t%s")
int.foreachRDD(rdd => println("drv\u0000%s??/\u00e9\"" + rdd.count()))
EOF
} > "$d/prog.stream"
warning_free literals "$d" prog.stream
if run_case literals "$d" prog.stream; then
    {
        block 1000 'q"b\\s*/c/*d??/e??=f??(g??)h??'"'"'i??<j??>k??!l??-m%%s%%n%%d%%%%x'
        block 1000 '\t7\0000\0017|\t|\n|\r|\b|\f|'"'"'|\000|\303\251\344\270\255\360\237\230\200A|\303\251\344\270\255\346\226\207\360\237\230\200|x'
        block 1000 'x=x %%s ??/ */ $ \000 x"?|raw \\n "??/ */ /*'
        block 1000 '(3,false,2,a<0>b,true)'
        block 1000 '(k,1)' '(k\000,2)' '(k\000b,1)'
        block 1000 'A\377B\303\200\303C\355\240\200DR\376\tI\377x\300'
        printf 'drv\000%%s??/\303\251"1\n'
    } > "$d/expected"
    same_bytes "literals: stdout" "$d/expected" "$d/stdout"
    out="$d/out/p%s%n??=\"q*/é-1000.t%s"
    printf 's\000%%s\n??/\001*/\n' > "$d/expected.part"
    if [ -f "$out/_SUCCESS" ]; then
        cat "$out"/part-* > "$d/actual.part"
        same_bytes "literals: saveAsTextFiles" "$d/expected.part" "$d/actual.part"
    else
        bad "literals: no directory $out"; ls -R "$d/out" | sed 's/^/    /' | head
    fi
    if grep -qF 'Started a"b\c*/ /* ??= ??/ %s %n é:' "$d/stderr"; then ok; else
        bad "literals: app name"; sed 's/^/    /' "$d/stderr" | head -5
    fi
fi
# The same C with trigraphs on (after -std=gnu11, which turns them off):
# the escapes must not depend on them.
if gcc -O2 ${RUNTIME_FLAGS:-} -std=gnu11 -trigraphs -w -I"$root/runtime" -o "$d/prog3" "$d/prog.c" "$root/build/libstreamrt.a" \
        -lpthread -lm -lrdkafka -lhiredis > "$d/cc3.log" 2>&1; then
    (cd "$d" && timeout 60 ./prog3 --clock manual --batches 1 > stdout3 2> /dev/null) || true
    same_bytes "literals -trigraphs: stdout" "$d/expected" "$d/stdout3"
else
    bad "literals -trigraphs: does not build"; sed 's/^/    /' "$d/cc3.log" | head -10
fi

# ---------------------------------------------------------------------------
# 2. Identifiers named like C keywords, C library names and the generated
#    code's own names: vals, lambda parameters, block locals, patterns.
d="$work/identifiers"
mkdir -p "$d/input"
printf 'x\n' > "$d/input/1.txt"
cat > "$d/prog.stream" <<'EOF'
app "main"
batch 1s
master "local[2]"
val NULL = 3
val errno = "e"
val stdin = ssc.queueStream("input")
val int = stdin.map(char => char + errno)
val unsigned = int.map(auto => { var register = auto; val static = NULL; val sizeof = register.length + static; register += "r"; (register, sizeof) })
val struct = unsigned.map(_._2).map(cx => { var io = 0; for (m <- Seq(1, 2, 3)) { io += m }; io + cx })
val goto = unsigned.map { case (b, x) => (b, x) }.reduceByKey((i, j) => i + j)
goto.print()
struct.print()
val sr_str = stdin.map(L0 => (L0, 1)).updateStateByKey((T1: Seq[Int], M3: Option[Int]) => Some(T1.sum + M3.getOrElse(0)))
sr_str.print()
stdin.map(printf => (printf, 2)).join(stdin.map(malloc => (malloc, 3))).map(node_3 => node_3._2._1 + node_3._2._2).print()
stdin.foreachRDD(task => { val out_0 = task.count(); val exit = out_0 + NULL; println(s"exit=$exit") })
stdin.window(Seconds(2), Seconds(1)).map(SR_LIT => SR_LIT + "w").filter(_tmp1 => _tmp1.length > 0).map(p0 => p0).print()
val default = stdin.map(_Bool => { val volatile = _Bool; val _Static_assert = volatile + "!"; val main = _Static_assert.length; val EOF = main * 2; EOF })
default.print()
EOF
warning_free identifiers "$d" prog.stream
if run_case identifiers "$d" prog.stream; then
    {
        block 1000 '(xer,5)'
        block 1000 '11'
        block 1000 '(x,1)'
        block 1000 '5'
        printf 'exit=4\n'
        block 1000 'xw'
        block 1000 '4'
    } > "$d/expected"
    same_bytes "identifiers: stdout" "$d/expected" "$d/stdout"
fi

# ---------------------------------------------------------------------------
# 3. File names with quotes, backslashes, trigraphs, `*/`, a newline and
#    UTF-8: they reach comments, #line and the runtime's messages.
rel=$'w"e\\i ??/ %s\nx*' # compiled from $work as "$rel/$f", so the whole path shows
d="$work/$rel"
mkdir -p "$d" "$work/input"
printf '1\nno\n' > "$work/input/1.txt"
f=$'p ??= q"\303\251.stream'
printf 'batch 1s\nval s = ssc.queueStream("input")\ns.map(_.toInt + 1).print()\n' > "$d/$f"
warning_free "file names" "$work" "$rel/$f"
if run_case "file names" "$work" "$rel/$f"; then
    block 1000 '2' > "$d/expected"
    same_bytes "file names: stdout" "$d/expected" "$work/stdout"
    if [[ $(cat "$work/stderr") == *"$rel/$f:3:7: dropped a record"* ]]; then ok; else
        bad "file names: the dropped record names file:line"; sed 's/^/    /' "$work/stderr" | head -5
    fi
fi
# the C file's own name goes into #line too
if (cd "$work" && "$streamc" -S "$rel/$f" -o "$rel/o??=\".c" > cc.log 2>&1 &&
    gcc -std=gnu11 -Wall -Wextra -Wtrigraphs -Werror -I"$root/runtime" -c "$rel/o??=\".c" -o o.o >> cc.log 2>&1); then
    ok
else
    bad "file names: -S -o with an odd name"; sed 's/^/    /' "$work/cc.log" | head -10
fi
# and the temporary C file lives in TMPDIR
mkdir -p "$d/tmp"
if (cd "$work" && TMPDIR="$d/tmp" "$streamc" "$rel/$f" -o prog2 > cc.log 2>&1); then ok; else
    bad "file names: TMPDIR with an odd name"; sed 's/^/    /' "$work/cc.log" | head -10
fi

# ---------------------------------------------------------------------------
# 4. Names that go to Kafka, Redis and checkpoints (compiled, not run).
d="$work/sinks"
mkdir -p "$d"
cat > "$d/prog.stream" <<'EOF'
app "k\"a??/fka*/"
batch 1s
checkpoint "ck*/??=\"x"
redis "redis://127.0.0.1:6379/0"
offsets redis "redis://127.0.0.1:6379/0??/"
val kafkaParams = Map[String, Object](
  "bootstrap.servers" -> "localhost:9092??/",
  "group.id" -> "g\"%s%n*/é",
  "auto.offset.reset" -> "earliest")
val topics = Array("t\"??=%s*/\u00e9", "plain")
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent, Subscribe[String, String](topics, kafkaParams))
val register = stream.map(record => (record.key + "\"??/", record.value))
register.saveToKafka("out\"??/%s*/topic")
register.saveToRedis("hash", "key\"??=%s*/\u0001")
register.map(x => (x._1, 1)).reduceByKey(_ + _).name("st\"??/*/%s").saveToRedis("kv", "pre??/\"")
val pats = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent, SubscribePattern[String, String](Pattern.compile("pa\"t??/*/"), kafkaParams))
pats.map(_.value).print()
EOF
warning_free sinks "$d" prog.stream

finish
