# tests/kafka/lib.sh - run a Kafka mock cluster (build/kafka-mock) for a test
# script and talk to it with kcat. Source it from bash:
#
#   . "$root/tests/kafka/lib.sh"
#   kafka_start [--brokers N] TOPIC:PARTS...   start it; exports KAFKA_BOOTSTRAP
#   kafka_cmd "down 1"                         a kafka-mock command (topic, leader,
#                                              down, up, committed); waits for the
#                                              answer, prints what follows "ok"
#   kafka_produce [-K DELIM] TOPIC [PARTITION] < lines
#                                              one record per line; with -K (or
#                                              -KDELIM, as kcat takes it) the
#                                              key is before DELIM and picks the
#                                              partition unless one is given
#   kafka_count TOPIC                          print the number of records
#   kafka_committed GROUP TOPIC                print "PARTITION OFFSET" lines, the
#                                              group's committed offsets (-1: none)
#   kafka_stop                                 SIGTERM; returns kafka-mock's status
#
# Partition P of a topic is led by broker 1 + P mod N; "down B" makes B's
# partitions unavailable (consumers of them wait, producers time out) until
# "up B". kafka_produce and kafka_count work with any KAFKA_BOOTSTRAP.
#
# kafka_start adds kafka_stop to the EXIT trap the script has set so far (a
# script that sets its EXIT trap later calls kafka_stop in it), and starts the
# cluster with --watch-pid, so it also goes when the script is killed. Every
# call is bounded by KAFKA_TIMEOUT seconds (default 30); failures return
# non-zero with a message on stderr. One cluster per script, and one
# kafka_cmd at a time. Safe under set -eu.

_kafka_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KAFKA_MOCK=${KAFKA_MOCK:-$_kafka_root/build/kafka-mock}
KAFKA_TIMEOUT=${KAFKA_TIMEOUT:-30}
KAFKA_MOCK_PID=
_kafka_dir=
_kafka_in=
_kafka_out=

# kafka_start [--brokers N] TOPIC:PARTS...
kafka_start() {
    local brokers=1 topic args=() i
    if [ "${1:-}" = --brokers ]; then
        brokers=$2
        shift 2
    fi
    for topic in "$@"; do args+=(--topic "$topic"); done
    if [ -n "$KAFKA_MOCK_PID" ]; then
        echo "kafka_start: a cluster is running already" >&2
        return 1
    fi
    _kafka_dir=$(mktemp -d) && mkfifo "$_kafka_dir/in" "$_kafka_dir/out" || return 1
    # Read-write opens of a FIFO never block, whichever side comes first.
    exec {_kafka_in}<>"$_kafka_dir/in" {_kafka_out}<>"$_kafka_dir/out"
    "$KAFKA_MOCK" --brokers "$brokers" "${args[@]}" --watch-pid $$ \
        <"$_kafka_dir/in" >"$_kafka_dir/out" 2>"$_kafka_dir/err" {_kafka_in}>&- {_kafka_out}>&- &
    KAFKA_MOCK_PID=$!
    _kafka_trap
    KAFKA_BOOTSTRAP=
    if ! _kafka_read KAFKA_BOOTSTRAP 10 || [ -z "$KAFKA_BOOTSTRAP" ]; then
        echo "kafka_start: kafka-mock did not start" >&2
        sed 's/^/    /' "$_kafka_dir/err" >&2
        kafka_stop || :
        return 1
    fi
    export KAFKA_BOOTSTRAP
}

# kafka_cmd COMMAND...: one command; the answer's text after "ok" on stdout.
kafka_cmd() {
    local answer
    if [ -z "$KAFKA_MOCK_PID" ]; then
        echo "kafka_cmd: no cluster running" >&2
        return 1
    fi
    # an answer that came after its command timed out must not be taken as ours
    while IFS= read -r -t 0.01 _ <&"$_kafka_out"; do :; done
    printf '%s\n' "$*" >&"$_kafka_in" || return 1
    if ! _kafka_read answer "$KAFKA_TIMEOUT"; then
        echo "kafka_cmd: no answer to '$*'" >&2
        return 1
    fi
    case $answer in
        ok) ;;
        "ok "*) printf '%s\n' "${answer#ok }" ;;
        *)
            echo "kafka_cmd: $*: $answer" >&2
            return 1
            ;;
    esac
}

