#!/usr/bin/env python3
"""uicheck.py - checks of the monitoring UI's answers for tests/ui/*.sh.

Each command prints one line per check, "ok MESSAGE" or "FAIL MESSAGE";
the shell scripts count them. Commands:

  prom FILE                       the Prometheus text format of /metrics
  api DIR INPUTDIR INTERVAL_MS NOUTPUTS KEYS
                                  DIR holds stats.json, batches.json,
                                  metrics.txt, receivers.json, err (the
                                  program's log): they agree with each other,
                                  with the log and with the input files
  retention STATS BATCHES INTERVAL_MS
                                  at most 1000 batches kept, the newest ones
  kafka DIR TOPIC COUNTS MAXPERBATCH
                                  offset ranges of the batches, per partition,
                                  contiguous from 0 to COUNTS (p0,p1,..)
  lag METRICS TOPIC PARTS          print "partition lag" lines (no checks)
  png FILE W H                    a PNG of W x H, not blank
  dom FILE APPNAME IDS            the DOM after the page's scripts ran
  json-has FILE STRING            exit 0 if some string in the JSON equals STRING
  get FILE KEY...                 print a value of a JSON file (KEY: object key or index)
"""
import datetime
import json
import math
import re
import struct
import sys
import zlib
from html.parser import HTMLParser

results = []


def ok(msg):
    results.append("ok   " + msg)


def fail(msg):
    results.append("FAIL " + msg)


def check(cond, good, badmsg):
    if cond:
        ok(good)
    else:
        fail(badmsg)
    return cond


def done():
    for r in results:
        print(r)
    sys.exit(0)


