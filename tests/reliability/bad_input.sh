#!/usr/bin/env bash
# bad_input.sh - bad input at run time never crashes a program and never
# loses good data (issue 10). For queueStream, textFileStream and
# socketTextStream, one program (written as a Spark user writes it) saves
# every batch's lines, a word count of `split(" ")` and the sum of
# `map(_.toInt)`; tests/reliability/bad_input.py computes what Spark would
# give from the same bytes and compares (byte for byte, word for word).
#
#   binary      random bytes (NUL, 0xff, lone '\r') mixed with good lines
#               and numbers: every line and word is there exactly; the lines
#               toInt rejects are the batch's dropped records (log line)
#   bigline     a 10 MB line without newline: one record; peak RSS of the
#               run below 10x the line (skipped on sanitizer builds)
#   nonl        a last line without newline is a record
#   crlf        "\r\n" ends a line: the '\r' is not part of the last word
#   utf8        invalid UTF-8 inside words comes back unchanged
#   empty       an empty file: a batch of 0 records
#   emptylines  empty lines are records "" ("".split(" ") is [""])
#   These seven for queueStream (--clock manual, one file per batch),
#   textFileStream (real clock, 200 ms batches, the files moved in one by
#   one) and socketTextStream (one connection per file: its last line ends
#   with the connection).
#   vanish      textFileStream while a loop creates, deletes and truncates
#               files: no crash, a WARN, files moved in later are read
#               exactly; queueStream whose listed file is removed: a WARN,
#               an empty batch, the others read
#   peer        a socket peer sends an 8 MB burst ending in an unfinished
#               line and is killed; a new peer on the same port: the
#               receiver reconnects; one connection ends with a reset; all
#               lines are counted exactly
#
# Usage: tests/reliability/bad_input.sh   Prints "bad-input: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_CFLAGS="-O1 -fsanitize=..." runs it on
#        other builds (a sanitizer's report fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=bad-input
find_streamc
helper=$root/tests/reliability/bad_input.py
work=$(mktemp -d)
sanitizer_logs "$work"
pids=()
cleanup() {
    [ "$BASHPID" = "$$" ] || return 0
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
py() { python3 "$helper" "$@"; }
# records LOG: the input records of all batches so far
records() { awk '/ INFO Batch [0-9]+ ms: / { n += $7 } END { print n + 0 }' "$1"; }
# nlines FILE...: their lines, each file's last one with or without newline
nlines() { local f n=0; for f; do n=$((n + $(grep -ac '' "$f"))); done; echo $n; }
# wait_records LOG N SECONDS: until the batches took N records
wait_records() {
    local deadline=$(( $(now_ms) + $3 * 1000 ))
    until [ "$(records "$1")" -ge "$2" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}
# stop PID: SIGTERM, then its status in $st (a watchdog kills it after 20 s)
stop() {
    kill -TERM "$1" 2>/dev/null
    ( sleep 20; kill -KILL "$1" 2>/dev/null ) > /dev/null 2>&1 &
    local wd=$!
    st=0; wait "$1" || st=$?
    kill -KILL "$wd" 2>/dev/null; wait "$wd" 2>/dev/null
}
# crashed WHAT STATUS LOG: a non-zero status or a sanitizer report fails WHAT.
crashed() {
    if [ "$2" -ne 0 ]; then bad "$1: exit status $2"; tail -5 "$3" | sed 's/^/    stderr: /'; return 0; fi
    if ls "$work"/sanitizer.* > /dev/null 2>&1; then
        bad "$1: sanitizer report: $(head -3 "$work"/sanitizer.* | tr '\n' ' ')"; rm -f "$work"/sanitizer.*; return 0
    fi
    return 1
}
sanitized() { case "${STREAMC_CFLAGS:-} ${SANITIZE:-}" in *sanitize*|*address*) return 0 ;; esac; return 1; }

# compile NAME SOURCE-EXPRESSION [""]: the program, writing out/{lines,wc,sum}-T
# (with a third argument "": only out/wc-T)
# (in the background: wait_compiled waits for them all)
compiling=()
compile() {
    local save='lines.saveAsTextFiles("out/lines")' sum='lines.map(_.toInt).reduce(_ + _).saveAsTextFiles("out/sum")'
    [ $# -gt 2 ] && save= sum=
    cat > "$1.stream" <<EOF
app "$1"
batch 200ms
master "local[2]"
val lines = $2
$save
lines.flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _).saveAsTextFiles("out/wc")
$sum
EOF
    "$streamc" "${ccflags[@]}" "$1.stream" -o "$1" > "$1.log" 2>&1 &
    compiling+=("$!")
}
wait_compiled() {
    local p st=0
    for p in "${compiling[@]}"; do wait "$p" || st=1; done
    if [ $st -ne 0 ]; then cat ./*.log; echo "bad-input: cannot compile the programs"; exit 1; fi
}

# check LOG ITEM...: bad_input.py check (LABEL=T=FILE,...); counts its verdicts.
check() {
    local log=$1; shift
    py check "$log" out "$@" > check.out 2>&1
    cat check.out
    pass=$((pass + $(grep -c '^ok ' check.out)))
    fail=$((fail + $(grep -c '^FAIL ' check.out)))
    if ! grep -qE '^(ok|FAIL) ' check.out; then bad "check $log: bad_input.py failed"; fi
}

# big_rss SRC FILE: the run's peak RSS against 10x the 10 MB line
big_rss() {
    local kb limit=$(( $(stat -c %s cases/02-bigline) * 10 / 1024 ))
    kb=$(cat "$2")
    if sanitized; then note "$1 bigline: peak RSS $((kb / 1024)) MiB on a sanitizer build (not checked)"
    elif [ "$kb" -lt "$limit" ]; then ok "$1 bigline: peak RSS $((kb / 1024)) MiB, below 10x the 10 MB line"
    else bad "$1 bigline: peak RSS $((kb / 1024)) MiB, not below $((limit / 1024)) MiB (10x the line)"; fi
}

port=$(free_port)
compile prog_q 'ssc.queueStream("q")'
compile prog_t 'ssc.textFileStream("t")'
compile prog_s "ssc.socketTextStream(\"127.0.0.1\", $port)"
compile prog_v 'ssc.textFileStream("v")' ""
compile prog_w 'ssc.queueStream("w")'
py gen cases
cases=$(ls cases)
wait_compiled

# ---------------------------------------------------------------- queueStream
mkdir q && cp cases/* q/
rm -rf out
st=0; py rss q.rss ./prog_q --clock manual --batches 7 > q.out 2> q.err || st=$?
if ! crashed "queueStream" "$st" q.err; then
    k=0 items=()
    for c in $cases; do k=$((k + 1)); items+=("queueStream $c: batch $((k * 200))=$((k * 200))=cases/$c"); done
    check q.err "${items[@]}"
    big_rss queueStream q.rss
fi

# ---------------------------------------------------------------- textFileStream
mkdir t t.tmp
rm -rf out
python3 "$helper" rss t.rss ./prog_t --ui-port 0 --conf streamc.logLevel=DEBUG > t.out 2> t.err &
pid=$!; pids+=("$pid")
if wait_for t.err "Started prog_t" 10; then
    for c in $cases; do
        cp "cases/$c" t.tmp/ && mv "t.tmp/$c" t/
        wait_for t.err "read t/$c " 10 || break
    done
    wait_for t.err "read t/$(ls cases | tail -1) " 1 && sleep 0.5
fi
stop "$pid"
if ! crashed "textFileStream" "$st" t.err; then
    # each file's batch: the first batch line after the file was read
    awk '/textFileStream: read t\// { sub(/^.*read t\//, ""); f = $1 }
         / INFO Batch [0-9]+ ms: / && f != "" { print f, $5; f = "" }' t.err > t.map
    items=()
    for c in $cases; do
        t=$(awk -v c="$c" '$1 == c { print $2 }' t.map)
        if [ -z "$t" ]; then bad "textFileStream $c: the file was not read"; continue; fi
        items+=("textFileStream $c: batch $t=$t=cases/$c")
    done
    check t.err "${items[@]}"
    big_rss textFileStream t.rss
fi

# ---------------------------------------------------------------- socketTextStream
rm -rf out
conns=(); for c in $cases; do conns+=("close:cases/$c"); done
python3 "$helper" serve "$port" s.ready "${conns[@]}" > /dev/null 2>&1 &
peer=$!; pids+=("$peer")
wait_for s.ready "" 5
python3 "$helper" rss s.rss ./prog_s --ui-port 0 > s.out 2> s.err &
pid=$!; pids+=("$pid")
want=$(nlines cases/*)
wait_records s.err "$want" 20
sleep 0.3
stop "$pid"
wait "$peer" 2>/dev/null
if ! crashed "socketTextStream" "$st" s.err; then
    items=(); for c in $cases; do items+=("cases/$c"); done
    check s.err "socketTextStream: seven connections (binary, 10 MB line, no newline, CRLF, bad UTF-8, empty, empty lines)=*=$(IFS=,; echo "${items[*]}")"
    big_rss socketTextStream s.rss
fi

# ---------------------------------------------------------------- vanish: textFileStream
# While the program watches v/, a loop links files in (an 8 MB a<i>, read
# first, then a small z<i>, and copies a y<i> in) and another removes the
# z files and truncates the y files, until a batch has listed a z file that
# was gone when its turn to be read came (at most 6 s); then files with
# known words are moved in.
mkdir v v.tmp
rm -rf out
awk 'BEGIN { for (i = 0; i < 400000; i++) print "churn words " i % 100 }' > big
awk 'BEGIN { for (i = 0; i < 1000; i++) print "small words " i }' > small
./prog_v --ui-port 0 > v.out 2> v.err &
pid=$!; pids+=("$pid")
vanished='WARN textFileStream: v/z[0-9]+ vanished before it was read'
if wait_for v.err "Started prog_v" 10; then
    : > churning
    ( i=0; while [ -e churning ]; do
        i=$((i + 1)); ln big "v/a$i"; ln small "v/z$i"; cp small "v.tmp/y$i"; mv "v.tmp/y$i" v/
        rm -f "v/a$((i - 2))"
      done ) &
    maker=$!; pids+=("$maker")
    ( while [ -e churning ]; do
        sleep 0.03; rm -f v/z*
        for f in v/y*; do [ -e "$f" ] && : > "$f"; done
      done ) &
    killer=$!; pids+=("$killer")
    wait_for v.err "$vanished" 6
    rm -f churning
    wait "$maker" "$killer" 2>/dev/null
    for i in 1 2 3; do
        awk -v i=$i 'BEGIN { for (k = 0; k < 1000; k++) print "final" i " last" i }' > "v.tmp/final$i"
        mv "v.tmp/final$i" v/
        sleep 0.25
    done
    sleep 0.5
fi
stop "$pid"
if ! crashed "vanish textFileStream" "$st" v.err; then
    finals=$(cat out/wc-*/part-* 2>/dev/null | grep -cE '^\((final|last)[123],1000\)$')
    warn=$(grep -cE "$vanished" v.err)
    if [ "$finals" -ne 6 ]; then
        bad "vanish textFileStream: the files moved in after the churn: $finals of 6 words counted 1000 times"
    elif [ "$warn" -eq 0 ]; then
        bad "vanish textFileStream: no WARN about a vanished file in 6 s"
    else
        ok "vanish textFileStream: files deleted and truncated while watched: no crash, $warn WARN(s), later files read exactly"
    fi
fi

# ---------------------------------------------------------------- vanish: queueStream
mkdir w
rm -rf out
printf 'a 1\n' > w/1; printf 'b 2\n' > w/2; printf 'c 3\n' > w/3; printf 'd 4\n' > w/4
./prog_w --ui-port 0 --batches 4 > w.out 2> w.err &
pid=$!; pids+=("$pid")
wait_for w.err "Started prog_w" 10 && rm w/2 && : > w/3
st=0; wait "$pid" || st=$?
if ! crashed "vanish queueStream" "$st" w.err; then
    got=$(cat out/lines-*/part-* 2>/dev/null | sort | tr '\n' ' ')
    if ! grep -q 'WARN queueStream: w/2 vanished; empty batch' w.err; then
        bad "vanish queueStream: no WARN for the removed file"
    elif [ "$got" != "a 1 d 4 " ] || [ "$(records w.err)" -ne 2 ]; then
        bad "vanish queueStream: lines \"$got\", expected \"a 1 d 4 \""
    else
        ok "vanish queueStream: a removed file: WARN and an empty batch; a truncated one: empty; the others read"
    fi
fi

# ---------------------------------------------------------------- peer
# An 8 MB burst ending in an unfinished line, then the peer is killed; a
# new peer on the same port sends more, and resets a connection after it.
rm -rf out
awk 'BEGIN { for (i = 0; i < 600000; i++) printf "burst%d %d\n", i % 1000, i % 97; printf "unfinished 12" }' > burst
awk 'BEGIN { for (i = 0; i < 1000; i++) print "second " i }' > second
awk 'BEGIN { for (i = 0; i < 1000; i++) print "reset " i }' > reset
awk 'BEGIN { for (i = 0; i < 1000; i++) print "third " i }' > third
rm -f s.ready
python3 "$helper" serve "$port" s.ready kill:burst > /dev/null 2>&1 &
peer=$!; pids+=("$peer")
wait_for s.ready "" 5
./prog_s --ui-port 0 > p.out 2> p.err &
pid=$!; pids+=("$pid")
wait "$peer" 2>/dev/null
wait_for p.err "WARN socket.*(closed by peer|refused)" 10
rm -f s.ready
python3 "$helper" serve "$port" s.ready close:second rstwait:reset close:third > /dev/null 2>&1 &
peer=$!; pids+=("$peer")
want=$(nlines burst second reset third)
wait_records p.err "$want" 20
sleep 0.3
stop "$pid"
kill "$peer" 2>/dev/null; wait "$peer" 2>/dev/null
if ! crashed "peer" "$st" p.err; then
    if ! grep -q 'reconnected' p.err; then
        bad "peer: the receiver did not reconnect"; grep -E 'WARN|INFO socket' p.err | head -5 | sed 's/^/    /'
    elif ! grep -qE 'WARN socket.*(reset|closed by peer)' p.err; then
        bad "peer: no WARN for the killed peer"
    else
        check p.err "peer: an 8 MB burst and a killed peer, a new peer, a reset: reconnected=*=burst,second,reset,third"
    fi
fi

finish
