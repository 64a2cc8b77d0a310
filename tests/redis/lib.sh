# tests/redis/lib.sh - run a real redis-server on a free loopback port for a
# test script and talk to it with redis-cli. Source it from bash:
#
#   . "$root/tests/redis/lib.sh"
#   redis_start            start a server on a random free port of 20000-60000,
#                          with its own temp dir (AOF on, fsync always, no RDB
#                          snapshots); waits for PONG; exports REDIS_PORT and
#                          REDIS_URL=redis://127.0.0.1:PORT/0
#   redis_cli ARGS...      redis-cli --raw against it (-n DB selects a database);
#                          fails (status 1) when Redis answers with an error
#   redis_hash KEY [DB]    HGETALL as "field value" lines, sorted
#   redis_down             stop the server (SIGTERM, Redis' SHUTDOWN: the AOF is
#                          flushed), wait for it to exit; port and dir are kept
#   redis_up               start it again on the same port and dir (the data
#                          is read back from the AOF); waits for PONG
#   redis_restart [SECS]   redis_down, SECS seconds (default 0) down, redis_up
#   redis_kill             SIGKILL (a crash; what was acknowledged is in the
#                          AOF, fsync always); redis_up brings it back
#   redis_running          succeeds while the server process runs
#   redis_stop             redis_down, then its dir is removed; REDIS_PORT and
#                          REDIS_URL are unset
#
# redis_start adds redis_stop to the EXIT trap the script has set so far (a
# script that sets its EXIT trap later calls redis_stop in it), and starts a
# watcher that kills the server when the script's process ($$) is gone, so
# it also goes when the script is killed. Waits are bounded by REDIS_TIMEOUT
# seconds (default 10); failures return non-zero with a message on stderr.
# One server per script. Safe under set -eu. REDIS_SERVER and REDIS_CLI name
# other binaries (defaults: redis-server, redis-cli from PATH).

# shellcheck shell=bash
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
REDIS_TIMEOUT=${REDIS_TIMEOUT:-10}
REDIS_PID=
_redis_dir=
_redis_port=