# --- Prometheus ----------------------------------------------------------
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(" + NAME + r")(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$")
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')


def parse_labels(body):
    labels = {}
    pos = 0
    while pos < len(body):
        m = LABEL.match(body, pos)
        if not m or m.end() == pos:
            raise ValueError("bad labels {%s}" % body)
        v = m.group(2).replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        if m.group(1) in labels:
            raise ValueError("label %s twice" % m.group(1))
        labels[m.group(1)] = v
        pos = m.end()
    return labels


def parse_prom(text):
    """-> (samples [(name, labels, value)], types {name: type}, errors [])"""
    samples, types, helps, errors = [], {}, {}, []
    seen_names = set()
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                if len(parts) != 4 or parts[3] not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    errors.append("line %d: bad TYPE line: %r" % (n, line))
                elif parts[2] in types:
                    errors.append("line %d: a second TYPE for %s" % (n, parts[2]))
                elif parts[2] in seen_names:
                    errors.append("line %d: TYPE of %s after its samples" % (n, parts[2]))
                else:
                    types[parts[2]] = parts[3]
            elif len(parts) >= 3 and parts[1] == "HELP":
                helps[parts[2]] = parts[3] if len(parts) > 3 else ""
            continue
        m = SAMPLE.match(line)
        if not m:
            errors.append("line %d: not 'name{labels} value': %r" % (n, line))
            continue
        try:
            labels = parse_labels(m.group(2) or "")
            v = float(m.group(3))
        except ValueError as e:
            errors.append("line %d: %s: %r" % (n, e, line))
            continue
        name = m.group(1)
        base = re.sub(r"_(bucket|sum|count|total|created)$", "", name)
        seen_names.add(name)
        seen_names.add(base)
        samples.append((name, labels, v))
    if not text.endswith("\n"):
        errors.append("the text does not end with a newline")
    return samples, types, errors


def prom_get(samples, name, **labels):
    return [v for (n, l, v) in samples if n == name and all(l.get(k) == val for k, val in labels.items())]


def histogram_check(samples, types, name, count=None, sum_expected=None, sum_tol=None):
    """cumulative buckets ending at +Inf == _count; optional count / sum"""
    if types.get(name) != "histogram":
        fail("metrics: %s is not declared '# TYPE %s histogram' (type %s)" % (name, name, types.get(name)))
        return
    buckets = [(l.get("le"), v) for (n, l, v) in samples if n == name + "_bucket"]
    cnt = prom_get(samples, name + "_count")
    sm = prom_get(samples, name + "_sum")
    if not buckets or len(cnt) != 1 or len(sm) != 1:
        fail("metrics: %s: %d buckets, %d _count, %d _sum samples" % (name, len(buckets), len(cnt), len(sm)))
        return
    try:
        bounds = [(float(le), v) for le, v in buckets]
    except (TypeError, ValueError):
        fail("metrics: %s: a bucket without a numeric le label: %r" % (name, buckets))
        return
    sorted_b = sorted(bounds)
    problems = []
    if bounds != sorted_b:
        problems.append("buckets not in increasing le order")
    if sorted_b[-1][0] != math.inf:
        problems.append("no le=\"+Inf\" bucket")
    if any(b[1] > c[1] for b, c in zip(sorted_b, sorted_b[1:])):
        problems.append("counts not cumulative: %s" % sorted_b)
    if sorted_b[-1][1] != cnt[0]:
        problems.append("+Inf bucket %g != _count %g" % (sorted_b[-1][1], cnt[0]))
    if count is not None and cnt[0] != count:
        problems.append("_count %g, expected %d (batches completed)" % (cnt[0], count))
    if sum_expected is not None and abs(sm[0] - sum_expected) > sum_tol:
        problems.append("_sum %g, expected %g +- %g (from the batches' times)" % (sm[0], sum_expected, sum_tol))
    check(not problems, "metrics: %s histogram: %d cumulative buckets, +Inf = _count = %g, _sum %.4g"
          % (name, len(buckets), cnt[0], sm[0]), "metrics: %s: %s" % (name, "; ".join(problems)))


def cmd_prom(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    samples, types, errors = parse_prom(text)
    check(not errors and samples, "metrics: %d samples, %d TYPE lines, every line parses as Prometheus text"
          % (len(samples), len(types)), "metrics: not Prometheus text: %s" % "; ".join(errors[:4]) if errors else "metrics: no samples")
    untyped = sorted({re.sub(r"_(bucket|sum|count)$", "", n) for n, _, _ in samples} - set(types) -
                     {n for n, _, _ in samples if n in types})
    untyped = [u for u in untyped if u not in types]
    check(not untyped, "metrics: every metric has a # TYPE line", "metrics: no # TYPE line for %s" % untyped[:5])
    bad_counters = [n for n, t in types.items() if t == "counter" and not n.endswith("_total")]
    check(not bad_counters, "metrics: counter names end in _total", "metrics: counters not named *_total: %s" % bad_counters)
    return samples, types


# --- JSON helpers ----------------------------------------------------------
def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail("%s: not JSON: %s" % (what, e))
        return None


def to_ms(v):
    """batchTime: a number of ms, or a date string (Spark: 2015-05-11T12:01:00.000GMT)"""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v)
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"\d+", s):
            return int(s)
        s = re.sub(r"(GMT|UTC|Z)$", "", s)
        s = re.sub(r"([+-]\d\d):?(\d\d)$", r"\1:\2", s)
        try:
            d = datetime.datetime.fromisoformat(s)
        except ValueError:
            return None
        if d.tzinfo is None:
            d = d.replace(tzinfo=datetime.timezone.utc)
        return int(round(d.timestamp() * 1000))
    return None


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


LOGLINE = re.compile(r" INFO Batch (\d+) ms: (\d+) records(?:, (\d+) dropped)?(?:, replayed)?, processing ([\d.]+) ms, delay (-?\d+) ms")


def log_batches(path):
    out = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        m = LOGLINE.search(line)
        if m:
            out[int(m.group(1))] = {"records": int(m.group(2)), "dropped": int(m.group(3) or 0),
                                    "processing": float(m.group(4)), "delay": int(m.group(5))}
    return out


STAT_KEYS = ["batchDuration", "numTotalCompletedBatches", "numRetainedCompletedBatches", "numActiveBatches",
             "numProcessedRecords", "numReceivedRecords", "avgInputRate", "avgSchedulingDelay",
             "avgProcessingTime", "avgTotalDelay"]
BATCH_KEYS = ["batchId", "batchTime", "status", "inputSize", "schedulingDelay", "processingTime", "totalDelay",
              "numTotalOutputOps", "numCompletedOutputOps", "numFailedOutputOps"]
RECEIVER_KEYS = ["streamId", "streamName", "isActive", "avgEventRate", "eventRates"]


