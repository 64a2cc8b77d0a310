#!/usr/bin/env bash
# fusion.sh - fusion must not change what a program does: every e2e case is
# compiled twice, as is and with -fno-fuse, both run on the case's input with
# its args, and their standard outputs must be the same (compared with each
# print() block's lines sorted when the case has a `sorted` file). The case's
# check.sh, if any, must pass for the -fno-fuse build too.
# A case that compiles neither way is skipped (run.sh reports it).
# Usage: tests/e2e/fusion.sh [NAME...]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/parallel.sh"
streamc="$root/build/streamc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    for d in "$root"/tests/e2e/*/; do cases+=("$(basename "$d")"); done
fi
# One case; writes NAME.result (pass, fail or skip) and NAME.report.
one() {
    local name=$1 src=$root/tests/e2e/$1 args ok=0 v dir flag f u
    exec > "$work/$name.report" 2>&1
    echo fail > "$work/$name.result"
    args="--clock manual --batches 3"
    [ -f "$src/args" ] && args=$(cat "$src/args")
    for v in fused unfused; do
        dir="$work/$name.$v"
        cp -r "$src" "$dir"
        flag=; [ $v = unfused ] && flag=-fno-fuse
        if (cd "$dir" && "$streamc" $flag prog.stream -o prog > compile.log 2>&1); then
            ok=$((ok + 1))
            (cd "$dir" && timeout 60 ./prog $args > stdout 2> stderr) || true
        else
            : > "$dir/stdout"
        fi
        if [ -f "$src/sorted" ]; then
            awk -f "$root/tests/e2e/normalize.awk" "$dir/stdout" > "$dir/out.n"
        else
            cp "$dir/stdout" "$dir/out.n"
        fi
    done
    f="$work/$name.fused" u="$work/$name.unfused"
    if [ $ok -eq 0 ]; then
        echo "SKIP $name: does not compile"; echo skip > "$work/$name.result"; return 0
    fi
    if [ $ok -eq 1 ]; then
        echo "FAIL $name: compiles only one way"
        for v in fused unfused; do sed "s/^/    $v: /" "$work/$name.$v/compile.log" | head -8; done
        return 0
    fi
    if ! diff -u --label fused --label -fno-fuse "$f/out.n" "$u/out.n" > "$work/$name.diff"; then
        echo "FAIL $name: -fno-fuse output differs"; sed 's/^/    /' "$work/$name.diff" | head -30
        return 0
    fi
    if [ -f "$src/check.sh" ] && ! (cd "$u" && bash -x "$src/check.sh" > check.log 2>&1); then
        echo "FAIL $name: check.sh with -fno-fuse"; sed 's/^/    /' "$u/check.log" | head -20
        return 0
    fi
    echo pass > "$work/$name.result"
}
# two cases at a time (each compiles twice, then runs twice)
run_cases fusion one "${cases[@]}"
