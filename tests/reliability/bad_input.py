#!/usr/bin/env python3
"""bad_input.py - helpers of tests/reliability/bad_input.sh.

  gen DIR                 write the bad-input case files into DIR
  check LOG DIR LABEL=T=FILE[,FILE...]...
                          for each item: does batch T (T = "*": all of
                          them) hold exactly what Spark makes of the FILEs
                          (each a stream of its own: its last line ends with
                          it)? The lines (DIR/lines-T), the word count
                          (DIR/wc-T), the sum of toInt (DIR/sum-T), and the
                          batch's input and dropped records in LOG. Prints
                          "ok   LABEL: ..." or "FAIL LABEL" and what
                          differs; exits 1 if anything does
  serve PORT READY MODE:FILE...
                          a TCP peer on 127.0.0.1:PORT; for each MODE:FILE
                          accepts one connection and sends FILE; MODE close
                          ends the connection with a FIN; kill ends the whole
                          process with SIGKILL right after the send (the
                          kernel closes the connection); rst ends it with a
                          reset (SO_LINGER 0), rstwait with one after 0.5 s. Touches READY when listening.
  rss OUT CMD...          run CMD, forwarding SIGTERM/SIGINT; write its peak
                          RSS (KiB, getrusage of the child) to OUT; exit with
                          its status (128 + signal when killed)

The references follow Spark: lines end with "\\n" or "\\r\\n", a last line
without newline counts, String.split(" ") drops trailing empty strings
("".split(" ") is [""]), Integer.parseInt accepts [+-]digits in range.
Everything is bytes: invalid UTF-8 must come back unchanged.
"""
import collections
import glob
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import time