def input_files(d):
    import os
    names = sorted(n for n in os.listdir(d) if not n.startswith(".") and not n.startswith("_"))
    files = []
    for n in names:
        lines = open(os.path.join(d, n), encoding="utf-8").read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        bad = sum(1 for l in lines if not re.fullmatch(r"-?\d+", l.split(" ")[1]))
        files.append({"lines": len(lines), "bad": bad, "keys": {l.split(" ")[0] for l in lines}})
    return files


def approx(a, b, tol):
    return is_num(a) and abs(a - b) <= tol


def cmd_api(d, inputdir, interval, noutputs, nkeys, lo=None):
    """lo: the log's batch lines before the answers were taken (the log in
    d/err was copied after them): each answer's count must be in [lo, the
    log's count] -- exact when no batch completed meanwhile."""
    interval, noutputs, nkeys = int(interval), int(noutputs), int(nkeys)
    stats = load_json(d + "/stats.json", "statistics")
    batches = load_json(d + "/batches.json", "batches")
    receivers = load_json(d + "/receivers.json", "receivers")
    if stats is None or batches is None or receivers is None:
        return
    log = log_batches(d + "/err")
    files = input_files(inputdir)
    nlines = sum(f["lines"] for f in files)
    nbad = sum(f["bad"] for f in files)
    nlog = len(log)
    lo = nlog if lo is None else int(lo)
    inlog = lambda n: is_num(n) and lo <= n <= nlog
    logn = ("%d" % nlog) if lo == nlog else ("%d..%d" % (lo, nlog))
    log_sorted = sorted(log)

    # statistics
    missing = [k for k in STAT_KEYS if not isinstance(stats, dict) or k not in stats]
    if not check(not missing, "statistics: every field of Spark's StreamingStatistics (%d)" % len(STAT_KEYS),
                 "statistics: fields missing: %s (got %s)" % (missing, sorted(stats)[:20] if isinstance(stats, dict) else stats)):
        return
    check(stats["batchDuration"] == interval, "statistics: batchDuration = %d ms" % interval,
          "statistics: batchDuration = %r, expected %d (the program's batch interval)" % (stats["batchDuration"], interval))
    ntotal = stats["numTotalCompletedBatches"]
    check(inlog(ntotal),
          "statistics: numTotalCompletedBatches = %r = the batch lines of the log (%s)" % (ntotal, logn),
          "statistics: numTotalCompletedBatches = %r, the log has %s batch lines" % (ntotal, logn))
    check(is_num(ntotal) and stats["numRetainedCompletedBatches"] == min(ntotal, 1000),
          "statistics: numRetainedCompletedBatches = %r" % stats["numRetainedCompletedBatches"],
          "statistics: numRetainedCompletedBatches = %r, expected %s" % (stats["numRetainedCompletedBatches"], ntotal))
    check(stats["numProcessedRecords"] == nlines and stats["numReceivedRecords"] == nlines,
          "statistics: numProcessedRecords = numReceivedRecords = %d, the lines of the %d input files" % (nlines, len(files)),
          "statistics: numProcessedRecords = %r, numReceivedRecords = %r, expected %d (lines fed)"
          % (stats["numProcessedRecords"], stats["numReceivedRecords"], nlines))
    check(is_num(stats["numActiveBatches"]) and 0 <= stats["numActiveBatches"] <= 2,
          "statistics: numActiveBatches = %r (a program keeping up)" % stats["numActiveBatches"],
          "statistics: numActiveBatches = %r, expected 0..2 for a program keeping up with 400 ms batches" % stats["numActiveBatches"])

    # batches
    if not check(isinstance(batches, list), "batches: a JSON array", "batches: not a JSON array: %.200r" % batches):
        return
    if not check(all(isinstance(b, dict) and "status" in b for b in batches), "batches: objects with a status",
                 "batches: elements without a status: %.200r" % batches):
        return
    # completed batches have every field; active ones (not finished) at least these
    missing = sorted({k for b in batches for k in (BATCH_KEYS if b["status"] == "COMPLETED" else BATCH_KEYS[:4]) if k not in b})
    if not check(not missing, "batches: every completed batch has Spark's BatchInfo fields (%s)" % ", ".join(BATCH_KEYS),
                 "batches: fields missing: %s" % missing):
        return
    completed = sorted((b for b in batches if b["status"] == "COMPLETED"), key=lambda b: b["batchId"])
    others = [b for b in batches if b["status"] != "COMPLETED"]
    check(inlog(len(completed)) and all(b["status"] in ("QUEUED", "PROCESSING") for b in others) and len(others) <= 2,
          "batches: %d COMPLETED (= the log's %s), %d active" % (len(completed), logn, len(others)),
          "batches: %d COMPLETED (log: %s), others: %s" % (len(completed), logn, [b["status"] for b in others]))
    bad_ids = [b["batchId"] for b in batches if to_ms(b["batchTime"]) != b["batchId"]]
    check(not bad_ids, "batches: batchTime is the batchId's time (e.g. %r)" % batches[0]["batchTime"] if batches else "batches: none",
          "batches: batchTime does not give batchId for %s: %r" % (bad_ids[:3], [b["batchTime"] for b in batches[:2]]))
    ids = [b["batchId"] for b in completed]
    check(ids == log_sorted[:len(ids)] and all(y - x == interval for x, y in zip(ids, ids[1:])),
          "batches: the batch times are the log's (%d, every %d ms)" % (len(ids), interval),
          "batches: batch times %s... differ from the log's %s..." % (ids[:5], sorted(log)[:5]))
    probs = []
    for i, b in enumerate(completed):
        t = b["batchId"]
        exp = files[i]["lines"] if i < len(files) else 0
        expbad = files[i]["bad"] if i < len(files) else 0
        lg = log.get(t)
        if b["inputSize"] != exp:
            probs.append("batch %d (%d): inputSize %r, file %d has %d lines" % (i + 1, t, b["inputSize"], i + 1, exp))
        if lg and lg["records"] != b["inputSize"]:
            probs.append("batch %d: inputSize %r, log says %d records" % (t, b["inputSize"], lg["records"]))
        if b.get("droppedRecords") != expbad or (lg and lg["dropped"] != expbad):
            probs.append("batch %d: droppedRecords %r, log %s, expected %d (bad lines)" % (t, b.get("droppedRecords"), lg and lg["dropped"], expbad))
        if lg and not approx(b["processingTime"], lg["processing"], 1.0):
            probs.append("batch %d: processingTime %r ms, log %.3f ms" % (t, b["processingTime"], lg["processing"]))
        if lg and not approx(b["schedulingDelay"], lg["delay"], 1.0):
            probs.append("batch %d: schedulingDelay %r ms, log %d ms" % (t, b["schedulingDelay"], lg["delay"]))
        if not approx(b["totalDelay"], (b["schedulingDelay"] or 0) + (b["processingTime"] or 0), 1.0):
            probs.append("batch %d: totalDelay %r != schedulingDelay %r + processingTime %r" % (t, b["totalDelay"], b["schedulingDelay"], b["processingTime"]))
        if (b["numTotalOutputOps"], b["numCompletedOutputOps"], b["numFailedOutputOps"]) != (noutputs, noutputs, 0):
            probs.append("batch %d: output ops total/completed/failed %r/%r/%r, expected %d/%d/0" % (
                t, b["numTotalOutputOps"], b["numCompletedOutputOps"], b["numFailedOutputOps"], noutputs, noutputs))
        if b.get("offsetRanges"):
            probs.append("batch %d: offsetRanges %r without a Kafka source" % (t, b["offsetRanges"]))
    check(not probs, "batches: each batch's inputSize = its file's lines (%s), droppedRecords = its bad lines, times = the log's, %d output ops"
          % (",".join(str(b["inputSize"]) for b in completed[:len(files)]), noutputs),
          "batches: " + "; ".join(probs[:5]) + (" (%d problems)" % len(probs) if len(probs) > 5 else ""))

    # averages over the retained batches: those the statistics counted (the log's first ntotal)
    kept = [log[t] for t in log_sorted[:int(ntotal)]][-1000:] if is_num(ntotal) else []
    if kept:
        n = len(kept)
        means = {"avgProcessingTime": sum(b["processing"] for b in kept) / n,
                 "avgSchedulingDelay": sum(b["delay"] for b in kept) / n,
                 "avgTotalDelay": sum(b["processing"] + b["delay"] for b in kept) / n}
        rate = sum(b["records"] for b in kept) / n / (interval / 1000.0)
        probs = []
        for ak, m in means.items():
            # whole ms in the JSON (each batch's and the mean's fractions cut off): within 2 ms
            if not approx(stats[ak], m, 2.0):
                probs.append("%s = %r, the batches' mean is %.3f" % (ak, stats[ak], m))
        if not approx(stats["avgInputRate"], rate, max(0.02 * rate, 0.01)):
            probs.append("avgInputRate = %r, expected %.3f records/s (mean inputSize / interval)" % (stats["avgInputRate"], rate))
        check(not probs, "statistics: the averages are the retained batches' (avgInputRate %.2f/s, avgProcessingTime %r ms)"
              % (rate, stats["avgProcessingTime"]), "statistics: " + "; ".join(probs))

    # receivers
    if check(isinstance(receivers, list) and len(receivers) == 1 and isinstance(receivers[0], dict),
             "receivers: one entry (the queueStream)", "receivers: expected one entry for the one source, got %.300r" % receivers):
        r = receivers[0]
        missing = [k for k in RECEIVER_KEYS if k not in r]
        # lastErrorMessage: absent (Spark leaves out a None) or null without an error
        check(not missing and r["streamId"] == 0 and isinstance(r["isActive"], bool) and is_num(r["avgEventRate"])
              and isinstance(r["eventRates"], list) and r.get("lastErrorMessage") in (None, "")
              and "queueStream" in str(r["streamName"]),
              "receivers: streamId 0, streamName %r, isActive %r, avgEventRate %.2f, %d eventRates, no lastErrorMessage"
              % (r.get("streamName"), r.get("isActive"), r.get("avgEventRate"), len(r.get("eventRates") or [])),
              "receivers: fields missing %s or wrong: %.300r" % (missing, r))
        if not missing:
            rates = {}
            shape = all(isinstance(e, list) and len(e) == 2 and all(is_num(x) for x in e) for e in r["eventRates"])
            if shape:
                rates = {int(e[0]): e[1] for e in r["eventRates"]}
            ts = sorted(rates)
            want = {t: log[t]["records"] / (interval / 1000.0) for t in ts if t in log}
            mean = sum(rates.values()) / len(rates) if rates else 0
            check(shape and inlog(len(ts)) and ts == log_sorted[:len(ts)] and all(abs(rates[t] - want[t]) < 1e-6 * max(1, want[t]) for t in ts)
                  and approx(r["avgEventRate"], mean, 1e-6 * max(1, mean)),
                  "receivers: eventRates are [batch time, records / interval] of the %d kept batches, avgEventRate their mean" % len(ts),
                  "receivers: eventRates %.200r, avgEventRate %r; expected [[batch time, records/%gs]] of the log's batches (%s), avgEventRate their mean"
                  % (r["eventRates"], r["avgEventRate"], interval / 1000.0, logn))

    # /metrics against the JSON
    text = open(d + "/metrics.txt", encoding="utf-8", errors="replace").read()
    samples, types, errors = parse_prom(text)
    if errors:
        fail("metrics: does not parse: %s" % errors[:3])
        return
    g = lambda name, **l: prom_get(samples, name, **l)
    v = g("streamc_batches_completed_total")
    check(len(v) == 1 and inlog(v[0]), "metrics: streamc_batches_completed_total = %d = the log's batch lines (%s)" % (v[0] if v else -1, logn),
          "metrics: streamc_batches_completed_total = %s, expected the log's %s" % (v, logn))
    mdone = int(v[0]) if len(v) == 1 else nlog
    recs = [(l, val) for (n, l, val) in samples if n == "streamc_records_total"]
    check(recs and all("source" in l for l, _ in recs) and sum(val for _, val in recs) == nlines,
          "metrics: streamc_records_total{source=%r} = %d = numReceivedRecords" % (recs[0][0].get("source") if recs else None, nlines),
          "metrics: streamc_records_total = %s, expected one per source with a source label, summing to %d" % (recs, nlines))
    v = g("streamc_records_dropped_total")
    check(v == [nbad], "metrics: streamc_records_dropped_total = %d, the bad lines fed" % nbad,
          "metrics: streamc_records_dropped_total = %s, expected [%d] (lines that are not numbers)" % (v, nbad))
    v = g("streamc_batches_waiting")
    check(len(v) == 1 and 0 <= v[0] <= 2, "metrics: streamc_batches_waiting = %g" % (v[0] if v else -1),
          "metrics: streamc_batches_waiting = %s, expected one value 0..2" % v)
    # the sums: of the first mdone batches of the log (processing to the us, delay in whole ms)
    first = [log[t] for t in log_sorted[:mdone]]
    tol = 0.0011 * max(mdone, 1) + 0.002
    sums = {"processingTime": sum(b["processing"] for b in first) / 1000.0,
            "schedulingDelay": sum(b["delay"] for b in first) / 1000.0}
    sums["totalDelay"] = sums["processingTime"] + sums["schedulingDelay"]
    sum_of = lambda k: sums[k]
    histogram_check(samples, types, "streamc_processing_seconds", mdone, sum_of("processingTime"), tol)
    for name, k in (("streamc_scheduling_delay_seconds", "schedulingDelay"), ("streamc_total_delay_seconds", "totalDelay")):
        if types.get(name) == "histogram":
            histogram_check(samples, types, name, mdone, sum_of(k), tol)
        else:
            v = g(name)
            check(len(v) == 1 and v[0] >= 0, "metrics: %s = %g (%s)" % (name, v[0] if v else -1, types.get(name)),
                  "metrics: %s: %s (type %s)" % (name, v, types.get(name)))
    st = [(l, val) for (n, l, val) in samples if n == "streamc_state_keys"]
    check(len(st) == 1 and "operator" in st[0][0] and st[0][1] == nkeys,
          "metrics: streamc_state_keys{operator=%r} = %d, the distinct keys fed to updateStateByKey" % (st[0][0].get("operator") if st else None, nkeys),
          "metrics: streamc_state_keys = %s, expected one series with an operator label = %d (distinct keys)" % (st, nkeys))
    bi = [(l, val) for (n, l, val) in samples if n == "streamc_build_info"]
    check(len(bi) == 1 and bi[0][1] == 1 and bi[0][0],
          "metrics: streamc_build_info%s 1" % json.dumps(bi[0][0]) if bi else "",
          "metrics: streamc_build_info = %s, expected one series of value 1 with labels (version, ...)" % bi)
    lag = g("streamc_kafka_lag")
    check(not lag, "metrics: no streamc_kafka_lag without a Kafka source", "metrics: streamc_kafka_lag %s without a Kafka source" % lag)


