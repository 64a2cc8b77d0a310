#!/usr/bin/env bash
# api.sh - the monitoring UI's HTTP API (JSON like Spark's REST API and
# Prometheus text) of compiled programs, checked against what they were fed
# and against their own log.
#
#   start      --ui-port P: "Monitoring UI at http://127.0.0.1:P/" is logged,
#              the endpoints answer with their content types
#   stats      /api/v1/streaming/statistics: Spark's fields; batchDuration,
#              numTotalCompletedBatches = the log's batch lines, records =
#              the lines fed; the averages are the batches'
#   batches    /api/v1/streaming/batches: one COMPLETED batch per log line,
#              batchId = batch time, inputSize = the lines of that batch's
#              queueStream file, droppedRecords = its bad lines, times = the
#              log's, output op counts; /batches/<time> returns that batch
#   receivers  /api/v1/streaming/receivers: the source; eventRates are
#              [batch time, inputSize / interval], avgEventRate their mean
#   metrics    /metrics parses as Prometheus text; counters equal the JSON;
#              histograms cumulative with _count = batches; state keys =
#              distinct keys fed to updateStateByKey; drops = bad lines
#   errors     unknown batch, unknown paths: 404; POST: not 2xx
#   escape     an app name with <b>, </script>, &, ", \ and é: escaped in
#              the HTML, valid JSON and Prometheus text that give it back
#   retention  a manual-clock program past 1000 batches: the batches API
#              returns the newest 1000 only
#   socket     a socket source without a peer: receivers isActive false,
#              lastErrorMessage "connection refused", streamc_source_up 0;
#              once a peer sends 25 lines: active, up 1, 25 records
#   kafka      a Kafka program (tests/kafka/lib.sh's mock cluster): each
#              batch's offsetRanges per partition, contiguous, within the
#              rate limit; streamc_kafka_lag per partition: 0 once read,
#              > 0 on the partition that received more than a batch takes
#   stop       SIGTERM: status 0, the port is closed
#
# Usage: tests/ui/api.sh     Prints "ui-api: N passed, M failed".
#        STREAMC=DIR/streamc STREAMC_RUNTIME=RTDIR STREAMC_CFLAGS="-O1 -fsanitize=..."
#        runs it on other builds (a sanitizer's report fails it).
# Needs curl, python3; the kafka case build/kafka-mock (make) and kcat.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/ui/lib.sh"
ui_suite ui-api
for tool in curl python3; do
    command -v $tool > /dev/null || { bad "$tool is not installed (apt-get install $tool)"; finish; }
done

compile() { # NAME: NAME.stream -> ./NAME
    if "$streamc" "${ccflags[@]}" -o "$1" "$1.stream" 2> "$1.cc"; then return 0; fi
    bad "compile $1: $(head -3 "$1.cc" | tr '\n' ' ')"
    return 1
}