# kafka_produce [-K DELIM | -KDELIM] TOPIC [PARTITION] < lines
kafka_produce() {
    local keyed=() part=()
    case ${1:-} in
        -K)
            keyed=(-K "$2")
            shift 2
            ;;
        -K?*)
            keyed=("$1")
            shift
            ;;
    esac
    if [ $# -ge 2 ]; then part=(-p "$2"); fi
    # kcat reports undelivered records itself, before timeout has to stop it
    timeout "$KAFKA_TIMEOUT" kcat -P -q -b "$KAFKA_BOOTSTRAP" -t "$1" "${part[@]}" "${keyed[@]}" \
        -X message.timeout.ms=$((KAFKA_TIMEOUT > 5 ? (KAFKA_TIMEOUT - 5) * 1000 : 1000))
}

# kafka_count TOPIC: records from the beginning to the end of every partition
kafka_count() {
    local n
    if ! n=$(timeout "$KAFKA_TIMEOUT" kcat -C -e -q -b "$KAFKA_BOOTSTRAP" -t "$1" -o beginning -f . |
        wc -c; exit "${PIPESTATUS[0]}"); then
        echo "kafka_count: cannot read topic $1 to its end" >&2
        return 1
    fi
    echo "$n"
}

# kafka_committed GROUP TOPIC
kafka_committed() {
    local out p
    out=$(kafka_cmd "committed $1 $2") || return 1
    for p in $out; do echo "${p%%:*} ${p#*:}"; done
}

# kafka_stop: SIGTERM, wait (SIGKILL after 10 s); kafka-mock's exit status
kafka_stop() {
    local rc i
    if [ -z "$KAFKA_MOCK_PID" ]; then return 0; fi
    kill -TERM "$KAFKA_MOCK_PID" 2>/dev/null || :
    for ((i = 0; i < 100; i++)); do
        kill -0 "$KAFKA_MOCK_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$KAFKA_MOCK_PID" 2>/dev/null; then
        echo "kafka_stop: kafka-mock ignored SIGTERM for 10 s, killing it" >&2
        kill -KILL "$KAFKA_MOCK_PID" 2>/dev/null || :
    fi
    rc=0
    wait "$KAFKA_MOCK_PID" 2>/dev/null || rc=$?
    exec {_kafka_in}>&- {_kafka_out}>&-
    rm -rf "$_kafka_dir"
    KAFKA_MOCK_PID='' _kafka_dir='' _kafka_in='' _kafka_out=''
    unset KAFKA_BOOTSTRAP
    return "$rc"
}

# _kafka_read VAR SECONDS: one line from kafka-mock into VAR; fails when it
# does not come in time or kafka-mock has gone.
_kafka_read() {
    local part acc='' ticks=$(($2 * 10))
    while ((ticks-- > 0)); do
        part=
        if IFS= read -r -t 0.1 part <&"$_kafka_out"; then
            printf -v "$1" '%s' "$acc$part"
            return 0
        fi
        acc+=$part
        kill -0 "$KAFKA_MOCK_PID" 2>/dev/null || return 1
    done
    return 1
}

# _kafka_trap: run kafka_stop first in the EXIT trap, keeping the old one.
_kafka_trap() {
    local prev words
    prev=$(trap -p EXIT) # trap -- 'COMMAND' EXIT
    case $prev in *kafka_stop*) return 0 ;; esac
    eval "words=($prev)"
    # shellcheck disable=SC2064 # the old command is meant to be expanded now
    trap "kafka_stop || :; ${words[2]:-}" EXIT
}