def cmd_retention(stats_path, batches_path, interval):
    interval = int(interval)
    stats = load_json(stats_path, "statistics")
    batches = load_json(batches_path, "batches")
    if stats is None or batches is None:
        return
    if not isinstance(batches, list) or not isinstance(stats, dict):
        fail("retention: unexpected JSON")
        return
    total = stats.get("numTotalCompletedBatches")
    done_ = sorted(b["batchId"] for b in batches if b.get("status") == "COMPLETED")
    check(is_num(total) and total > 1000 and len(done_) == 1000 and stats.get("numRetainedCompletedBatches") == 1000,
          "retention: %s batches completed, the batches API returns the last 1000 (numRetainedCompletedBatches 1000)" % total,
          "retention: numTotalCompletedBatches %r, numRetainedCompletedBatches %r, %d completed batches returned (expected 1000)"
          % (total, stats.get("numRetainedCompletedBatches"), len(done_)))
    if done_:
        contiguous = all(y - x == interval for x, y in zip(done_, done_[1:]))
        # manual clock from 0: batch k has time k * interval; the kept ones are the newest
        newest = done_[-1] // interval
        check(contiguous and newest >= total and done_[0] // interval == newest - len(done_) + 1 and done_[0] > interval,
              "retention: the kept batches are consecutive and the newest (%d..%d)" % (done_[0], done_[-1]),
              "retention: kept batch times %d..%d (%d), contiguous %s, total %r" % (done_[0], done_[-1], len(done_), contiguous, total))