# --- the input: 4 files "key value" lines, some values not numbers ----------
mkdir in empty
awk 'BEGIN {
    split("30 120 7 64", n, " "); split("3 0 7 2", b, " ")
    for (f = 1; f <= 4; f++) {
        file = sprintf("in/f%d", f)
        for (l = 1; l <= n[f]; l++) {
            v = (l <= b[f]) ? "x" l : l * f
            print "k" ((l * 7 + f) % (10 + 6 * f)), v > file
        }
        close(file)
    }
}'
lines=$(cat in/* | wc -l)
badlines=$(awk '$2 !~ /^[0-9]+$/' in/* | wc -l)
keys=$(cut -d' ' -f1 in/* | sort -u | wc -l)

cat > uiapi.stream << 'EOF'
app "UiApi"
batch 400ms
master "local[2]"
val lines = ssc.queueStream("in")
val nums = lines.map(l => l.split(" ")(1).toInt)
nums.count().print()
val totals = lines.map(l => (l.split(" ")(0), 1)).updateStateByKey((values: Seq[Int], state: Option[Int]) => Some(values.sum + state.getOrElse(0)))
totals.count().print()
EOF
compile uiapi || finish

P=$(ui_free_port) || { bad "no free port"; finish; }
ui_run uiapi ./uiapi --ui-port "$P"
apid=$UI_PID
port=$(ui_port uiapi "$apid")
if [ -z "$port" ]; then
    bad "start: no 'Monitoring UI at http://127.0.0.1:$P/' line within 15 s (status of the program: $(kill -0 $apid 2> /dev/null && echo running || echo exited))" uiapi
    finish
fi
line=$(grep -m1 'Monitoring UI at' uiapi.err)
if [ "$port" = "$P" ] && [[ $line == *" INFO Monitoring UI at http://127.0.0.1:$P/"* ]]; then
    ok "start: --ui-port $P: the log says '${line#* INFO }'"
else
    bad "start: --ui-port $P: expected an INFO line 'Monitoring UI at http://127.0.0.1:$P/', got '$line'"
fi
base=http://127.0.0.1:$port
api=$base/api/v1/streaming
if ! ui_wait_http "$api/statistics" 10; then
    bad "start: $api/statistics does not answer 200 within 10 s (got $(ui_code "$api/statistics"))" uiapi
    finish
fi
if ! ui_wait_batches uiapi "$apid" 7 20; then
    bad "start: fewer than 7 batches logged in 20 s ($(ui_batches uiapi))" uiapi
    finish
fi

# content types
ctype() { curl -s -m 5 -o /dev/null -w '%{http_code} %{content_type}' "$1"; }
probs=
for ep in statistics receivers batches; do
    c=$(ctype "$api/$ep")
    [[ $c == "200 application/json"* ]] || probs+=" /api/v1/streaming/$ep: '$c';"
done
c=$(ctype "$base/metrics")
[[ $c == "200 text/plain"* ]] || probs+=" /metrics: '$c';"
c=$(ctype "$base/")
[[ $c == "200 text/html"* ]] || probs+=" /: '$c';"
if [ -z "$probs" ]; then
    ok "content types: 200 application/json for the API, text/plain for /metrics, text/html for /"
else
    bad "content types:$probs"
fi

# --- one consistent view: no batch completed while the answers were taken ----
# (the log line and the metrics of a batch are not written at the same
# instant: the answers are taken 100 ms after a batch line appeared, well
# before the next one, and again if a batch line came meanwhile)
mkdir snap
for _ in 1 2 3 4 5 6; do
    n0=$(ui_batches uiapi)
    for ((i = 0; i < 40; i++)); do
        [ "$(ui_batches uiapi)" -gt "$n0" ] && break
        sleep 0.05
    done
    sleep 0.05
    n1=$(ui_batches uiapi)
    ui_get "$api/statistics" > snap/stats.json 2> snap/curl.err &&
        ui_get "$api/batches" > snap/batches.json 2>> snap/curl.err &&
        ui_get "$api/receivers" > snap/receivers.json 2>> snap/curl.err &&
        ui_get "$base/metrics" > snap/metrics.txt 2>> snap/curl.err
    st=$?
    sleep 0.03 # a batch counted in the answers is in the log by then
    cp uiapi.err snap/err
    n2=$(grep -c ' INFO Batch [0-9]* ms: ' snap/err)
    [ $st -eq 0 ] || { bad "fetch: $(tr '\n' ' ' < snap/curl.err)"; break; }
    python3 "$check_py" api snap in 400 2 "$keys" "$n1" > snap/result
    [ "$n1" = "$n2" ] && ! grep -q '^FAIL' snap/result && break
done
report < snap/result
report < <(python3 "$check_py" prom snap/metrics.txt)
echo "     ($lines lines fed, $badlines not numbers, $keys distinct keys; $n2 batches)"

# /batches/<time>
first=$(python3 -c 'import json,sys; b=sorted(x["batchId"] for x in json.load(open(sys.argv[1])) if x["status"]=="COMPLETED"); print(b[0], b[1], b[-1])' snap/batches.json 2> /dev/null)
if [ -n "$first" ]; then
    probs=
    for t in $first; do
        if ! ui_get "$api/batches/$t" > one.json 2> curl.err; then
            probs+=" /batches/$t: $(tr '\n' ' ' < curl.err);"
            continue
        fi
        got=$(python3 -c '
import json, sys
one = json.load(open(sys.argv[1]))
lst = {b["batchId"]: b for b in json.load(open(sys.argv[2]))}
t = int(sys.argv[3])
if not isinstance(one, dict) or one.get("batchId") != t:
    print("batchId %r" % (one.get("batchId") if isinstance(one, dict) else one))
else:
    diff = [k for k in ("batchTime", "status", "inputSize", "processingTime", "schedulingDelay", "totalDelay", "droppedRecords",
                        "numTotalOutputOps") if one.get(k) != lst[t].get(k)]
    print("differs from the list in " + ", ".join(diff) if diff else "same")
' one.json snap/batches.json "$t" 2>&1)
        [ "$got" = same ] || probs+=" /batches/$t: $got;"
    done
    if [ -z "$probs" ]; then
        ok "batches/<time>: /api/v1/streaming/batches/<t> returns the batch of the list for $(echo "$first" | tr ' ' ',')"
    else
        bad "batches/<time>:$probs"
    fi
else
    bad "batches/<time>: no completed batch ids in the batches list"
fi

# --- errors ------------------------------------------------------------------
probs=
for u in "$api/batches/1" "$api/batches/99999999999999" "$api/batches/abc" "$api/nope" "$base/nope" "$base/api/v1/nope" "$base/metrics/x"; do
    c=$(ui_code "$u")
    case $c in 404) ;; 400) [[ $u == */abc ]] || probs+=" ${u#$base}: $c;" ;; *) probs+=" ${u#$base}: $c;" ;; esac
