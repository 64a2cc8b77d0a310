# tests/ui/lib.sh - helpers for the monitoring UI tests (api.sh, ports.sh,
# page.sh). Source it from bash after setting `root` (the repository):
#
#   ui_suite NAME             the common start of a suite: `streamc` (STREAMC,
#                             made absolute), `ccflags` (from STREAMC_CFLAGS),
#                             `check_py`, a temp dir `work` made the current
#                             directory and removed at exit (after the
#                             suite's own on_exit, if defined, and ui_cleanup),
#                             sanitizer logs kept there; then ok MSG,
#                             bad MSG [NAME], skip MSG, report (uicheck.py's
#                             lines) and finish (prints "NAME: N passed,
#                             M failed"; a sanitizer report fails it): ok and
#                             finish are tests/lib.sh's, which this sources
#   ui_free_port [N]          a port P of 20000-60000 such that P..P+N-1 (default
#                             N = 1) can all be bound on every address now and
#                             none was handed out before (port_claim)
#   ui_bindable PORT          succeeds when PORT can be bound (0.0.0.0 and 127.0.0.1)
#   ui_run NAME EXE ARGS...   start EXE ARGS in the background, stdout to
#                             NAME.out, stderr to NAME.err; its pid in UI_PID
#                             (and remembered for ui_cleanup)
#   ui_stop PID               SIGTERM, up to 5 s, then SIGKILL; its status in UI_STATUS
#   ui_port NAME PID [SECS]   wait for "Monitoring UI at http://HOST:PORT/" in
#                             NAME.err; prints PORT; fails when PID exits or
#                             the line does not come in SECS (default 15)
#   ui_batches NAME           number of "INFO Batch <ms> ms:" lines in NAME.err
#   ui_wait_batches NAME PID N [SECS]   until NAME.err has >= N batch lines
#   ui_get URL                curl -sS -m 5 URL (body on stdout; status 0 on 2xx)
#   ui_code [CURL ARGS] URL   the HTTP status of a request ("000": no answer)
#   ui_wait_http URL [SECS]   until URL answers 200
#   ui_listening PID          the program's listening TCP sockets, one
#                             "ADDR:PORT" a line (ss -ltnp, else /proc)
#   ui_other_ip               a local non-loopback IPv4 address, or nothing
#   ui_cleanup                stop every program ui_run started (by pid)
#
# Waits are bounded; nothing is killed by name. Without ui_suite, set
# `work` (the temp dir the script runs in) and `streamc` first.

# shellcheck shell=bash
. "$root/tests/lib.sh"
UI_PIDS=()
UI_PID=
UI_STATUS=

