#!/usr/bin/env bash
# page.sh - the monitoring UI's page (/) in headless Chromium.
#
# A program (queueStream over files of different sizes, 300 ms batches)
# serves its UI; after >= 4 batches:
#   served     / is one self-contained HTML page: the app name in it, no
#              http(s):// address (other than XML namespaces), no external
#              script, style sheet, image or font
#   network    while Chromium shows the page (5 s of virtual time, its
#              scripts refreshing it), every request the page makes goes to
#              127.0.0.1 (Chromium's net log; external hosts are also made
#              unresolvable), and it does make some (the JSON API)
#   dom        the DOM after the scripts ran: the app name in the title/h1,
#              each chart (input rate, scheduling delay, processing time,
#              total delay) an <svg> whose series has >= 2 points, the
#              completed batches table has rows showing the batches' input
#              sizes, tables for active batches, completed batches, sources
#   screenshot a PNG of the window size (1280 x 2000), not blank; kept in
#              the work dir and copied to $UI_SHOT_DIR when that is set
#   hostile    an app name made of markup (<img onerror=...>, <b>, &): after
#              the scripts ran, the title and h1 show it as text, no element
#              is made of it, its script did not run
#
# SKIPs (exit 0) only when no Chromium is installed (apt-get install chromium).
# Usage: tests/ui/page.sh     Prints "ui-page: N passed, M failed".
#        CHROMIUM=PATH picks the browser; STREAMC / STREAMC_RUNTIME /
#        STREAMC_CFLAGS as in the other suites.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/ui/lib.sh"
ui_suite ui-page

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for b in chromium chromium-browser google-chrome; do
        command -v $b > /dev/null && { browser=$(command -v $b); break; }
    done
fi
if [ -z "$browser" ]; then
    echo "SKIP ui-page: no chromium installed (apt-get install chromium)"
    echo "ui-page: 0 passed, 0 failed"
    exit 0
fi
for tool in curl python3; do
    command -v $tool > /dev/null || { bad "$tool is not installed (apt-get install $tool)"; finish; }
done
# a headless browser for this script only: its own profile, no background
# traffic of its own, every host but 127.0.0.1 unresolvable
chrome() {
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
        --no-first-run --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --hide-scrollbars \
        --host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE 127.0.0.1" "$@"
}

# --- the program -------------------------------------------------------------------
mkdir in
for n in 137 211 59 402 88 173 260 45; do
    seq 1 "$n" | sed 's/^/w/' > "in/f$(printf %02d "$n")-$RANDOM"
done
# queueStream reads the files in name order
sizes=$(for f in $(ls in | sort); do wc -l < "in/$f"; done | tr '\n' ' ')
cat > uipage.stream << 'EOF'
app "UiPage Demo"
batch 300ms
master "local[2]"
val words = ssc.queueStream("in")
words.map(w => (w, 1)).reduceByKey(_ + _).count().print()
EOF
if ! "$streamc" "${ccflags[@]}" -o uipage uipage.stream 2> uipage.cc; then
    bad "compile: $(head -3 uipage.cc | tr '\n' ' ')"
    finish
fi
P=$(ui_free_port)
ui_run uipage ./uipage --ui-port "$P"
ppid_=$UI_PID
port=$(ui_port uipage "$ppid_")
if [ -z "$port" ] || ! ui_wait_http "http://127.0.0.1:$port/" 10; then
    bad "start: no UI on --ui-port $P ('$(grep -m1 'Monitoring UI' uipage.err)')" uipage
    finish
fi
url=http://127.0.0.1:$port/
if ! ui_wait_batches uipage "$ppid_" 4 20; then
    bad "start: fewer than 4 batches in 20 s" uipage
    finish
fi

# --- served: self-contained -------------------------------------------------------
ui_get "$url" > served.html 2> curl.err || bad "served: GET / failed: $(cat curl.err)"
ext=$(grep -oE 'https?://[^"'"'"' )<>]*' served.html | grep -vE '^http://www\.w3\.org/(2000/svg|1999/xlink|1999/xhtml)$' | sort -u | head -5 | tr '\n' ' ')
refs=$(grep -oiE '<(script|img|iframe|link|source|video|audio|embed|object)[^>]*(src|href|data)=[^>]*>|@import[^;]*|url\([^)]*\)' served.html | grep -viE "(src|href|data)=[\"']?(data:|#)|url\([\"']?(data:|#)" | head -3 | tr '\n' ' ')
if [ -s served.html ] && [ -z "$ext" ] && [ -z "$refs" ]; then
    ok "served: / is self-contained ($(wc -c < served.html) bytes): no http(s):// address but XML namespaces, no external script, style, image or font"
