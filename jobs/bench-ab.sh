#!/usr/bin/env bash
# Did a change slow anything down?  Two parkit binaries, A (before) and B (after), on the same
# work in alternating runs; the median kernel time of each and the ratio B/A per case.
#   jobs/bench-ab.sh A_BINARY B_BINARY NAME [REPS]      (default REPS 5)
# Writes results/ab/NAME.csv (every run) and results/ab/NAME.md (the table).  The machine
# should be quiet; the alternation keeps slow drifts of the core speed out of the ratio.
set -euo pipefail
A=${1:?usage: bench-ab.sh A_BINARY B_BINARY NAME [REPS]}
B=${2:?B_BINARY}
NAME=${3:?NAME}
REPS=${4:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/results/ab
mkdir -p "$OUT"
CSV=$OUT/$NAME.csv MD=$OUT/$NAME.md
unset OMP_PROC_BIND OMP_PLACES
cases=(
    "primes 1e10 --algo sieve --threads 2"
    "primes 1e10 --algo sieve --threads 1"
    "primorial 3e7 --threads 2"
    "sum 5e8 --threads 2"
    "sum 5e8 --dtype f64 --threads 2"
    "count 1e10 --threads 2"
    "isprime $(seq -s ' ' 4294967296000 4294967336000) --threads 2"
)
echo "case,binary,run,seconds" >"$CSV"
for c in "${cases[@]}"; do
    label=$(cut -d' ' -f1-4 <<<"$c")
    for r in $(seq 1 "$REPS"); do
        for which in A B; do
            bin=$A; [ "$which" = B ] && bin=$B
            # shellcheck disable=SC2086
            s=$("$bin" $c --format json | jq -r '.seconds.median')
            echo "$label,$which,$r,$s" >>"$CSV"
        done
    done
    echo "  $label done" >&2
done
# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
{
    echo "# A/B: $NAME"
    echo
    v() { "$1" --version | awk 'NR == 1 { v = $0 } /hot loops/ { sub(/^ *hot loops */, ""); h = $0 } END { print v "; hot loops: " h }'; }
    echo "A = \`$A\` ($(v "$A")), B = \`$B\` ($(v "$B")); $REPS alternating runs each,"
    echo "median kernel seconds; on $(hostname) ($(nproc) CPUs), $(date -u +%Y-%m-%dT%H:%MZ). Command: \`jobs/bench-ab.sh A B $NAME $REPS\`."
    echo
    echo "| case | A (s) | B (s) | B / A |"
    echo "|---|---|---|---|"
    cut -d, -f1 "$CSV" | tail -n +2 | awk '!seen[$0]++' | while read -r label; do
        a=$(awk -F, -v l="$label" '$1 == l && $2 == "A" { print $4 }' "$CSV" | median)
        b=$(awk -F, -v l="$label" '$1 == l && $2 == "B" { print $4 }' "$CSV" | median)
        printf '| %s | %.4g | %.4g | %.3f |\n' "$label" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')"
    done
} >"$MD"
cat "$MD"
