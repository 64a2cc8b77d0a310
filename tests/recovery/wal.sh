#!/usr/bin/env bash
# wal.sh - the receiver's write-ahead log (spark.streaming.receiver.
# writeAheadLog.enable=true with --checkpoint): kill -9 loses no line the
# socket receiver got.
#
# The program keeps running word totals (updateStateByKey) of the lines of
# socketTextStream and prints them every batch (1 s, real clock). A python
# peer sends numbered lines in bursts, each line exactly once over all
# connections (a burst goes to the connection of the program running).
# Before a kill the test waits until the log holds every byte sent (no line
# is still in flight in the kernel), so the final totals must equal the
# counts of every line sent.
#
#   a   with the log: four runs, three kill -9s: right after a burst is
#       received and before a batch took it (twice: its lines exist only in
#       the log), and after batches took lines but before a checkpoint (the
#       journal's batches are replayed from the log). The last run's totals
#       are exact; the restarts report log bytes to deliver, at least one
#       batch is replayed; no ERROR; SIGTERM then stops it with status 0.
#   b   the same without the log: the burst received just before the kill
#       is lost (and the input of the batches after the last checkpoint,
#       which cannot be replayed): the totals are short of at least that
#       burst (the test can fail).
#   c   segments are deleted: with rollingIntervalSecs=1 and a checkpoint
#       every second, an 8 s stream leaves a bounded number of segments,
#       the first one deleted, and the totals exact.
#
# Usage: tests/recovery/wal.sh      Prints "wal: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report on stderr fails it).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
suite=wal
find_streamc
command -v python3 > /dev/null || { echo "wal: python3 is needed"; exit 1; }
work=$(mktemp -d)
pids=()   # every program and peer started, killed by pid on exit
cleanup() {
    [ "$BASHPID" = "$$" ] || return 0
    exec 3>&- 2>/dev/null || true
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

ok_scan='err*'   # a sanitizer's report in a program's stderr turns an ok into a failure
# bad MSG: its own: the errors, warnings and recovery lines of every err* file
bad() {
    echo "FAIL $1"; fail=$((fail + 1))
    local f
    for f in err*; do [ -f "$f" ] && grep -E 'ERROR|WARN|Sanitizer|runtime error|Recovering|write-ahead' "$f" | tail -6 | sed "s/^/    $f: /"; done
    return 0
}

# until_true SECONDS COMMAND...: until the command succeeds; 1 on timeout.
until_true() {
    local deadline=$(( $(now_ms) + $1 * 1000 ))
    until "${@:2}"; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}
has() { grep -qE -- "$2" "$1" 2>/dev/null; }

# ---------------------------------------------------------------- the peer
# Commands on stdin: "burst N" sends the next N lines to the live connection
# (accepting a new one if the last is closed), then prints "sent LINES BYTES";
# each line is sent once. The lines sent go to sent.txt.
cat > peer.py <<'EOF'
import os, select, socket, sys
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open("port.tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename("port.tmp", sys.argv[1])
sent = open(sys.argv[2], "a")
conn, n, nbytes = None, 0, 0

def alive(c):
    # the program never sends: readable means closed
    r, _, _ = select.select([c], [], [], 0)
    if not r:
        return True
    try:
        return len(c.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)) > 0
    except BlockingIOError:
        return True
    except OSError:
        return False

for cmd in sys.stdin:
    cmd = cmd.split()
    if not cmd or cmd[0] == "quit":
        break
    k = int(cmd[1])
    if conn is not None and not alive(conn):
        conn.close()
        conn = None
    if conn is None:
        ls.settimeout(20)
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            print("error: nobody connected", flush=True)
            continue
    text = "".join("w%d v%d\n" % (i % 4, i % 5) for i in range(n, n + k))
    try:
        conn.sendall(text.encode())
    except OSError as e:
        print("error: %s" % e, flush=True)
        conn.close()
        conn = None
        continue
    n += k
    nbytes += len(text)
    sent.write(text)
    sent.flush()
    print("sent %d %d" % (n, nbytes), flush=True)
EOF

# start_peer: the peer on a free port ($port), commands through fd 3.
start_peer() {
    rm -f ctl port status sent.txt && mkfifo ctl && : > status && : > sent.txt
    python3 peer.py port sent.txt < ctl > status 2> peer.err &
    peer=$!; pids+=("$peer")
    exec 3> ctl
    until_true 5 test -s port || { echo "wal: the peer did not start"; cat peer.err; exit 1; }
    port=$(cat port)
}
stop_peer() {
    echo quit >&3 2>/dev/null || true
    exec 3>&-
    wait "$peer" 2>/dev/null || true
}
# burst N: send N more lines; $sent_bytes is the total sent. 1 on failure.
burst() {
    local before
    before=$(wc -l < status)
    echo "burst $1" >&3
    # the peer's answer: counted again at every try (an argument
    # "$(wc -l < status)" would be counted once, before the peer answers)
    until_true 25 eval '[ "$(wc -l < status)" -gt "$before" ]' || return 1
    local last
    last=$(tail -1 status)
    case $last in sent\ *) sent_bytes=${last##* } ;; *) echo "    peer: $last"; return 1 ;; esac
}

# log_end DIR: the end offset of the write-ahead log in DIR (0 if none).
log_end() {
    local last
    last=$(ls "$1" 2>/dev/null | grep '^seg-' | sort | tail -1)
    [ -n "$last" ] || { echo 0; return; }
    echo $(( 10#${last#seg-} + $(stat -c %s "$1/$last") ))
}
logged_all() { [ "$(log_end "$1")" -ge "$sent_bytes" ]; }

# align: wait until 100-250 ms after a batch boundary (batches at whole seconds).
align() { until_true 2 eval '[ $(( $(now_ms) % 1000 )) -ge 100 ] && [ $(( $(now_ms) % 1000 )) -le 250 ]'; }

# expected / totals FILE: the word counts of sent.txt / of the last batch
# printed in FILE, as sorted "(word,n)" lines.
expected() { awk '{ for (i = 1; i <= NF; i++) c[$i]++ } END { for (w in c) printf "(%s,%d)\n", w, c[w] }' sent.txt | sort; }
totals() { awk '/^Time:/ { n = 0; delete b } /^\(/ { b[n++] = $0 } END { for (i = 0; i < n; i++) print b[i] }' "$1" | sort; }
totals_are_expected() { [ "$(totals "$1")" = "$(expected)" ]; }
sum_of() { tr -d '()' | awk -F, '{ s += $2 } END { print s + 0 }'; }

# compile NAME [HEADER]: running totals of the peer's words, printed.
compile() {
    cat > "$1.stream" <<EOF
app "$1"
batch 1s
master "local[2]"
${2:-}
val lines = ssc.socketTextStream("127.0.0.1", $port)
val totals = lines.flatMap(l => l.split(" ")).map(w => (w, 1))
  .updateStateByKey((vs: Seq[Int], st: Option[Int]) => Some(vs.sum + st.getOrElse(0)))
totals.print()
EOF
    "$streamc" "${ccflags[@]}" "$1.stream" -o "$1" > "$1.log" 2>&1 || { cat "$1.log"; exit 1; }
}

# run NAME K ARGS...: start run K of the program (stdout outK, stderr errK).
run() {
    "./$1" "${@:3}" > "out$2" 2> "err$2" &
    pid=$!; pids+=("$pid")
    until_true 10 has "err$2" "socket 127.0.0.1:$port: connected" || return 1
}
kill9() { kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
# stop_prog: SIGTERM, status in $st; a watchdog kills it after 10 s.
stop_prog() {
    ( sleep 10; kill -KILL "$pid" 2>/dev/null ) > /dev/null 2>&1 &
    local wd=$!
    kill -TERM "$pid"
    st=0; wait "$pid" || st=$?
    kill -KILL "$wd" 2>/dev/null || true; wait "$wd" 2>/dev/null || true
}

wal_conf=(--conf spark.streaming.receiver.writeAheadLog.enable=true)

# ---------------------------------------------------------------- a
a() {
    rm -f out* err*
    start_peer
    compile wal
    local ck=$work/ck_a logdir=$work/ck_a/wal/socket_127.0.0.1_$port step
    local args=(--checkpoint "$ck" "${wal_conf[@]}")
    run wal 1 "${args[@]}" || { bad "a: run 1 did not connect"; return; }
    # run 1: a burst processed, then one received and killed before a batch takes it
    step=1
    burst 1000 && until_true 5 logged_all "$logdir" && sleep 2.2 &&
        align && burst 1500 && until_true 5 logged_all "$logdir" || { bad "a: run 1: burst $step not logged"; return; }
    kill9
    # run 2: batches take a burst (journaled, no checkpoint for 10 s), killed after
    run wal 2 "${args[@]}" || { bad "a: run 2 did not connect"; return; }
    burst 2000 && until_true 5 logged_all "$logdir" && sleep 1.5 || { bad "a: run 2: burst not logged"; return; }
    kill9
    # run 3: again killed right after a burst is received
    run wal 3 "${args[@]}" || { bad "a: run 3 did not connect"; return; }
    align && burst 2500 && until_true 5 logged_all "$logdir" || { bad "a: run 3: burst not logged"; return; }
    kill9
    # run 4: one more burst, then the totals must be exact
    run wal 4 "${args[@]}" || { bad "a: run 4 did not connect"; return; }
    burst 500 && until_true 5 logged_all "$logdir" || { bad "a: run 4: burst not logged"; return; }
    if ! until_true 10 totals_are_expected out4; then
        bad "a: the last totals are $(totals out4 | tr '\n' ' ')(sum $(totals out4 | sum_of)), expected $(expected | tr '\n' ' ')(sum $(expected | sum_of))"
        stop_prog; stop_peer; return
    fi
    stop_prog
    stop_peer
    local backlog replayed
    backlog=$(cat err2 err3 err4 | grep -c 'bytes received before the start and not in a checkpoint')
    replayed=$(cat err2 err3 err4 | grep -c 'records, replayed')
    if [ "$st" -ne 0 ]; then bad "a: exit status $st after SIGTERM, expected 0"
    elif grep -q ' ERROR ' err1 err2 err3 err4; then bad "a: an ERROR was logged"
    elif [ "$backlog" -lt 3 ]; then bad "a: only $backlog of 3 restarts found log bytes to deliver"
    elif [ "$replayed" -lt 1 ]; then bad "a: no batch was replayed after the kill in run 2"
    else ok "a: 3 kill -9s, $(wc -l < sent.txt) lines: the totals are exact ($(expected | sum_of) words; $replayed batches replayed)"; fi
}

# ---------------------------------------------------------------- b
b() {
    rm -f out* err*
    start_peer
    compile nowal
    local ck=$work/ck_b
    run nowal 1 --checkpoint "$ck" || { bad "b: run 1 did not connect"; return; }
    burst 1000 && sleep 2.2 && align && burst 1500 || { bad "b: run 1: a burst failed"; return; }
    sleep 0.3   # received, not yet taken by a batch
    kill9
    run nowal 2 --checkpoint "$ck" || { bad "b: run 2 did not connect"; return; }
    burst 500 || { bad "b: run 2: the burst failed"; return; }
    sleep 3
    stop_prog
    stop_peer
    local got want
    got=$(totals out2 | sum_of); want=$(expected | sum_of)
    # lost: the burst received before the kill (3000 words), and the input
    # of the journaled batches after the checkpoint, which cannot be replayed
    if [ "$got" -ge "$want" ]; then bad "b: without the log the totals still hold all $want words: the test cannot fail"
    elif [ "$got" -gt $(( want - 3000 )) ]; then bad "b: $got words counted, expected at most $want minus the 3000 of the lost burst"
    else ok "b: without the log, lines received before kill -9 are lost ($got of $want words counted)"; fi
}

# ---------------------------------------------------------------- c
c() {
    rm -f out* err*
    start_peer
    compile roll 'checkpoint "unused" every 1s'
    local ck=$work/ck_c logdir=$work/ck_c/wal/socket_127.0.0.1_$port
    run roll 1 --checkpoint "$ck" "${wal_conf[@]}" \
        --conf spark.streaming.receiver.writeAheadLog.rollingIntervalSecs=1 || { bad "c: did not connect"; return; }
    local i n max=0
    for i in $(seq 32); do
        burst 300 || { bad "c: burst $i failed"; return; }
        sleep 0.25
        n=$(ls "$logdir" | grep -c '^seg-')
        [ "$n" -gt "$max" ] && max=$n
    done
    until_true 5 logged_all "$logdir" || { bad "c: the bursts were not logged"; return; }
    local exact=0
    until_true 10 totals_are_expected out1 && exact=1
    sleep 3.5   # three more checkpoints
    n=$(ls "$logdir" | grep -c '^seg-')
    stop_prog
    stop_peer
    if [ "$exact" -ne 1 ]; then bad "c: the totals are $(totals out1 | tr '\n' ' '), expected $(expected | tr '\n' ' ')"
    elif [ -e "$logdir/seg-00000000000000000000" ]; then bad "c: the first segment was not deleted"
    elif [ "$max" -gt 6 ] || [ "$n" -gt 3 ]; then bad "c: $max segments at most during the stream, $n at the end; expected at most 6 and 3"
    elif [ "$st" -ne 0 ]; then bad "c: exit status $st after SIGTERM"
    else ok "c: 8 s of input rolled every second: at most $max segments, $n at the end, first deleted; totals exact"; fi
}

a
b
c
finish
