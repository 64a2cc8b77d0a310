# every key's values in input order, keys in order of first appearance
awk '!($1 in v) { order[n++] = $1; v[$1] = $2; next } { v[$1] = v[$1] "," $2 }
     END { for (i = 0; i < n; i++) print "(" order[i] "," v[order[i]] ")" }' input/1.txt > want
cmp want out/r-1000/part-00000
for keys in 8 0 1000000; do
    "$STREAMC" --cflags "-O2 -DSR_CACHED_KEYS=$keys" prog.stream -o prog_$keys
    rm -rf out && ./prog_$keys --clock manual --batches 1 --master "local[1]" 2> /dev/null
    cmp want out/r-1000/part-00000
    rm -rf out && ./prog_$keys --clock manual --batches 1 --master "local[2]" 2> /dev/null
    cat out/r-1000/part-* > two.$keys
    cmp <(sort want) <(sort two.$keys)
done
cmp two.8 two.0
cmp two.8 two.1000000
