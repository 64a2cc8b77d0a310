#!/usr/bin/env bash
# smoke.sh - build/kafka-mock and tests/kafka/lib.sh against kcat.
#
#   A 3-broker cluster with topic t:3 (partition P led by broker P+1): 1000
#   lines produced over the 3 partitions come back whole, per partition and in
#   total; with broker 1 down, partition 1 still serves and producing to
#   partition 0 fails; after "up 1" kcat works on every partition again; a
#   consumer group's committed offsets are the partitions' ends; a bad command
#   is an error; SIGTERM ends kafka-mock with status 0 and closes its ports.
#   Started with </dev/null and --port-file, kafka-mock keeps running at EOF
#   and exits 0 on SIGINT.
#
# Usage: tests/kafka/smoke.sh     Prints "kafka-smoke: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/kafka/lib.sh"
KAFKA_TIMEOUT=20
work=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

. "$root/tests/lib.sh"
suite=kafka-smoke
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi
}
port_closed() { ! (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

if [ ! -x "$KAFKA_MOCK" ]; then
    bad "no $KAFKA_MOCK (run make)"
    finish
fi

# ---------------------------------------------------------------------
# produce, consume, broker down and up, consumer group, stop
# ---------------------------------------------------------------------
if kafka_start --brokers 3 t:3; then
    ok "kafka_start: bootstrap $KAFKA_BOOTSTRAP"
    mock_pid=$KAFKA_MOCK_PID
    seq 1 1000 > lines
    if sed -n 1,334p lines | kafka_produce t 0 && sed -n 335,667p lines | kafka_produce t 1 &&
        sed -n 668,1000p lines | kafka_produce t 2; then
        ok "produce 1000 lines over partitions 0, 1, 2"
    else
        bad "produce 1000 lines over partitions 0, 1, 2"
    fi
    check "kafka_count t" 1000 "$(kafka_count t)"
    timeout 20 kcat -C -e -q -b "$KAFKA_BOOTSTRAP" -t t -o beginning | sort -n > back
    if cmp -s lines back; then ok "consumed lines equal produced"; else bad "consumed lines differ"; fi
    counts=
    for p in 0 1 2; do
        counts+="$(timeout 20 kcat -C -e -q -b "$KAFKA_BOOTSTRAP" -t t -p $p -o beginning | wc -l) "
    done
    check "records per partition" "334 333 333 " "$counts"

    if kafka_cmd "down 1"; then ok "kafka_cmd down 1"; else bad "kafka_cmd down 1"; fi
    check "partition 1 (broker 2) serves while broker 1 is down" 333 \
        "$(timeout 20 kcat -C -e -q -b "$KAFKA_BOOTSTRAP" -t t -p 1 -o beginning | wc -l)"
    if echo lost | KAFKA_TIMEOUT=2 kafka_produce t 0 2>/dev/null; then
        bad "producing to partition 0 (broker 1) fails while broker 1 is down"
    else
        ok "producing to partition 0 (broker 1) fails while broker 1 is down"
    fi
    if kafka_cmd "up 1"; then ok "kafka_cmd up 1"; else bad "kafka_cmd up 1"; fi
    if seq 1001 1010 | kafka_produce t 0; then ok "produce after up"; else bad "produce after up"; fi
    check "kafka_count t after up" 1010 "$(kafka_count t)"

    consumed=$(timeout 30 kcat -b "$KAFKA_BOOTSTRAP" -G smoke -X auto.offset.reset=earliest \
        -e -q -f . t | wc -c)
    check "consumer group reads every record" 1010 "$consumed"
    check "kafka_committed smoke t" "0 344|1 333|2 333" "$(kafka_committed smoke t | paste -sd'|')"
    check "kafka_committed of a group without offsets" "0 -1|1 -1|2 -1" \
        "$(kafka_committed nobody t | paste -sd'|')"
    if kafka_cmd "down 9" 2>/dev/null; then bad "down 9 is an error"; else ok "down 9 is an error"; fi
    if kafka_cmd "leader nosuch 0 1" 2>/dev/null; then
        bad "leader of a missing topic is an error"
    else
        ok "leader of a missing topic is an error"
    fi

    bootstrap=$KAFKA_BOOTSTRAP
    if kafka_stop; then ok "kafka-mock exits 0 on SIGTERM"; else bad "kafka-mock exits $? on SIGTERM"; fi
    if kill -0 "$mock_pid" 2>/dev/null; then bad "kafka-mock gone after kafka_stop"; else ok "kafka-mock gone after kafka_stop"; fi
    if port_closed "${bootstrap%%,*}"; then ok "port closed after kafka_stop"; else bad "port closed after kafka_stop"; fi
else
    bad "kafka_start"
fi

# ---------------------------------------------------------------------
# started in the background with </dev/null and --port-file
# ---------------------------------------------------------------------
"$KAFKA_MOCK" --topic solo:1 --port-file "$work/port" </dev/null >stdout 2>stderr &
pid=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
if [ -s port ] && [ "$(cat port)" = "$(head -1 stdout)" ]; then
    ok "--port-file holds the bootstrap line"
else
    bad "--port-file holds the bootstrap line"
fi
sleep 0.3
if kill -0 "$pid" 2>/dev/null; then ok "keeps running at EOF on stdin"; else bad "keeps running at EOF on stdin"; fi
if echo one | KAFKA_BOOTSTRAP=$(cat port) kafka_produce solo &&
    [ "$(KAFKA_BOOTSTRAP=$(cat port) kafka_count solo)" = 1 ]; then
    ok "kcat works against it"
else
    bad "kcat works against it"
fi
kill -INT "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
    bad "exits on SIGINT"
else
    wait "$pid"
    rc=$?
    pid=
    check "exit status on SIGINT" 0 "$rc"
fi

finish
