# the empty batch's failed reduce is logged with its line
grep -q 'prog.stream:11' stderr