def cmd_kafka(d, topic, counts, maxper):
    counts = [int(c) for c in counts.split(",")]
    maxper = int(maxper)
    batches = load_json(d + "/batches.json", "batches")
    stats = load_json(d + "/stats.json", "statistics")
    if batches is None or stats is None:
        return
    completed = sorted((b for b in batches if b.get("status") == "COMPLETED"), key=lambda b: b["batchId"])
    probs = []
    pos = {}
    nranges = 0
    for b in completed:
        rs = b.get("offsetRanges")
        if not isinstance(rs, list):
            probs.append("batch %s: offsetRanges %r is not a list" % (b["batchId"], rs))
            continue
        total = 0
        for r in rs:
            try:
                key = (r["topic"], int(r["partition"]))
                fr, un = int(r["fromOffset"]), int(r["untilOffset"])
            except (KeyError, TypeError, ValueError):
                probs.append("batch %s: a range without topic/partition/fromOffset/untilOffset: %r" % (b["batchId"], r))
                continue
            nranges += 1
            if key[0] != topic:
                probs.append("batch %s: range of topic %r" % (b["batchId"], key[0]))
            if pos.get(key, 0) != fr:
                probs.append("batch %s: partition %d range from %d, the previous ended at %d" % (b["batchId"], key[1], fr, pos.get(key, 0)))
            if un - fr > maxper or un < fr:
                probs.append("batch %s: partition %d range [%d,%d) holds more than %d" % (b["batchId"], key[1], fr, un, maxper))
            pos[key] = un
            total += un - fr
        if total != b["inputSize"]:
            probs.append("batch %s: ranges hold %d records, inputSize %r" % (b["batchId"], total, b["inputSize"]))
    want = {(topic, p): c for p, c in enumerate(counts)}
    if pos != want:
        probs.append("the ranges end at %s, expected %s (records produced per partition)" % (sorted(pos.items()), sorted(want.items())))
    check(not probs and completed, "kafka: %d batches, %d offset ranges: contiguous per partition from 0 to %s, each <= %d records (maxRatePerPartition), summing to inputSize"
          % (len(completed), nranges, counts, maxper), "kafka: " + "; ".join(probs[:5]) if probs else "kafka: no batches")
    check(stats.get("numProcessedRecords") == sum(counts), "kafka: numProcessedRecords = %d (all produced)" % sum(counts),
          "kafka: numProcessedRecords = %r, expected %d" % (stats.get("numProcessedRecords"), sum(counts)))


