#!/usr/bin/env bash
# ports.sh - where the monitoring UI of a compiled program listens.
#
#   off        --ui-port 0, --conf spark.ui.port=0, the program's
#              conf "spark.ui.port" = 0: no listening socket at all, no
#              "Monitoring UI at" line, batches run
#   setting    --conf spark.ui.port=P, conf "spark.ui.port" = P in the
#              program, --ui-port=P: listens on 127.0.0.1:P; the command line
#              wins over the program's setting
#   usage      --ui-port abc / -1 / 65536 / missing value: status 64
#   taken      P held by another listener: the program takes P+1 and a WARN
#              names both; P and P+1 held: P+2; P..P+16 held (the port and 16
#              retries, Spark's spark.port.maxRetries): no listening socket
#              beyond them, a WARN or ERROR says so
#   default    no option: 127.0.0.1:4040 (skipped when 4040 is taken here)
#   loopback   by default bound to 127.0.0.1 only: not reachable on the
#              machine's other address (hostname -I; skipped without one)
#   bind       --ui-bind 0.0.0.0: listens on every address, reachable on the
#              other address
#   slow       20 idle connections, a 1 MiB header, a byte-a-second request:
#              batches keep their interval and their delays, the API answers
#              others meanwhile, the 1 MiB request gets an error or a close,
#              idle connections are closed (within 12 s)
#
# Usage: tests/ui/ports.sh     Prints "ui-ports: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
# Needs curl, python3, ss (iproute2; else /proc is read).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/ui/lib.sh"
ui_suite ui-ports
holders=()
on_exit() {
    local p
    for p in "${holders[@]}"; do kill -KILL "$p" 2> /dev/null; done
}
for tool in curl python3; do
    command -v $tool > /dev/null || { bad "$tool is not installed (apt-get install $tool)"; finish; }
done
command -v ss > /dev/null || echo "     (ss not found: listening sockets read from /proc)"

# hold PORT...: listeners that never accept, until the script ends; their pid in HOLD_PID
hold() {
    python3 - "$@" > "hold.$1" 2>&1 << 'EOF' &
import os, socket, sys, time
parent = os.getppid()
socks = []
for p in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # over TIME_WAIT, as the program does
    s.bind(("127.0.0.1", int(p)))
    s.listen(1)
    socks.append(s)
print("ready", flush=True)
for _ in range(600):  # until the script is gone (at most 2 min)
    if os.getppid() != parent:
        break
    time.sleep(0.2)
EOF
    HOLD_PID=$!
    disown "$HOLD_PID" 2> /dev/null # no "Killed" job notice when it is ended
    holders+=("$HOLD_PID")
    local i
    for ((i = 0; i < 100; i++)); do
        grep -qx ready "hold.$1" 2> /dev/null && return 0
        kill -0 "$HOLD_PID" 2> /dev/null || break
        sleep 0.05
    done
    echo "hold: could not listen on $*: $(cat "hold.$1")" >&2
    return 1
}

mkdir empty
prog() { # NAME [HEADER LINE]
    cat > "$1.stream" << EOF
app "UiPorts"
batch 200ms
master "local[1]"
${2:-}
ssc.queueStream("empty").count().print()
EOF
    "$streamc" "${ccflags[@]}" -o "$1" "$1.stream" 2> "$1.cc" && return 0
    bad "compile $1: $(head -3 "$1.cc" | tr '\n' ' ')"
    return 1
}
prog uiports || finish
# listens NAME PID: the program's listening sockets, space-separated
listens() { ui_listening "$2" | sort | tr '\n' ' ' | sed 's/ $//'; }

# --- off -----------------------------------------------------------------------
prog uioff0 'conf "spark.ui.port" = 0' || finish
ui_run off1 ./uiports --ui-port 0
p1=$UI_PID
ui_run off2 ./uiports --conf spark.ui.port=0
p2=$UI_PID
ui_run off3 ./uioff0
p3=$UI_PID
# shellcheck disable=SC2089,SC2090 # words of a label: the quotes are text
for c in "off1 $p1 --ui-port 0" "off2 $p2 --conf spark.ui.port=0" "off3 $p3 conf \"spark.ui.port\" = 0 in the program"; do
    set -- $c
    n=$1 p=$2
    shift 2
    if ! ui_wait_batches "$n" "$p" 4 15; then
        bad "off: $*: fewer than 4 batches in 15 s ($(ui_batches "$n")), status $(kill -0 "$p" 2> /dev/null && echo running || echo exited)" "$n"
        continue
    fi
    l=$(listens "$n" "$p")
    if [ -z "$l" ] && ! grep -q 'Monitoring UI at' "$n.err"; then
        ok "off: $*: $(ui_batches "$n") batches, no listening socket, no 'Monitoring UI at' line"
    else
        bad "off: $*: listening on '$l'; log: '$(grep -m1 'Monitoring UI' "$n.err")'" "$n"
    fi
