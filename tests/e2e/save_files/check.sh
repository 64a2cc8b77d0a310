set -e
test -f out/prefix-1000.txt/_SUCCESS
test -f out/prefix-2000.txt/_SUCCESS
test -f out/prefix-1000.txt/part-00000
test "$(cat out/prefix-1000.txt/part-* | LC_ALL=C sort | tr '\n' ' ')" = "(a,2) (b,1) "
test "$(cat out/prefix-2000.txt/part-* | tr '\n' ' ')" = "(c,1) "
# nothing else left behind: no temporary directories, and the one a killed
# run left (out/.prefix-5000.txt.tmp-99999999, a pid that cannot run) is gone
test "$(ls -A out | LC_ALL=C sort | tr '\n' ' ')" = "prefix-1000.txt prefix-2000.txt "
