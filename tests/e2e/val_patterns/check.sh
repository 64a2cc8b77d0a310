# the short line was dropped as a MatchError, once
grep -c "dropped a record: MatchError" stderr | grep -qx 1