def cmd_lag(path, topic, parts):
    samples, _, errors = parse_prom(open(path, encoding="utf-8", errors="replace").read())
    for p in range(int(parts)):
        v = prom_get(samples, "streamc_kafka_lag", topic=topic, partition=str(p))
        print(p, int(v[0]) if len(v) == 1 else "missing")
    sys.exit(0)


# --- PNG -----------------------------------------------------------------
def cmd_png(path, w, h):
    w, h = int(w), int(h)
    try:
        data = open(path, "rb").read()
    except OSError as e:
        fail("screenshot: %s" % e)
        return
    if not check(data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot: a PNG file (%d bytes)" % len(data), "screenshot: not a PNG (%r)" % data[:8]):
        return
    pos, chunks = 8, []
    try:
        while pos < len(data):
            ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + ln]
            crc = struct.unpack(">I", data[pos + 8 + ln:pos + 12 + ln])[0]
            if zlib.crc32(typ + body) & 0xffffffff != crc:
                raise ValueError("bad CRC in %s" % typ)
            chunks.append((typ, body))
            pos += 12 + ln
            if typ == b"IEND":
                break
    except (struct.error, ValueError) as e:
        fail("screenshot: damaged PNG: %s" % e)
        return
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        fail("screenshot: PNG without IHDR first / IEND last")
        return
    pw, ph, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    check((pw, ph) == (w, h), "screenshot: %d x %d, the window size" % (pw, ph), "screenshot: %d x %d, expected %d x %d" % (pw, ph, w, h))
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail("screenshot: PNG colour type %d depth %d interlace %d: cannot count colours" % (ctype, depth, interlace))
        return
    raw = zlib.decompress(b"".join(b for t, b in chunks if t == b"IDAT"))
    bpp = 3 if ctype == 2 else 4
    stride = pw * bpp
    prev = bytearray(stride)
    colours = {}
    p = 0
    for _ in range(ph):
        ft = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        for i in range(0, stride, bpp * 2):  # every other pixel is enough
            px = bytes(line[i:i + 3])
            colours[px] = colours.get(px, 0) + 1
        prev = line
    total = sum(colours.values())
    top = max(colours.values())
    nonbg = total - top
    check(len(colours) >= 20 and nonbg >= total // 200,
          "screenshot: not blank: %d colours, %.1f%% of the pixels not the background" % (len(colours), 100.0 * nonbg / total),
          "screenshot: looks blank: %d colours, %d of %d sampled pixels differ from the background" % (len(colours), nonbg, total))


