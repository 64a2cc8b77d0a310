#!/usr/bin/env bash
# overload.sh - the seed's "processing slower than the batch interval": a
# socket source fed as fast as a local sender can for OVERLOAD_SECONDS
# (default 15; `make soak` runs it for as long as asked) into a program
# that cannot keep up (every line split into characters and counted, 50 ms
# batches, one worker), with streamc.receiver.bufferBytes=32m. Checks:
#   memory    the resident set, sampled every second, stays under a ceiling
#             (2 x the receiver's bound + 200 MB for the batch in progress)
#             and does not keep growing (the last third of the run against
#             the middle third);
#             the ceiling measured is printed
#   delay     the log warns that batches are piling up; the UI's
#             /api/v1/applications/<app>/streaming/statistics shows a
#             scheduling delay above zero while it runs
#   flow      lines kept arriving to the end (the last batches have
#             records), none dropped: the sender is slowed by TCP
#   stop      SIGTERM ends the run with status 0 within 10 s, "Stopped"
# Usage: tests/reliability/overload.sh   Prints "overload: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${OVERLOAD_SECONDS:-15}
. "$root/tests/ui/lib.sh"   # ui_free_port
. "$root/tests/lib.sh"      # after it: tests/lib.sh's ok, bad and finish, not the UI suites'
suite=overload
find_streamc
bad_lines=12
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
cd "$work"

port=$(ui_free_port 2)
ui=$((port + 1))
cat > slow.stream <<PROG
app "Overload"
batch 50ms
master "local[1]"
conf "streamc.receiver.bufferBytes" = "32m"
val lines = ssc.socketTextStream("127.0.0.1", $port)
lines.flatMap(_.split("")).map((_, 1)).reduceByKey(_ + _).count().print()
PROG
"$streamc" "${ccflags[@]}" slow.stream -o slow || { echo "overload: 0 passed, 1 failed"; exit 1; }

# the sender: one 1 MB block of 200-character lines, again and again, as
# fast as the socket takes it; it counts the bytes it got rid of
python3 - "$port" > sender.out 2> sender.err <<'PY' &
import socket, sys, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(1)
conn, _ = srv.accept()
block = b"".join((("%06d " % i) + "abcdefghij" * 19 + "\n").encode() for i in range(5000))
sent = 0
try:
    while True:
        conn.sendall(block); sent += len(block)
        if sent % (50 * len(block)) == 0: print(sent, time.time(), flush=True)
except OSError:
    pass
print("total", sent, flush=True)
PY
pids+=($!)
sleep 0.3
./slow --ui-port "$ui" > run.out 2> run.err &
pid=$!
pids+=("$pid")
: > rss.log
delay_seen=0
for ((t = 0; t < secs; t++)); do
    sleep 1
    kill -0 "$pid" 2>/dev/null || break
    awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" >> rss.log
    if [ "$delay_seen" = 0 ]; then
        d=$(curl -s -m 2 "http://127.0.0.1:$ui/api/v1/applications/Overload/streaming/statistics" |
            python3 -c 'import json,sys; print(int(json.load(sys.stdin).get("avgSchedulingDelay") or 0))' 2>/dev/null)
        [ "${d:-0}" -gt 0 ] && delay_seen=$d
    fi
done
alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"; rc=$?
t1=$(date +%s%N)

ceiling_kb=$(( (2 * 32 + 200) * 1024 ))
# AddressSanitizer holds freed memory in a quarantine of 256 MB (its default)
case "${STREAMC_CFLAGS:-} ${SANITIZE:-}" in *address*) ceiling_kb=$((ceiling_kb + 256 * 1024)) ;; esac
# growth: the last third's highest sample against the middle third's
read -r max mid last <<<"$(awk '{ a[NR] = $1 } END { m = 0; b = 0; c = 0; t = NR / 3
    for (i = 1; i <= NR; i++) { if (a[i] > m) m = a[i]; if (i > t && i <= 2 * t && a[i] > b) b = a[i]; if (i > 2 * t && a[i] > c) c = a[i] }
    print m, b, c }' rss.log)"
if [ "$alive" = yes ] && [ "${max:-0}" -gt 0 ] && [ "$max" -lt "$ceiling_kb" ] && [ "$last" -le $((mid + mid / 4 + 16384)) ]; then
    ok "memory: $(wc -l < rss.log) s overloaded, resident set at most $((max / 1024)) MB (middle third $((mid / 1024)) MB, last third $((last / 1024)) MB; ceiling $((ceiling_kb / 1024)) MB)"
else
    bad "memory: alive=$alive, max ${max:-?} KB, middle third ${mid:-?} KB, last ${last:-?} KB (ceiling $ceiling_kb KB)" rss.log
fi
if grep -q "batches are piling up" run.err && [ "$delay_seen" -gt 0 ]; then
    ok "delay: the log warns that batches are piling up; the UI showed a scheduling delay of $delay_seen ms"
else
    bad "delay: warning $(grep -c 'piling up' run.err), UI delay $delay_seen" run.err
fi
# the last batches before the stop still had lines: the flow never stalled
last3=$(grep -o 'Batch [0-9]* ms: [0-9]* records' run.err | awk '{ print $4 }' | tail -3 | tr '\n' ' ')
if [ "$(wc -w <<<"$last3")" = 3 ] && ! grep -qw 0 <<<"$last3" && ! grep -q "dropped a record" run.err; then
    ok "flow: lines kept coming to the end (records of the last 3 batches: $last3), none dropped"
else
    bad "flow: records of the last 3 batches: $last3" run.err
fi
ms=$(( (t1 - t0) / 1000000 ))
if [ "$rc" = 0 ] && [ "$ms" -lt 10000 ] && grep -q "Stopped" run.err; then
    ok "stop: SIGTERM under overload: status 0 in $ms ms"
else
    bad "stop: status $rc after $ms ms" run.err
fi
finish