done
if [ -z "$probs" ]; then
    ok "errors: unknown batches and paths answer 404 (a batch id that is not a number: 404 or 400)"
else
    bad "errors: expected 404:$probs"
fi
probs=
for u in "$api/statistics" "$base/metrics" "$base/"; do
    c=$(ui_code -X POST -d x=1 "$u")
    case $c in 4[0-9][0-9]) ;; *) probs+=" POST ${u#$base}: $c;" ;; esac
    c=$(ui_code -X DELETE "$u")
    case $c in 4[0-9][0-9]) ;; *) probs+=" DELETE ${u#$base}: $c;" ;; esac
done
if [ -z "$probs" ]; then
    ok "errors: POST and DELETE answer 4xx (405: $(ui_code -X POST -d x=1 "$api/statistics"))"
else
    bad "errors: expected 4xx:$probs"
fi
if kill -0 "$apid" 2> /dev/null && [ "$(ui_code "$api/statistics")" = 200 ]; then
    ok "errors: the program and its UI are still up after the bad requests"
else
    bad "errors: after the bad requests the program is $(kill -0 "$apid" 2> /dev/null && echo up || echo gone), the API answers $(ui_code "$api/statistics")" uiapi
fi

# --- escape: the app name in HTML, JSON, Prometheus --------------------------
cat > uiesc.stream << 'EOF'
app "<b>x</b></script> & \"q\" \\ 'a' \u00e9"
batch 500ms
ssc.queueStream("in").count().print()
EOF
name=$(printf '<b>x</b></script> & "q" \\ '"'"'a'"'"' \xc3\xa9')
if compile uiesc; then
    P2=$(ui_free_port)
    ui_run uiesc ./uiesc --ui-port "$P2"
    epid=$UI_PID
    eport=$(ui_port uiesc "$epid")
    if [ -n "$eport" ] && ui_wait_http "http://127.0.0.1:$eport/api/v1/streaming/statistics" 10 && ui_wait_batches uiesc "$epid" 1 10; then
        eb=http://127.0.0.1:$eport
        ui_get "$eb/" > esc.html 2> curl.err
        got=$(python3 - esc.html "$name" << 'EOF'
import sys
from html.parser import HTMLParser
html = open(sys.argv[1], encoding="utf-8").read()
name = sys.argv[2]
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.title, self.h1, self.where, self.bx = [], "", "", [], False
    def handle_starttag(self, t, a):
        self.tags.append(t); self.where.append(t)
    def handle_endtag(self, t):
        if self.where and self.where[-1] == t: self.where.pop()
    def handle_data(self, d):
        if "title" in self.where: self.title += d
        if "h1" in self.where: self.h1 += d
        if self.where and self.where[-1] == "b" and d == "x": self.bx = True
p = P(); p.feed(html)
probs = []
if "<b>x</b>" in html: probs.append("the raw <b>x</b> is in the HTML")
if "</script> &" in html: probs.append("a raw </script> from the name is in the HTML")
if p.bx: probs.append("the HTML has a <b> element holding x (the name's tag)")
if name not in p.title and name not in p.h1:
    probs.append("the title %r / h1 %r do not give the name back" % (p.title, p.h1))
print("; ".join(probs) if probs else "ok")
EOF
        )
        if [ "$got" = ok ]; then
            ok "escape: the app name $(printf '%q' "$name") is escaped in the HTML and its title/h1 give it back"
        else
            bad "escape: HTML: $got"
        fi
        found=
        probs=
        for ep in api/v1/streaming/statistics api/v1/streaming/receivers api/v1/streaming/batches api/v1/applications; do
            [ "$(ui_code "$eb/$ep")" = 200 ] || continue
            ui_get "$eb/$ep" > esc.json 2> /dev/null
            python3 "$check_py" json-has esc.json "$name"
            case $? in 0) found+=" /$ep" ;; 2) probs+=" /$ep is not valid JSON;" ;; esac
        done
        if [ -z "$probs" ] && [ -n "$found" ]; then
            ok "escape: the JSON is valid and gives the name back ($found)"
        else
            bad "escape: JSON:${probs:- no endpoint (statistics, receivers, batches, applications) holds the name as a string}"
        fi
        ui_get "$eb/metrics" > esc.txt 2> /dev/null
        got=$(python3 - esc.txt "$name" << EOF
import sys
sys.path.insert(0, "$root/tests/ui")
from uicheck import parse_prom
samples, types, errors = parse_prom(open(sys.argv[1], encoding="utf-8").read())
vals = [v for (_, l, _) in samples for v in l.values() if "x</b>" in v]
if errors: print("does not parse: %s" % errors[:2])
elif vals and any(v != sys.argv[2] for v in vals): print("a label gives %r" % vals)
else: print("ok %d" % len(vals))
EOF
        )
        if [[ $got == "ok "* ]]; then
            ok "escape: /metrics parses$([ "${got#ok }" != 0 ] && echo "; labels holding the name give it back (\\\" and \\\\ escaped)")"
        else
            bad "escape: /metrics with that name: $got"
        fi
    else
        bad "escape: the program with that app name does not serve its UI" uiesc
    fi
    ui_stop "$epid"
fi

# --- retention: > 1000 batches, the newest 1000 kept ----------------------
cat > uikeep.stream << 'EOF'
app "UiKeep"
batch 1s
master "local[1]"
ssc.queueStream("empty").count().print()
EOF
if compile uikeep; then
    P3=$(ui_free_port)
    ui_run uikeep ./uikeep --ui-port "$P3" --clock manual --conf streamc.logLevel=WARN
    kpid=$UI_PID
    total=0
    if ui_wait_http "http://127.0.0.1:$P3/api/v1/streaming/statistics" 10; then
        for ((i = 0; i < 200; i++)); do
            ui_get "http://127.0.0.1:$P3/api/v1/streaming/statistics" > keep-stats.json 2> /dev/null
            total=$(python3 "$check_py" get keep-stats.json numTotalCompletedBatches 2> /dev/null)
            [ "${total:-0}" -gt 1100 ] 2> /dev/null && break
            sleep 0.1
        done
        ui_get "http://127.0.0.1:$P3/api/v1/streaming/statistics" > keep-stats.json 2> /dev/null
        ui_get "http://127.0.0.1:$P3/api/v1/streaming/batches" > keep-batches.json 2> /dev/null
        report < <(python3 "$check_py" retention keep-stats.json keep-batches.json 1000)
    else
        bad "retention: the manual-clock program's UI does not answer on --ui-port $P3" uikeep
    fi
    ui_stop "$kpid"
fi

# --- socket: a source's status and last error ----------------------------------
SP=$(ui_free_port)
cat > uisock.stream << EOF
app "UiSocket"
batch 300ms
ssc.socketTextStream("127.0.0.1", $SP).count().print()
EOF
if compile uisock; then
    P5=$(ui_free_port)
    ui_run uisock ./uisock --ui-port "$P5"
    spid=$UI_PID
    sb=http://127.0.0.1:$P5
    if ui_wait_http "$sb/api/v1/streaming/receivers" 10 && ui_wait_batches uisock "$spid" 2 10; then
        ui_get "$sb/api/v1/streaming/receivers" > sock1.json 2> /dev/null
        ui_get "$sb/metrics" > sock1.txt 2> /dev/null
        got=$(python3 - sock1.json sock1.txt << EOF
import json, sys
sys.path.insert(0, "$root/tests/ui")
from uicheck import parse_prom, prom_get
r = json.load(open(sys.argv[1]))
samples, _, errors = parse_prom(open(sys.argv[2]).read())
up = [v for (n, l, v) in samples if n == "streamc_source_up"]
r = r[0] if isinstance(r, list) and len(r) == 1 else {}
msg = r.get("lastErrorMessage") or ""
print("ok" if r.get("isActive") is False and "refused" in msg.lower() and up == [0] else "bad", "isActive=%r lastErrorMessage=%r streamc_source_up=%s" % (r.get("isActive"), msg, up))
EOF
        )
        if [[ $got == "ok "* ]]; then
            ok "socket: no peer: receivers ${got#ok }"
        else
            bad "socket: no peer: expected isActive false, a lastErrorMessage saying 'connection refused', streamc_source_up 0; got ${got#bad }" uisock
        fi
        # a peer sending 25 lines and staying connected
        ui_run peer python3 -c '
import os, socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
parent = os.getppid()
c, _ = s.accept()
c.sendall(b"".join(b"line %d\n" % i for i in range(25)))
for _ in range(300):
    if os.getppid() != parent: break
    time.sleep(0.1)
' "$SP"
        for ((i = 0; i < 100; i++)); do
            ui_get "$sb/api/v1/streaming/statistics" > sock-stats.json 2> /dev/null
            [ "$(python3 "$check_py" get sock-stats.json numReceivedRecords 2> /dev/null)" = 25 ] && break
            sleep 0.1
        done
        ui_get "$sb/api/v1/streaming/receivers" > sock2.json 2> /dev/null
        ui_get "$sb/metrics" > sock2.txt 2> /dev/null
        got=$(python3 - sock2.json sock2.txt sock-stats.json << EOF
import json, sys
sys.path.insert(0, "$root/tests/ui")
from uicheck import parse_prom
r = json.load(open(sys.argv[1]))
st = json.load(open(sys.argv[3]))
samples, _, errors = parse_prom(open(sys.argv[2]).read())
up = [v for (n, l, v) in samples if n == "streamc_source_up"]
recs = [v for (n, l, v) in samples if n == "streamc_records_total"]
r = r[0] if isinstance(r, list) and len(r) == 1 else {}
good = r.get("isActive") is True and up == [1] and recs == [25] and st.get("numReceivedRecords") == 25
print("ok" if good else "bad", "isActive=%r streamc_source_up=%s streamc_records_total=%s numReceivedRecords=%r"
      % (r.get("isActive"), up, recs, st.get("numReceivedRecords")))
EOF
        )
        if [[ $got == "ok "* ]]; then
            ok "socket: once a peer sent 25 lines: ${got#ok }"
        else
            bad "socket: after a peer sent 25 lines: expected isActive true, streamc_source_up 1, 25 records; got ${got#bad }" uisock
        fi
    else
        bad "socket: the program's UI does not answer on --ui-port $P5" uisock
    fi
    ui_stop "$spid"
fi

# --- kafka: offset ranges and lag ---------------------------------------------
kafka_case() {
    if [ ! -x "$root/build/kafka-mock" ] || ! command -v kcat > /dev/null; then
        bad "kafka: build/kafka-mock (make) or kcat (apt-get install kcat) missing"
        return
    fi
    . "$root/tests/kafka/lib.sh"
    kafka_start ui:3 || { bad "kafka: cannot start the mock cluster"; return; }
    seq 1 50 | kafka_produce ui 0 && seq 1 40 | kafka_produce ui 1 && seq 1 30 | kafka_produce ui 2 ||
        { bad "kafka: cannot produce"; return; }
    cat > uikafka.stream << EOF
app "UiKafka"
batch 400ms
val kafkaParams = Map[String, Object](
  "bootstrap.servers" -> "$KAFKA_BOOTSTRAP",
  "key.deserializer" -> classOf[StringDeserializer],
  "value.deserializer" -> classOf[StringDeserializer],
  "group.id" -> "g-ui",
  "auto.offset.reset" -> "earliest",
  "enable.auto.commit" -> (false: java.lang.Boolean))
val stream = KafkaUtils.createDirectStream[String, String](ssc, PreferConsistent,
  Subscribe[String, String](Array("ui"), kafkaParams))
stream.map(record => record.value).count().print()
EOF
    compile uikafka || return
    local P4 kb n i lag
    P4=$(ui_free_port)
    ui_run uikafka ./uikafka --ui-port "$P4" --conf spark.streaming.kafka.maxRatePerPartition=100
    kfpid=$UI_PID
    kb=http://127.0.0.1:$P4/api/v1/streaming
    if ! ui_wait_http "$kb/statistics" 20; then
        bad "kafka: the UI does not answer on --ui-port $P4" uikafka
        return
    fi
    for ((i = 0; i < 150; i++)); do
        ui_get "$kb/statistics" > kstats.json 2> /dev/null
        n=$(python3 "$check_py" get kstats.json numProcessedRecords 2> /dev/null)
        [ "${n:-0}" -ge 120 ] 2> /dev/null && break
        sleep 0.1
    done
    # lag: 0 on every partition once everything is read (measured at a batch's start)
    for ((i = 0; i < 50; i++)); do
        ui_get "http://127.0.0.1:$P4/metrics" > kmetrics.txt 2> /dev/null
        lag=$(python3 "$check_py" lag kmetrics.txt ui 3 | tr '\n' ' ')
        [ "$lag" = "0 0 1 0 2 0 " ] && break
        sleep 0.1
    done
    if [ "$lag" = "0 0 1 0 2 0 " ]; then
        ok "kafka: streamc_kafka_lag{topic=\"ui\",partition=\"0..2\"} = 0 once the 120 records are read"
    else
        bad "kafka: streamc_kafka_lag per partition (partition lag): '$lag', expected 0 for partitions 0 1 2" uikafka
    fi
    ui_get "$kb/batches" > kbatches.json 2> /dev/null
    ui_get "$kb/statistics" > kstats.json 2> /dev/null
    mkdir -p kd && cp kbatches.json kd/batches.json && cp kstats.json kd/stats.json
    report < <(python3 "$check_py" kafka kd ui 50,40,30 40)
    ui_get "$kb/receivers" > krecv.json 2> /dev/null
    if python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r, list) and len(r) == 1 and r[0]["streamId"] == 0 and "ui" in r[0]["streamName"] and r[0]["isActive"] is True
' krecv.json 2> /dev/null; then
        ok "kafka: receivers: the Kafka source, active ($(python3 "$check_py" get krecv.json 0 streamName))"
    else
        bad "kafka: receivers: expected one active entry naming topic ui: $(head -c 300 krecv.json)"
    fi
    # 1000 more on partition 0: more than a batch takes (40): lag > 0 there only
    seq 1 1000 | kafka_produce ui 0 || { bad "kafka: cannot produce"; return; }
    for ((i = 0; i < 50; i++)); do
        ui_get "http://127.0.0.1:$P4/metrics" > kmetrics.txt 2> /dev/null
        lag=$(python3 "$check_py" lag kmetrics.txt ui 3 | tr '\n' ' ')
        set -- $lag
        [ "${2:-x}" != missing ] && [ "${2:-0}" -gt 0 ] 2> /dev/null && break
        sleep 0.1
    done
    set -- $lag
    if [ "${2:-x}" != missing ] && [ "${2:-0}" -gt 0 ] 2> /dev/null && [ "$2" -le 1000 ] && [ "${4:-}" = 0 ] && [ "${6:-}" = 0 ]; then
        ok "kafka: 1000 records more on partition 0 (40 a batch): lag $2 there, 0 on partitions 1 and 2"
    else
        bad "kafka: after 1000 records more on partition 0, lag per partition '$lag', expected 0 < lag(0) <= 1000, 0 elsewhere" uikafka
    fi
    ui_stop "$kfpid"
    kafka_stop
}
kafka_case

# --- stop ---------------------------------------------------------------------
if kill -0 "$apid" 2> /dev/null; then
    ui_stop "$apid"
    c=$(ui_code "$api/statistics")
    if [ "$UI_STATUS" = 0 ] && [ "$c" = 000 ]; then
        ok "stop: SIGTERM: status 0, nothing answers on port $port any more"
    else
        bad "stop: SIGTERM: status $UI_STATUS (expected 0), port $port answers '$c' (expected no connection)" uiapi
    fi
else
    bad "stop: the program had exited before the end of the test" uiapi
fi
finish
