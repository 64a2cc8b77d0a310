set -eu
test "$(cat out/pairs-1000/part-* | tr '\n' ' ')" = "(a,1) (b,1) (a,1) "
test "$(cat out/pairs-2000/part-* | tr '\n' ' ')" = "(c,1) "
for t in 1000 2000 3000 4000; do test -f out/pairs-$t/_SUCCESS; done
test "$(cat out/pairs-3000/part-* out/pairs-4000/part-* 2>/dev/null | wc -c)" = 0
