# the same values with one and two workers (print's lines sorted)
for w in 1 2; do
    ./prog --clock manual --batches 1 --master "local[$w]" > stdout.$w 2> /dev/null
    cmp <(sort stdout) <(sort stdout.$w)
done