def gen(d):
    os.makedirs(d, exist_ok=True)
    r = random.Random(10)
    good = ["alpha", "beta", "gamma", "delta", "42", "7", "-3", "x1"]

    def good_line():
        return " ".join(r.choice(good) for _ in range(r.randrange(1, 9))).encode()

    def junk():
        b = bytes(r.randrange(256) for _ in range(r.randrange(1, 60)))
        return b.replace(b"\n", b"")

    cases = {}
    # binary data (NUL, 0xff, lone \r) mixed with good lines and numbers
    out = []
    for i in range(3000):
        k = i % 4
        out.append(junk() if k == 0 else good_line() if k != 3 else str(r.randrange(-999, 999)).encode())
    out.append(b"a\x00b \xff\xfe\xff c\rd 12\r3 \r \x00")
    cases["01-binary"] = b"\n".join(out) + b"\n"
    # a 10 MB line without newline: one record
    cases["02-bigline"] = (b"big " * (10 * 1024 * 1024 // 4))
    # a last line without newline
    cases["03-nonl"] = b"one two\nthree 4\nfive six"
    # CRLF line ends (and a lone \r that stays, and \r\r: one \r stays)
    cases["04-crlf"] = b"cr lf\r\nword 5\r\nlast\r\nx\ry z\r\r\n9\r\n"
    # invalid UTF-8 inside words (and valid UTF-8)
    cases["05-utf8"] = (b"caf\xc3\xa9 na\xefve \xc3\x28x \xa0\xa1 \xf0\x28\x8c\x28\n"
                        b"over\xc0\xaflong \xed\xa0\x80 \xf8\x88\x80\x80\x80 \xff\n")
    # an empty file
    cases["06-empty"] = b""
    # empty lines, blanks, spaces only
    cases["07-emptylines"] = b"\n\n \n  a  b \n\r\n\n1\n \n"
    for name, data in cases.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def lines_of(data):
    ls = data.split(b"\n")
    if ls and ls[-1] == b"":
        ls.pop()
    return [l[:-1] if l.endswith(b"\r") else l for l in ls]


def jsplit(l):
    if b" " not in l:
        return [l]
    p = l.split(b" ")
    while p and p[-1] == b"":
        p.pop()
    return p


INT = re.compile(rb"[+-]?[0-9]+\Z")


def to_int(l):
    if not INT.match(l):
        return None
    v = int(l)
    return v if -2**31 <= v < 2**31 else None


def expect(files):
    ls = []
    for f in files:
        with open(f, "rb") as fh:
            ls += lines_of(fh.read())
    words = collections.Counter()
    for l in ls:
        words.update(jsplit(l))
    nums = [to_int(l) for l in ls]
    good = [n for n in nums if n is not None]
    return {
        "records": len(ls),
        "drops": len(nums) - len(good),
        "sum": sum(good) if good else None,
        "lines": collections.Counter(l.hex() for l in ls),
        "words": collections.Counter({w.hex(): n for w, n in words.items()}),
    }


def read_parts(d):
    out = []
    for p in sorted(glob.glob(os.path.join(d, "part-*"))):
        with open(p, "rb") as fh:
            out += lines_of_saved(fh.read())
    return out


def lines_of_saved(data):  # saved records end with "\n" exactly
    ls = data.split(b"\n")
    if ls and ls[-1] == b"":
        ls.pop()
    return ls


def batch_counts(log, t):
    """Input records and dropped records of batch T ("*": all) in LOG."""
    rec = drop = 0
    pat = re.compile(rb" INFO Batch (\d+) ms: (\d+) records(?:, (\d+) dropped)?,")
    with open(log, "rb") as fh:
        for line in fh:
            m = pat.search(line)
            if m and (t == "*" or m.group(1).decode() == t):
                rec += int(m.group(2))
                drop += int(m.group(3) or 0)
    return rec, drop


def compare(exp, d, t):
    """What differs between EXP and what batch T saved in D (a list)."""
    lines, words, sums = collections.Counter(), collections.Counter(), []
    for l in read_parts(os.path.join(d, "lines-" + t)):
        lines[l.hex()] += 1
    for l in read_parts(os.path.join(d, "wc-" + t)):
        if not (l.startswith(b"(") and l.endswith(b")") and b"," in l):
            return ["bad word count record %r" % l[:80]]
        w, _, n = l[1:-1].rpartition(b",")
        words[w.hex()] += int(n)
    sums += [int(x) for x in read_parts(os.path.join(d, "sum-" + t))]
    bad = []
    if lines != exp["lines"]:
        miss, extra = exp["lines"] - lines, lines - exp["lines"]
        bad.append("lines differ: %d missing (%s), %d unexpected (%s)" % (
            sum(miss.values()), short(miss), sum(extra.values()), short(extra)))
    if words != exp["words"]:
        diff = [(w, exp["words"][w], words[w])
                for w in set(exp["words"]) | set(words) if exp["words"][w] != words[w]]
        bad.append("word counts differ for %d words, e.g. %s" % (
            len(diff), "; ".join("%r: %d expected, %d counted" % (bytes.fromhex(w)[:30], a, b)
                                 for w, a, b in diff[:4])))
    got_sum = sum(sums) if sums else None
    if got_sum != exp["sum"]:
        bad.append("sum of the toInt values %s, expected %s" % (got_sum, exp["sum"]))
    return bad


def check(log, d, items):
    """Each item LABEL=T=FILE[,FILE...]: batch T holds exactly the FILEs."""
    failed = 0
    for item in items:
        label, t, files = item.split("=", 2)
        exp = expect(files.split(","))
        got = batch_counts(log, t)
        want = (exp["records"], exp["drops"])
        bad = compare(exp, d, t)
        if got != want:
            bad.append("batch %s: %d records, %d dropped; expected %d, %d" % ((t,) + got + want))
        if bad:
            failed += 1
            print("FAIL %s" % label)
            for b in bad:
                print("    " + b)
        else:
            print("ok   %s: every line and word, byte for byte (%d records, %d dropped)"
                  % (label, want[0], want[1]))
    return 1 if failed else 0
def short(c):
    return ", ".join(repr(bytes.fromhex(h)[:20]) for h in list(c)[:3])


def serve(port, ready, items):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    open(ready, "w").close()
    for item in items:
        mode, _, f = item.partition(":")
        c, _ = ls.accept()
        with open(f, "rb") as fh:
            c.sendall(fh.read())
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "rstwait":  # the peer has read it all: then a reset
            time.sleep(0.5)
        if mode in ("rst", "rstwait"):
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    ls.close()


def rss(out, cmd):
    p = subprocess.Popen(cmd)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda sig, _f: p.send_signal(sig))
    while True:
        try:
            _, status, ru = os.wait4(p.pid, 0)
            break
        except InterruptedError:
            continue
    with open(out, "w") as fh:
        fh.write("%d\n" % ru.ru_maxrss)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gen":
        gen(args[0])
    elif cmd == "check":
        sys.exit(check(args[0], args[1], args[2:]))
    elif cmd == "serve":
        serve(int(args[0]), args[1], args[2:])
    elif cmd == "rss":
        sys.exit(rss(args[0], args[1:]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
