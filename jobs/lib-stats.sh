# Sourced by the benchmark scripts (jobs/bench-*.sh, jobs/ab-sieve.sh): small statistics.
# shellcheck shell=bash

# The median of the numbers on stdin, one per line (the mean of the middle two for an even
# count; nothing for none).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
