#!/usr/bin/env python3
"""slowclient.py PORT SECONDS OUT.json - misbehaving HTTP clients of the UI.

For SECONDS seconds at most:
  idle     20 connections that send nothing: when (if) the server closes each
  big      one request with a 1 MiB header: the status line the server answers
           (or "closed" / "reset" when it just closes the connection), and when
  loris    one request sent a byte every 0.5 s: when (if) the server gives up
  good     every 0.5 s a normal GET /api/v1/streaming/statistics on a new
           connection: the slowest answer's time in seconds (None: no answer
           within 3 s)
Writes {"idle_closed": [secs|null...], "big": "...", "big_after": secs,
"loris": secs|null, "good_max": secs|null, "good_n": n, "good_fail": n}.
"""
import json
import socket
import sys
import threading
import time

port, secs, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
t0 = time.monotonic()
res = {"idle_closed": [None] * 20, "big": None, "big_after": None, "loris": None,
       "good_max": 0.0, "good_n": 0, "good_fail": 0}


def left():
    return secs - (time.monotonic() - t0)


def idle(i):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
    except OSError:
        res["idle_closed"][i] = 0.0
        return
    s.settimeout(0.2)
    while left() > 0:
        try:
            d = s.recv(4096)
            if not d:
                res["idle_closed"][i] = round(time.monotonic() - t0, 2)
                break
        except socket.timeout:
            continue
        except OSError:
            res["idle_closed"][i] = round(time.monotonic() - t0, 2)
            break
    s.close()


def big():
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.settimeout(max(left(), 1))
        req = b"GET /api/v1/streaming/statistics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
        try:
            s.sendall(req)
        except OSError:
            pass  # closed while sending: read what it said
        data = b""
        while left() > 0:
            try:
                d = s.recv(4096)
            except socket.timeout:
                break
            if not d:
                break
            data += d
            if b"\r\n" in data:
                break
        res["big"] = data.split(b"\r\n")[0].decode("latin-1") if data else "closed"
    except ConnectionResetError:
        res["big"] = "reset"
    except OSError as e:
        res["big"] = "error %s" % e
    res["big_after"] = round(time.monotonic() - t0, 2)


def loris():
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        req = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"b" * 10000
        s.settimeout(0.5)
        for c in req:
            if left() <= 0:
                return
            s.send(bytes([c]))
            try:
                d = s.recv(4096)
                if not d:
                    res["loris"] = round(time.monotonic() - t0, 2)
                    return
            except socket.timeout:
                pass
    except OSError:
        res["loris"] = round(time.monotonic() - t0, 2)


def good():
    while left() > 0.5:
        t = time.monotonic()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=3)
            s.settimeout(3)
            s.sendall(b"GET /api/v1/streaming/statistics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
            s.close()
            if not data.startswith(b"HTTP/1.1 200") and not data.startswith(b"HTTP/1.0 200"):
                raise OSError("answer %r" % data[:40])
            res["good_max"] = max(res["good_max"], round(time.monotonic() - t, 3))
            res["good_n"] += 1
        except OSError:
            res["good_fail"] += 1
            res["good_max"] = None if res["good_max"] is None else max(res["good_max"], 3.0)
        time.sleep(max(0, 0.5 - (time.monotonic() - t)))


threads = [threading.Thread(target=idle, args=(i,), daemon=True) for i in range(20)]
threads += [threading.Thread(target=f, daemon=True) for f in (big, loris, good)]
for t in threads:
    t.start()
for t in threads:
    t.join(max(left(), 0) + 4)
with open(out, "w") as f:
    json.dump(res, f)