# redis_start: a new server on a free port
redis_start() {
    local try port
    if [ -n "$_redis_dir" ]; then
        echo "redis_start: a server is running already (port $_redis_port)" >&2
        return 1
    fi
    if ! command -v "$REDIS_SERVER" > /dev/null || ! command -v "$REDIS_CLI" > /dev/null; then
        echo "redis_start: $REDIS_SERVER or $REDIS_CLI not found (apt-get install redis-server)" >&2
        return 1
    fi
    _redis_dir=$(mktemp -d) || return 1
    _redis_trap
    for ((try = 0; try < 20; try++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
        # something answers there already: not free
        if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then continue; fi
        _redis_port=$port
        if _redis_launch; then
            export REDIS_PORT=$port REDIS_URL="redis://127.0.0.1:$port/0"
            return 0
        fi
        # lost a race for the port: another one; anything else is an error
        if ! grep -q 'Address already in use' "$_redis_dir/log" 2> /dev/null; then
            echo "redis_start: redis-server did not start on port $port:" >&2
            tail -5 "$_redis_dir/log" "$_redis_dir/stdout" 2> /dev/null | sed 's/^/    /' >&2
            redis_stop || :
            return 1
        fi
        rm -f "$_redis_dir/log"
    done
    echo "redis_start: no free port found in 20 tries" >&2
    redis_stop || :
    return 1
}

# redis_cli ARGS...: --raw output; status 1 on an error reply
redis_cli() {
    local out rc=0
    if [ -z "$_redis_port" ]; then
        echo "redis_cli: no server started" >&2
        return 1
    fi
    out=$(timeout "$REDIS_TIMEOUT" "$REDIS_CLI" --raw -h 127.0.0.1 -p "$_redis_port" "$@" 2>&1) || rc=$?
    # redis-cli exits 0 on some error replies: look at the answer too
    case $out in
        ERR* | WRONGTYPE* | NOSCRIPT* | EXECABORT* | "Could not connect"* | "Error:"*) rc=${rc/#0/1} ;;
    esac
    [ -n "$out" ] && printf '%s\n' "$out"
    return "$rc"
}

# redis_hash KEY [DB]: "field value" lines, sorted
redis_hash() {
    local out
    out=$(redis_cli -n "${2:-0}" HGETALL "$1") || return 1
    [ -z "$out" ] && return 0
    printf '%s\n' "$out" | paste -d ' ' - - | LC_ALL=C sort
}

redis_running() {
    [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2> /dev/null
}

# redis_down: SIGTERM (SHUTDOWN), wait up to REDIS_TIMEOUT s, then SIGKILL
redis_down() {
    local i rc=0
    [ -n "$REDIS_PID" ] || return 0
    kill -TERM "$REDIS_PID" 2> /dev/null || :
    for ((i = 0; i < REDIS_TIMEOUT * 10; i++)); do
        kill -0 "$REDIS_PID" 2> /dev/null || break
        sleep 0.1
    done
    if kill -0 "$REDIS_PID" 2> /dev/null; then
        echo "redis_down: redis-server ignored SIGTERM for $REDIS_TIMEOUT s, killing it" >&2
        kill -KILL "$REDIS_PID" 2> /dev/null || :
        rc=1
    fi
    wait "$REDIS_PID" 2> /dev/null || :
    REDIS_PID=
    return "$rc"
}

# redis_kill: SIGKILL, no shutdown
redis_kill() {
    [ -n "$REDIS_PID" ] || return 0
    kill -KILL "$REDIS_PID" 2> /dev/null || :
    wait "$REDIS_PID" 2> /dev/null || :
    REDIS_PID=
}

# redis_up: the same port and dir again
redis_up() {
    if [ -z "$_redis_dir" ]; then
        echo "redis_up: no server started (redis_start first)" >&2
        return 1
    fi
    if redis_running; then return 0; fi
    if ! _redis_launch; then
        echo "redis_up: redis-server did not come back on port $_redis_port:" >&2
        tail -5 "$_redis_dir/log" 2> /dev/null | sed 's/^/    /' >&2
        return 1
    fi
}

# redis_restart [SECONDS_DOWN]
redis_restart() {
    redis_down || return 1
    sleep "${1:-0}"
    redis_up
}

# redis_stop: down for good, dir removed
redis_stop() {
    local rc=0
    redis_down || rc=$?
    [ -n "$_redis_dir" ] && rm -rf "$_redis_dir"
    _redis_dir='' _redis_port=''
    unset REDIS_PORT REDIS_URL
    return "$rc"
}

# _redis_launch: start redis-server on _redis_port in _redis_dir and wait for
# PONG; fails when it exits or does not answer in REDIS_TIMEOUT s.
_redis_launch() {
    local i
    "$REDIS_SERVER" --port "$_redis_port" --bind 127.0.0.1 --dir "$_redis_dir" \
        --save "" --appendonly yes --appendfsync always --daemonize no \
        --logfile "$_redis_dir/log" < /dev/null >> "$_redis_dir/stdout" 2>&1 &
    REDIS_PID=$!
    # the watcher: the server goes when this script goes (even by SIGKILL)
    # Only a process that is still this redis-server is killed: once the
    # server is gone its pid may belong to anything (a later test).
    (
        trap '' INT TERM HUP
        pid=$REDIS_PID
        born() { cut -d' ' -f22 "/proc/$pid/stat" 2> /dev/null; } # start time: the process's identity
        started=$(born)
        ours() { [ -n "$started" ] && [ "$(born)" = "$started" ]; }
        while kill -0 $$ 2> /dev/null && ours; do sleep 0.5; done
        ours && kill -TERM "$pid" 2> /dev/null && sleep 2 && ours && kill -KILL "$pid" 2> /dev/null
        exit 0
    ) < /dev/null > /dev/null 2>&1 &
    disown $! 2> /dev/null || :
    for ((i = 0; i < REDIS_TIMEOUT * 20; i++)); do
        if ! kill -0 "$REDIS_PID" 2> /dev/null; then
            wait "$REDIS_PID" 2> /dev/null || :
            REDIS_PID=
            return 1
        fi
        if [ "$("$REDIS_CLI" -h 127.0.0.1 -p "$_redis_port" ping 2> /dev/null)" = PONG ]; then
            return 0
        fi
        sleep 0.05
    done
    redis_kill
    return 1
}

# _redis_trap: run redis_stop first in the EXIT trap, keeping the old one.
_redis_trap() {
    local prev words
    prev=$(trap -p EXIT) # trap -- 'COMMAND' EXIT
    case $prev in *redis_stop*) return 0 ;; esac
    eval "words=($prev)"
    # shellcheck disable=SC2064 # the old command is meant to be expanded now
    trap "redis_stop || :; ${words[2]:-}" EXIT
}