ui_bindable() {
    python3 - "$1" << 'EOF' 2> /dev/null
import socket, sys
p = int(sys.argv[1])
for addr in ("0.0.0.0", "127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((addr, p))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
EOF
}

ui_free_port() {
    local n=${1:-1} try port i okp
    for ((try = 0; try < 50; try++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % (40001 - n)))
        okp=1
        for ((i = 0; i < n; i++)); do
            ui_bindable $((port + i)) || { okp=0; break; }
        done
        [ $okp = 1 ] && port_claim "$port" "$n" && { echo "$port"; return 0; }
    done
    echo "ui_free_port: no free port range of $n found" >&2
    return 1
}

ui_run() {
    local name=$1
    shift
    "$@" > "$name.out" 2> "$name.err" < /dev/null &
    UI_PID=$!
    UI_PIDS+=("$UI_PID")
}

ui_stop() {
    local p=$1 i
    UI_STATUS=
    [ -n "$p" ] || return 0
    kill -TERM "$p" 2> /dev/null
    for ((i = 0; i < 50; i++)); do
        kill -0 "$p" 2> /dev/null || break
        sleep 0.1
    done
    kill -0 "$p" 2> /dev/null && kill -KILL "$p" 2> /dev/null
    wait "$p" 2> /dev/null
    UI_STATUS=$?
}

ui_cleanup() {
    local p
    for p in "${UI_PIDS[@]}"; do
        kill -0 "$p" 2> /dev/null || continue
        kill -TERM "$p" 2> /dev/null
    done
    sleep 0.2
    for p in "${UI_PIDS[@]}"; do
        kill -0 "$p" 2> /dev/null && kill -KILL "$p" 2> /dev/null
    done
    UI_PIDS=()
}

# the port of "Monitoring UI at http://HOST:PORT/"
ui_port() {
    local name=$1 p=$2 secs=${3:-15} i port
    for ((i = 0; i < secs * 20; i++)); do
        port=$(sed -n -E 's|.*Monitoring UI at https?://[^ ]*:([0-9]+)/?.*|\1|p' "$name.err" 2> /dev/null | head -1)
        if [ -n "$port" ]; then
            echo "$port"
            return 0
        fi
        kill -0 "$p" 2> /dev/null || return 1
        sleep 0.05
    done
    return 1
}

ui_batches() {
    grep -c ' INFO Batch [0-9]* ms: ' "$1.err" 2> /dev/null
}

ui_wait_batches() {
    local name=$1 p=$2 n=$3 secs=${4:-20} i
    for ((i = 0; i < secs * 20; i++)); do
        [ "$(ui_batches "$name")" -ge "$n" ] && return 0
        kill -0 "$p" 2> /dev/null || return 1
        sleep 0.05
    done
    return 1
}

ui_get() {
    curl -sS -f -m 5 "$@"
}

ui_code() {
    local c
    c=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" 2> /dev/null)
    echo "${c:-000}"
}

ui_wait_http() {
    local url=$1 secs=${2:-10} i
    for ((i = 0; i < secs * 10; i++)); do
        [ "$(ui_code "$url")" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}

# listening TCP sockets of a process: "ADDR:PORT" lines
ui_listening() {
    local p=$1
    if command -v ss > /dev/null; then
        ss -Hltnp 2> /dev/null | awk -v pat="pid=$p," 'index($0, pat) { print $4 }'
        return 0
    fi
    # /proc: the socket inodes of its fds, matched in /proc/net/tcp{,6} (state 0A = LISTEN)
    local inodes
    inodes=$(find "/proc/$p/fd" -maxdepth 1 -type l -printf '%l\n' 2> /dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
    [ -n "$inodes" ] || return 0
    python3 - "$p" $inodes << 'EOF'
import sys, socket, struct
inodes = set(sys.argv[2:])
for f, fam in (("/proc/%s/net/tcp" % sys.argv[1], 4), ("/proc/%s/net/tcp6" % sys.argv[1], 6)):
    try:
        lines = open(f).read().splitlines()[1:]
    except OSError:
        continue
    for l in lines:
        c = l.split()
        if c[3] != "0A" or c[9] not in inodes:
            continue
        a, port = c[1].split(":")
        raw = bytes.fromhex(a)
        if fam == 4:
            addr = socket.inet_ntop(socket.AF_INET, struct.pack("<I", int(a, 16)))
        else:
            words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
            addr = "[" + socket.inet_ntop(socket.AF_INET6, b"".join(words)) + "]"
        print("%s:%d" % (addr, int(port, 16)))
EOF
}

ui_other_ip() {
    local ip
    for ip in $(hostname -I 2> /dev/null); do
        case $ip in
            127.* | *:*) ;;
            *)
                echo "$ip"
                return 0
                ;;
        esac
    done
    return 0
}

ui_suite() {
    suite=$1
    find_streamc
    check_py=$root/tests/ui/uicheck.py
    work=$(mktemp -d)
    sanitizer_logs "$work"
    trap ui_suite_exit EXIT
    cd "$work" || exit 1
    export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
    pass=0 fail=0
}
ui_suite_exit() {
    if declare -F on_exit > /dev/null; then on_exit; fi
    ui_cleanup
    rm -rf "$work"
}
# bad MSG [NAME]: the UI suites' own: the tail of NAME.err (not of a file NAME)
bad() {
    echo "FAIL $1"
    fail=$((fail + 1))
    [ -n "${2:-}" ] && [ -f "$2.err" ] && grep -v ' INFO ' "$2.err" | tail -4 | sed 's/^/    stderr: /'
    return 0
}
skip() { echo "SKIP $1"; }
# the ok/FAIL lines of uicheck.py
report() {
    local l
    while IFS= read -r l; do
        case $l in
            "ok   "*) ok "${l#ok   }" ;;
            "FAIL "*) bad "${l#FAIL }" ;;
            *) [ -n "$l" ] && echo "     $l" ;;
        esac
    done
}