# --- DOM -----------------------------------------------------------------
class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.elements = []  # (tag, attrs, ancestors' (tag, attrs))
        self.text = []
        self.title = ""
        self.in_title = False
        self.h1 = ""
        self.in_h1 = 0
        self.row_ctx = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a, list(self.stack)))
        if tag not in ("br", "img", "meta", "link", "input", "hr", "col", "area", "base", "source", "wbr"):
            self.stack.append((tag, a))
        if tag == "title" and not any(t == "svg" for t, _ in self.stack):
            self.in_title = True
        if tag == "h1":
            self.in_h1 += 1

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), list(self.stack)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = max(0, self.in_h1 - 1)

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.in_h1:
            self.h1 += data
        if not any(t in ("script", "style") for t, _ in self.stack):
            self.text.append(data)


def points_of(tag, attrs):
    if tag == "polyline" or tag == "polygon":
        nums = re.findall(r"-?[\d.]+(?:e-?\d+)?", attrs.get("points") or "")
        return len(nums) // 2
    if tag == "path":
        d = attrs.get("d") or ""
        return len(re.findall(r"[MLHVCSQTAmlhvcsqta]", d)) + (len(re.findall(r"-?[\d.]+", d)) // 2 if not re.search(r"[LlCcHhVv]", d) else 0)
    if tag == "circle":
        return 1
    return 0


def cmd_dom(path, appname, ids):
    html = open(path, encoding="utf-8", errors="replace").read()
    dom = Dom()
    dom.feed(html)
    text = " ".join(dom.text)
    check(appname in dom.title or appname in dom.h1, "page: the app name %r in the title/h1 (%r)" % (appname, dom.title.strip()),
          "page: the app name %r is not in the title (%r) or h1 (%r)" % (appname, dom.title, dom.h1))
    for cid in ids.split(","):
        svg = [e for e in dom.elements if e[0] == "svg" and (e[1].get("id") == cid or any(a.get("id") == cid for _, a in e[2]))]
        series = [e for e in dom.elements if (e[1].get("id") == cid or any(a.get("id") == cid for _, a in e[2]))
                  and e[0] in ("polyline", "path", "polygon") and "series" in (e[1].get("class") or "").split()]
        best = max((points_of(e[0], e[1]) for e in series), default=0)
        check(svg and best >= 2, "page: chart #%s drawn: an <svg> with a series of %d points" % (cid, best),
              "page: chart #%s: %d svg elements, %d series elements (class=\"series\"), most points %d (expected >= 2)"
              % (cid, len(svg), len(series), best))
    # tables: a row of a table whose id/class mentions completed, holding a batch time
    def table_rows(word):
        rows = 0
        for tag, a, anc in dom.elements:
            if tag != "tr":
                continue
            if any(word in (x.get("id") or "") + " " + (x.get("class") or "") for t, x in anc if t in ("table", "tbody", "div", "section")):
                if not any(t == "thead" for t, _ in anc):
                    rows += 1
        return rows

    n = table_rows("completed")
    check(n >= 1, "page: the completed batches table has %d rows" % n,
          "page: no rows in a table with 'completed' in its id or class (the completed batches)")
    tables = sum(1 for e in dom.elements if e[0] == "table")
    check(tables >= 3, "page: %d tables (active batches, completed batches, sources)" % tables,
          "page: %d tables, expected >= 3 (active batches, completed batches, sources)" % tables)
    check("queueStream" in text, "page: the source (queueStream) is listed", "page: the queueStream source is not shown in the page's text")


def cmd_json_has(path, s):
    try:
        data = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError):
        sys.exit(2)

    def walk(v):
        if isinstance(v, str):
            return v == s
        if isinstance(v, dict):
            return any(walk(x) for x in v.values())
        if isinstance(v, list):
            return any(walk(x) for x in v)
        return False

    sys.exit(0 if walk(data) else 1)


def cmd_get(path, *keys):
    v = json.load(open(path, encoding="utf-8"))
    for k in keys:
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(json.dumps(v) if not isinstance(v, str) else v)
    sys.exit(0)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"prom": cmd_prom, "api": cmd_api, "retention": cmd_retention, "kafka": cmd_kafka, "lag": cmd_lag,
     "png": cmd_png, "dom": cmd_dom, "json-has": cmd_json_has, "get": cmd_get}[cmd](*args)
    done()
