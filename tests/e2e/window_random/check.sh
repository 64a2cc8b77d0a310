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
