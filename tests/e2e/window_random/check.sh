set -e
n=0
for shape in 32 51 44; do
    for d in out/plain$shape-*; do
        t=${d##*-}
        test -d "out/inv$shape-$t"
        cmp <(cat "$d"/part-* | LC_ALL=C sort) <(cat "out/inv$shape-$t"/part-* | LC_ALL=C sort)
        if [ "$shape" != 44 ]; then
            cmp <(cat "$d"/part-* | LC_ALL=C sort) <(cat "out/recomp$shape-$t"/part-* | LC_ALL=C sort)
        fi
        n=$((n + 1))
    done
done
# slides: 22 batches -> 11 windows of slide 2, 22 of slide 1, 5 of slide 4
test "$n" -eq 38
# unkeyed and per-value forms against window + batch operator
m=0
for name in single32 concat51 cbv31 invsingle42; do
    for d in out/$name-*; do
        t=${d##*-}
        test -d "out/rec$name-$t"
        # an inverse reduce keeps the value 0 for a window that became empty
        cmp <(cat "$d"/part-* | grep -vx 0 | LC_ALL=C sort) <(cat "out/rec$name-$t"/part-* | LC_ALL=C sort)
        m=$((m + 1))
    done
done
# slides: 11 (3,2) + 22 (5,1) + 22 (3,1) + 11 (4,2)
test "$m" -eq 66
# the same run with three key partitions per window store gives the same files
mkdir -p p3 && cp -r input p3/
(cd p3 && ../prog --clock manual --batches 22 --master 'local[3]' > /dev/null 2>&1)
for d in out/*; do
    cmp <(cat "$d"/part-* | LC_ALL=C sort) <(cat "p3/$d"/part-* | LC_ALL=C sort)
done
test "$(ls out | wc -l)" -eq "$(ls p3/out | wc -l)"