done
ui_stop "$p1"
ui_stop "$p2"
ui_stop "$p3"

# --- setting -------------------------------------------------------------------
A=$(ui_free_port) B=$(ui_free_port) C=$(ui_free_port) D=$(ui_free_port) E=$(ui_free_port)
prog uihdr "conf \"spark.ui.port\" = $B" || finish
ui_run set1 ./uiports --conf spark.ui.port="$A"
s1=$UI_PID
ui_run set2 ./uihdr
s2=$UI_PID
ui_run set3 ./uihdr --ui-port="$C"
s3=$UI_PID
ui_run set4 ./uihdr --conf "spark.ui.port=$D"
s4=$UI_PID
ui_run set5 ./uiports --ui-port "$E" --conf "spark.ui.port=$A"
s5=$UI_PID
# shellcheck disable=SC2089,SC2090
for c in "set1 $s1 $A --conf spark.ui.port=$A" "set2 $s2 $B conf \"spark.ui.port\" = $B in the program" \
    "set3 $s3 $C --ui-port=$C over the program's $B" "set4 $s4 $D --conf spark.ui.port=$D over the program's $B" \
    "set5 $s5 $E --ui-port $E with --conf spark.ui.port=$A"; do
    set -- $c
    n=$1 p=$2 want=$3
    shift 3
    got=$(ui_port "$n" "$p")
    l=$(listens "$n" "$p")
    if [ "$got" = "$want" ] && [ "$l" = "127.0.0.1:$want" ] && [ "$(ui_code "http://127.0.0.1:$want/metrics")" = 200 ]; then
        ok "setting: $*: listens on 127.0.0.1:$want, /metrics answers"
    else
        bad "setting: $*: expected 127.0.0.1:$want; the log says port '$got', listening: '$l'" "$n"
    fi
done
for p in "$s1" "$s2" "$s3" "$s4" "$s5"; do ui_stop "$p"; done

# --- usage -------------------------------------------------------------------------
probs=
for args in "--ui-port abc" "--ui-port -1" "--ui-port 65536" "--ui-port" "--ui-port= " "--ui-bind"; do
    # shellcheck disable=SC2086
    timeout 10 ./uiports $args --clock manual --batches 1 > usage.out 2> usage.err
    st=$?
    if [ $st -ne 64 ]; then
        probs+=" '$args': status $st ($(head -1 usage.err));"
    elif ! [ -s usage.err ]; then
        probs+=" '$args': status 64 without a message;"
    fi
done
if [ -z "$probs" ]; then
    ok "usage: a bad --ui-port / spark.ui.port / --ui-bind value is a usage error (status 64 and a message)"
else
    bad "usage: expected status 64:$probs"
fi
# a bad --ui-bind address: a usage error, or a WARN naming it and no UI
# (docs/monitoring.md: "A UI that cannot start (... a bad address) is a WARN")
P=$(ui_free_port)
timeout 10 ./uiports --ui-bind not-an-address --ui-port "$P" --clock manual --batches 3 > usage.out 2> usage.err
st=$?
if [ $st -eq 64 ] && [ -s usage.err ]; then
    ok "usage: --ui-bind not-an-address: status 64 ($(head -1 usage.err))"
elif [ $st -eq 0 ] && grep -q 'WARN.*not-an-address' usage.err && ! grep -q 'Monitoring UI at' usage.err; then
    ok "usage: --ui-bind not-an-address: runs without the UI: $(grep -m1 'WARN.*not-an-address' usage.err | sed 's/^.* WARN //')"
else
    bad "usage: --ui-bind not-an-address: status $st, expected 64, or 0 with a WARN naming the address: $(grep -v ' INFO ' usage.err | head -2 | tr '\n' ' ')"
fi
# a bad spark.ui.port: a usage error, or a warning naming the key
timeout 10 ./uiports --conf spark.ui.port=abc --clock manual --batches 1 > usage.out 2> usage.err
st=$?
if [ $st -eq 64 ] && [ -s usage.err ]; then
    ok "usage: --conf spark.ui.port=abc: status 64 ($(head -1 usage.err))"
elif [ $st -eq 0 ] && grep -q 'WARN.*spark.ui.port' usage.err; then
    ok "usage: --conf spark.ui.port=abc: $(grep -m1 'WARN.*spark.ui.port' usage.err | sed 's/^.* WARN //')"
else
    bad "usage: --conf spark.ui.port=abc: status $st, expected 64 or a WARN naming spark.ui.port: $(grep -v ' INFO ' usage.err | head -2 | tr '\n' ' ')"
fi

# --- taken -------------------------------------------------------------------------
P=$(ui_free_port 3)
if hold "$P"; then
    h1=$HOLD_PID
    ui_run taken1 ./uiports --ui-port "$P"
    t1=$UI_PID
    got=$(ui_port taken1 "$t1")
    l=$(listens taken1 "$t1")
    w=$(grep -m1 ' WARN .*'"$P" taken1.err)
    if [ "$got" = $((P + 1)) ] && [ "$l" = "127.0.0.1:$((P + 1))" ] && [[ $w == *"$P"*"$((P + 1))"* ]] &&
        [ "$(ui_code "http://127.0.0.1:$((P + 1))/metrics")" = 200 ]; then
        ok "taken: port $P held: the UI is on $((P + 1)); '${w#* WARN }'"
    else
        bad "taken: port $P held: expected the UI on $((P + 1)) and a WARN naming $P and $((P + 1)); log port '$got', listening '$l', warning '$w'" taken1
    fi
    if kill -0 "$h1" 2> /dev/null && ui_wait_batches taken1 "$t1" 3 10; then
        ok "taken: the program runs its batches, the other listener keeps $P"
    else
        bad "taken: program batches $(ui_batches taken1), the holder of $P $(kill -0 "$h1" 2> /dev/null && echo alive || echo gone)" taken1
    fi
    ui_stop "$t1"
    if hold "$((P + 1))"; then
        ui_run taken2 ./uiports --conf spark.ui.port="$P"
        t2=$UI_PID
        got=$(ui_port taken2 "$t2")
        l=$(listens taken2 "$t2")
        if [ "$got" = $((P + 2)) ] && [ "$l" = "127.0.0.1:$((P + 2))" ]; then
            ok "taken: ports $P and $((P + 1)) held: spark.ui.port=$P gives $((P + 2)) ($(grep -c ' WARN ' taken2.err) warnings)"
        else
            bad "taken: ports $P, $((P + 1)) held: expected $((P + 2)); log port '$got', listening '$l'" taken2
        fi
        ui_stop "$t2"
    fi
else
    bad "taken: cannot hold port $P"
fi

# no free port among the tries: Q..Q+16 all held (Spark's spark.port.maxRetries
# = 16: the port and 16 more)
Q=$(ui_free_port 18)
qs=$(seq "$Q" $((Q + 16)))
# shellcheck disable=SC2086
if hold $qs; then
    ui_run taken16 ./uiports --ui-port "$Q"
    t16=$UI_PID
    for ((i = 0; i < 60; i++)); do
        [ "$(ui_batches taken16)" -ge 4 ] && break
        kill -0 "$t16" 2> /dev/null || break
        sleep 0.1
    done
    running=$(kill -0 "$t16" 2> /dev/null && echo running || echo exited)
    l=$(listens taken16 "$t16")
    msg=$(grep -E -m1 ' (WARN|ERROR) .*'"$Q" taken16.err)
    [ -z "$msg" ] && msg=$(grep -E -m1 ' (WARN|ERROR) |error' taken16.err)
    if [ -z "$l" ] && [ -n "$msg" ] && ! grep -q 'Monitoring UI at' taken16.err; then
        ok "taken: $Q..$((Q + 16)) held (the port and 16 more): no other port taken, the program $running ($(ui_batches taken16) batches): '${msg#* [A-Z]* }'"
    else
        bad "taken: $Q..$((Q + 16)) held: listening '$l' (expected nothing beyond the 16 tries), message '$msg', UI line '$(grep -m1 'Monitoring UI' taken16.err)'" taken16
    fi
    ui_stop "$t16"
    kill -KILL "$HOLD_PID" 2> /dev/null
else
    bad "taken: cannot hold ports $Q..$((Q + 16))"
fi

# --- default 4040 ---------------------------------------------------------------
if ui_bindable 4040; then
    ui_run dflt ./uiports
    d=$UI_PID
    got=$(ui_port dflt "$d")
    l=$(listens dflt "$d")
    if [ "$got" = 4040 ] && [ "$l" = "127.0.0.1:4040" ]; then
        ok "default: no option: 'Monitoring UI at http://127.0.0.1:4040/', listening on 127.0.0.1:4040"
    elif [ -n "$got" ] && [ "$got" != 4040 ] && grep -q 'WARN.*4040' dflt.err; then
        skip "default: 4040 was taken meanwhile by something else; the program used $got with a warning"
    else
        bad "default: expected 127.0.0.1:4040; the log says '$got', listening '$l'" dflt
    fi
    ui_stop "$d"
else
    skip "default: port 4040 is in use on this machine; the default port is not checked"
fi

# --- loopback only, --ui-bind ------------------------------------------------------------
other=$(ui_other_ip)
L=$(ui_free_port)
ui_run lo ./uiports --ui-port "$L"
lpid=$UI_PID
got=$(ui_port lo "$lpid")
ui_wait_http "http://127.0.0.1:$L/metrics" 5
l=$(listens lo "$lpid")
if [ "$got" = "$L" ] && [ "$l" = "127.0.0.1:$L" ]; then
    ok "loopback: by default the only listening socket is 127.0.0.1:$L"
else
    bad "loopback: expected a socket on 127.0.0.1:$L only; listening: '$l'" lo
fi
if [ -n "$other" ]; then
    c=$(ui_code "http://$other:$L/metrics")
    if [ "$c" = 000 ]; then
        ok "loopback: not reachable on the machine's address $other:$L"
    else
        bad "loopback: http://$other:$L/metrics answers $c (expected no connection)"
    fi
else
    skip "loopback: this machine has no non-loopback address (hostname -I); reachability from another address not checked"
fi
ui_stop "$lpid"

G=$(ui_free_port)
ui_run bind ./uiports --ui-port "$G" --ui-bind 0.0.0.0
gpid=$UI_PID
got=$(ui_port bind "$gpid")
ui_wait_http "http://127.0.0.1:$G/metrics" 5
l=$(listens bind "$gpid")
if [ "$got" = "$G" ] && { [ "$l" = "0.0.0.0:$G" ] || [ "$l" = "*:$G" ]; }; then
    ok "bind: --ui-bind 0.0.0.0: listening on $l ($(grep -m1 -o 'Monitoring UI at [^ ]*' bind.err))"
else
    bad "bind: --ui-bind 0.0.0.0: expected a socket on 0.0.0.0:$G; the log says '$got', listening '$l'" bind
fi
if [ -n "$other" ]; then
    c=$(ui_code "http://$other:$G/metrics")
    if [ "$c" = 200 ]; then
        ok "bind: reachable on $other:$G"
    else
        bad "bind: http://$other:$G/metrics answers $c (expected 200)" bind
    fi
fi
ui_stop "$gpid"
if [ -n "$other" ]; then
    O=$(ui_free_port)
    ui_run bind2 ./uiports --ui-port "$O" --ui-bind "$other"
    opid=$UI_PID
    got=$(ui_port bind2 "$opid")
    l=$(listens bind2 "$opid")
    if [ "$l" = "$other:$O" ] && [ "$(ui_code "http://$other:$O/metrics")" = 200 ] && [ "$(ui_code "http://127.0.0.1:$O/metrics")" = 000 ]; then
        ok "bind: --ui-bind $other: only that address ($(grep -m1 -o 'Monitoring UI at [^ ]*' bind2.err))"
    else
        bad "bind: --ui-bind $other: listening '$l', $other answers $(ui_code "http://$other:$O/metrics"), 127.0.0.1 answers $(ui_code "http://127.0.0.1:$O/metrics")" bind2
    fi
    ui_stop "$opid"
fi

# --- slow clients ----------------------------------------------------------------------
S=$(ui_free_port)
ui_run slow ./uiports --ui-port "$S"
spid=$UI_PID
if [ "$(ui_port slow "$spid")" = "$S" ] && ui_wait_http "http://127.0.0.1:$S/metrics" 5 && ui_wait_batches slow "$spid" 3 10; then
    # batches of a time window: "count maxdelay maxprocessing"
    window() {
        awk -v a="$1" -v b="$2" 'match($0, / INFO Batch [0-9]+ ms: .*processing [0-9.]+ ms, delay -?[0-9]+ ms/) {
            k = split(substr($0, RSTART, RLENGTH), f, " ")
            t = f[3]; p = f[k - 4]; d = f[k - 1]
            if (t >= a && t < b) { n++; if (d > md) md = d; if (p > mp) mp = p }
        } END { printf "%d %d %.3f\n", n, md, mp }' slow.err
    }
    b0=$(date +%s%3N)
    sleep 2
    b1=$(date +%s%3N)
    read -r bn bd bp <<< "$(window "$b0" "$b1")"
    secs=12
    python3 "$root/tests/ui/slowclient.py" "$S" "$secs" slow.json
    b2=$(date +%s%3N)
    sleep 0.5 # the window's last batch is logged
    read -r sn sd sp <<< "$(window "$b1" "$b2")"
    expect=$(((b2 - b1) / 200))
    echo "     (before: $bn batches in $(((b1 - b0)))ms, max delay $bd ms, max processing $bp ms; with slow clients: $sn in $((b2 - b1)) ms, max delay $sd ms, max processing $sp ms)"
    if [ "$sn" -ge $((expect * 8 / 10)) ] && [ "$sd" -le 150 ] && awk -v p="$sp" 'BEGIN { exit !(p <= 100) }'; then
        ok "slow: with 22 misbehaving clients $sn batches ran in $((b2 - b1)) ms (200 ms each), max delay $sd ms, max processing $sp ms"
    else
        bad "slow: with misbehaving clients $sn batches in $((b2 - b1)) ms (expected >= $((expect * 8 / 10))), max delay $sd ms (<= 150), max processing $sp ms (<= 100)" slow
    fi
    res=$(python3 - slow.json "$secs" << 'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
secs = float(sys.argv[2])
out = []
g = r["good_max"]
out.append("good %s %s %s" % ("ok" if g is not None and g <= 1.0 and r["good_fail"] == 0 and r["good_n"] >= 5 else "bad",
                             r["good_n"], "none" if g is None else g))
out.append("goodfail %d" % r["good_fail"])
b = r["big"] or "none"
status = b.split(" ")[1] if b.startswith("HTTP/") else ""
out.append("big %s %s" % ("ok" if (status[:1] == "4" or status[:1] == "5" or b in ("closed", "reset")) else "bad", b.replace(" ", "_")))
closed = [c for c in r["idle_closed"] if c is not None]
out.append("idle %s %d %s" % ("ok" if len(closed) == len(r["idle_closed"]) else "bad", len(closed), max(closed) if closed else "-"))
out.append("loris %s %s" % ("ok" if r["loris"] is not None else "bad", r["loris"]))
print("\n".join(out))
EOF
    )
    set -- $(grep '^good ' <<< "$res")
    if [ "$2" = ok ]; then
        ok "slow: meanwhile $3 normal requests answered, the slowest in $4 s"
    else
        bad "slow: meanwhile normal requests: $3 answered, $(grep goodfail <<< "$res" | cut -d' ' -f2) failed, slowest $4 s (expected all within 1 s)"
    fi
    set -- $(grep '^big ' <<< "$res")
    if [ "$2" = ok ]; then
        ok "slow: a 1 MiB header gets '${3//_/ }'"
    else
        bad "slow: a 1 MiB header gets '${3//_/ }' (expected a 4xx/5xx status or the connection closed)"
    fi
    set -- $(grep '^idle ' <<< "$res")
    if [ "$2" = ok ]; then
        ok "slow: the 20 idle connections are closed by the server (the last after $4 s)"
    else
        bad "slow: only $3 of 20 idle connections were closed by the server within $secs s"
    fi
    set -- $(grep '^loris ' <<< "$res")
    if [ "$2" = ok ]; then
        echo "     (a request sent a byte every 0.5 s was cut off after $3 s)"
    else
        echo "     (a request sent a byte every 0.5 s was still open after $secs s: not an error, it cost no batch time)"
    fi
    if kill -0 "$spid" 2> /dev/null && [ "$(ui_code "http://127.0.0.1:$S/api/v1/streaming/statistics")" = 200 ]; then
        ok "slow: the program and its UI are fine afterwards"
    else
        bad "slow: afterwards the program is $(kill -0 "$spid" 2> /dev/null && echo up || echo gone), the API answers $(ui_code "http://127.0.0.1:$S/api/v1/streaming/statistics")" slow
    fi
else
    bad "slow: the program does not serve its UI on --ui-port $S" slow
fi
ui_stop "$spid"
finish
