#!/usr/bin/env bash
# man.sh - the manual page, --help and the docs agree: every option that
# `streamc --help` and a compiled program's `--help` list is in
# packaging/streamc.1, and every program option is in docs/runtime.md;
# every option the man page documents is still accepted.
#
# Usage: tests/install/man.sh     Prints "install-man: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
streamc=${STREAMC:-$root/build/streamc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$root/tests/lib.sh"
suite=install-man
man=$root/packaging/streamc.1
cd "$work" || exit 1

# options: the first word of each "  -x ..." line of a --help text
options() { sed -n 's/^  \(-[-a-zA-Z]*\)[ ,].*/\1/p; s/^  \(-[-a-zA-Z]*\)$/\1/p' | sort -u; }
in_man() { grep -qF -- "$(printf '%s' "$1" | sed 's/-/\\-/g')" "$man"; }

"$streamc" --help | options > compiler.opts
printf 'batch 1s\nssc.queueStream("in").print()\n' > "$work/p.stream"
"$streamc" -o "$work/p" "$work/p.stream" && "$work/p" --help | options > program.opts

missing=
while read -r o; do in_man "$o" || missing="$missing $o"; done < compiler.opts
if [ -s compiler.opts ] && [ -z "$missing" ]; then
    ok "man: all $(wc -l < compiler.opts) options of streamc --help are in streamc.1"
else
    bad "man: streamc options missing from streamc.1:$missing"
fi
missing= undocumented=
while read -r o; do
    in_man "$o" || missing="$missing $o"
    grep -qF -- "\`$o" "$root/docs/runtime.md" || undocumented="$undocumented $o"
done < program.opts
if [ -s program.opts ] && [ -z "$missing" ] && [ -z "$undocumented" ]; then
    ok "man: all $(wc -l < program.opts) options of a program's --help are in streamc.1 and docs/runtime.md"
else
    bad "man: program options missing from streamc.1:$missing; from docs/runtime.md:$undocumented"
fi

# the other way: what the man page documents (.TP entries) is accepted
stale= n=0
for o in $(sed -n '/^\.TP/{n; s/^\.B[IR]* *"*\(\\-[^ "]*\).*/\1/p}' "$man" | sed 's/\\-/-/g' | sort -u); do
    n=$((n + 1))
    grep -qx -- "$o" compiler.opts program.opts || stale="$stale $o"
done
if [ -z "$stale" ] && [ $n -ge 20 ]; then
    ok "man: each of the $n options streamc.1 documents is in a --help"
else
    bad "man: streamc.1 documents options no --help lists:$stale ($n read)"
fi
finish
