# normalize.awk - sort the element lines of every print() block, so cases
# whose order Spark leaves to hashing compare by content.
# A block: dashes, "Time: ...", dashes, elements..., an empty line.
function flush() {
    if (n > 0) {
        cmd = "LC_ALL=C sort"
        for (i = 1; i <= n; i++) print lines[i] | cmd
        close(cmd)
    }
    n = 0
}
/^Time: [0-9]+ ms$/ { header = 1; print; next }
header == 1 && /^-+$/ { header = 0; inblock = 1; print; next }
inblock && ($0 == "" || $0 == "...") { flush(); if ($0 == "") inblock = 0; print; next }
inblock { lines[++n] = $0; next }
{ print }
END { flush() }
