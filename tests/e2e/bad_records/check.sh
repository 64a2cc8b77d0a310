# the first dropped records are logged with the .stream line
grep -q 'prog.stream:4' err
grep -q 'prog.stream:5' err
grep -q 'prog.stream:6' err