else
    bad "served: / refers to other resources: addresses '$ext', references '$refs'"
fi
if grep -q 'UiPage Demo' served.html; then
    ok "served: the app name is in the page"
else
    bad "served: the app name 'UiPage Demo' is not in the served HTML"
fi
if [ -f "$root/runtime/ui_page.html" ]; then
    ext=$(grep -oE 'https?://[^"'"'"' )<>]*' "$root/runtime/ui_page.html" | grep -vE '^http://www\.w3\.org/(2000/svg|1999/xlink|1999/xhtml)$' | sort -u | head -5 | tr '\n' ' ')
    if [ -z "$ext" ]; then
        ok "served: runtime/ui_page.html holds no http(s):// address but XML namespaces"
    else
        bad "served: runtime/ui_page.html holds the addresses $ext"
    fi
fi

# --- dom and network ---------------------------------------------------------------
chrome --dump-dom --virtual-time-budget=5000 --log-net-log="$work/net.json" "$url" > dom.html 2> chrome-dom.err
st=$?
if [ $st -ne 0 ] || ! [ -s dom.html ]; then
    bad "dom: chromium --dump-dom failed (status $st): $(grep -v -e dbus -e 'unexpected operator' chrome-dom.err | tail -3 | tr '\n' ' ')"
else
    net=$(python3 - "$work/net.json" "$port" << 'EOF'
import json, sys
from urllib.parse import urlsplit
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    # Chromium may leave the log without its closing bracket
    txt = open(sys.argv[1]).read().rstrip().rstrip(",")
    d = json.loads(txt + ("]}" if not txt.endswith("}") else ""))
types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
page, outside = [], []
for e in d["events"]:
    p = e.get("params") or {}
    if types.get(e["type"]) != "URL_REQUEST_START_JOB" or "url" not in p:
        continue
    # requests of the browser itself have no initiator origin
    if p.get("initiator") == "not an origin":
        continue
    host = urlsplit(p["url"]).hostname or ""
    if p["url"].startswith(("data:", "blob:", "about:")):
        continue
    (page if host == "127.0.0.1" else outside).append(p["url"])
print("outside=%d page=%d %s" % (len(outside), len(page), " ".join(sorted(set(outside))[:3])))
EOF
    )
    case $net in
        "outside=0 page=0"*) bad "network: the net log shows no request of the page at all ($net): the check does not see them" ;;
        "outside=0 "*) ok "network: every request of the page goes to 127.0.0.1 ($(echo ${net#outside=0 page=}) requests in 5 s of virtual time)" ;;
        *) bad "network: the page asks other hosts: $net" ;;
    esac
    ids=chart-input-rate,chart-scheduling-delay,chart-processing,chart-total-delay # runtime/ui_page.html
    report < <(python3 "$check_py" dom dom.html "UiPage Demo" "$ids")
    # the completed batches' input sizes are shown
    shown=$(python3 - dom.html $sizes << 'EOF'
import re, sys
from html.parser import HTMLParser
class T(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.cells, self.cur, self.in_td = 0, [], None, 0
    def handle_starttag(self, t, a):
        a = dict(a)
        if t == "table" and ("completed" in (a.get("id") or "") + (a.get("class") or "") or self.depth):
            self.depth += 1
        if self.depth and t in ("td", "th"):
            self.cur = ""
    def handle_endtag(self, t):
        if self.depth and t in ("td", "th") and self.cur is not None:
            self.cells.append(self.cur.strip()); self.cur = None
        if self.depth and t == "table":
            self.depth -= 1
    def handle_data(self, d):
        if self.cur is not None:
            self.cur += d
p = T(); p.feed(open(sys.argv[1], encoding="utf-8").read())
text = " | ".join(p.cells)
found = [s for s in sys.argv[2:] if re.search(r"(?<![\d.,])%s(?![\d.,])" % s, text)]
print(len(found), " ".join(found))
EOF
    )
    set -- $shown
    if [ "${1:-0}" -ge 3 ]; then
        shift
        ok "dom: the completed batches table shows the batches' input sizes ($*)"
    else
        bad "dom: the completed batches table shows ${1:-0} of the input sizes $sizes (expected >= 3 of them)"
    fi
fi

# --- screenshot -----------------------------------------------------------------------
chrome --screenshot="$work/shot.png" --window-size=1280,2000 --virtual-time-budget=5000 "$url" > chrome-shot.out 2> chrome-shot.err
st=$?
if [ $st -ne 0 ] || ! [ -s shot.png ]; then
    bad "screenshot: chromium --screenshot failed (status $st): $(grep -v -e dbus -e 'unexpected operator' chrome-shot.err | tail -3 | tr '\n' ' ')"
else
    report < <(python3 "$check_py" png shot.png 1280 2000)
    if [ -n "${UI_SHOT_DIR:-}" ]; then
        mkdir -p "$UI_SHOT_DIR" && cp shot.png "$UI_SHOT_DIR/ui-page.png" && cp dom.html "$UI_SHOT_DIR/ui-page-dom.html" &&
            echo "     (screenshot: $UI_SHOT_DIR/ui-page.png)"
    else
        echo "     (screenshot kept in $work/shot.png until the script ends; set UI_SHOT_DIR to keep it)"
    fi
fi

# --- a hostile app name, after the scripts ran -----------------------------------------
cat > uihostile.stream << 'EOF'
app "<img src=x onerror=\"document.title=String.fromCharCode(88,83,83)\"><b>bold</b> & co"
batch 300ms
ssc.queueStream("in").count().print()
EOF
hostile='<img src=x onerror="document.title=String.fromCharCode(88,83,83)"><b>bold</b> & co'
if "$streamc" "${ccflags[@]}" -o uihostile uihostile.stream 2> uihostile.cc; then
    H=$(ui_free_port)
    ui_run uihostile ./uihostile --ui-port "$H"
    hpid=$UI_PID
    if [ "$(ui_port uihostile "$hpid")" = "$H" ] && ui_wait_http "http://127.0.0.1:$H/" 10 && ui_wait_batches uihostile "$hpid" 2 10; then
        chrome --dump-dom --virtual-time-budget=3000 "http://127.0.0.1:$H/" > hostile.html 2> chrome-hostile.err
        got=$(python3 - hostile.html "$hostile" << 'EOF'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.title, self.h1, self.bad = [], "", "", []
    def handle_starttag(self, t, a):
        a = dict(a)
        if t == "img" and a.get("src") == "x": self.bad.append("an <img src=x> element")
        if t != "img": self.stack.append(t)
    def handle_endtag(self, t):
        if t in self.stack:
            while self.stack.pop() != t: pass
    def handle_data(self, d):
        if self.stack and self.stack[-1] == "b" and d == "bold": self.bad.append("a <b>bold</b> element")
        if "title" in self.stack and "svg" not in self.stack: self.title += d
        if "h1" in self.stack: self.h1 += d
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
name = sys.argv[2]
if "XSS" in p.title: p.bad.append("the name's onerror ran (title %r)" % p.title)
if name not in p.h1: p.bad.append("the h1 shows %r" % p.h1)
if name not in p.title: p.bad.append("the title is %r" % p.title)
print("; ".join(p.bad) if p.bad else "ok")
EOF
        )
        if [ "$got" = ok ]; then
            ok "hostile name: after the scripts ran, the title and h1 show $(printf '%q' "$hostile") as text; no element made of it"
        else
            bad "hostile name: $got"
        fi
    else
        bad "hostile name: the program does not serve its UI" uihostile
    fi
    ui_stop "$hpid"
else
    bad "hostile name: does not compile: $(head -2 uihostile.cc | tr '\n' ' ')"
fi

if kill -0 "$ppid_" 2> /dev/null; then
    ok "program: still running its batches while the browser polled ($(ui_batches uipage) batches)"
else
    bad "program: exited while the browser was reading its UI" uipage
fi
ui_stop "$ppid_"
finish
