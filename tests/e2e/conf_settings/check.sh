grep -q 'Started named: .* 3 workers' stderr
