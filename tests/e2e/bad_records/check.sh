# the first dropped records are logged with the .stream line
grep -q 'prog.stream:4' stderr
grep -q 'prog.stream:5' stderr
grep -q 'prog.stream:6' stderr
