# Each batch's directories: _SUCCESS, one part file per partition (Spark
# writes empty part files too), together exactly the batch's elements.
set -eu
check() { # DIR NPARTS FIRST LAST
    test -f "$1/_SUCCESS"
    test "$(ls "$1" | grep -c '^part-[0-9][0-9][0-9][0-9][0-9]$')" = "$2"
    if [ "$3" -le "$4" ]; then seq "$3" "$4" > want; else : > want; fi
    cat "$1"/part-* | sort -n > got
    cmp want got
}
check out/more-1000 5 1 100
check out/more-2000 5 101 200
check out/more-3000 5 201 300
check out/more-4000 5 1 0
check out/fewer-1000.txt 2 1 100
check out/fewer-2000.txt 2 101 200
check out/fewer-3000.txt 2 201 300
check out/fewer-4000.txt 2 1 0
test "$(ls -A out | wc -l)" = 8
