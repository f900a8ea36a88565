#!/usr/bin/env bash
# The sieve far from zero: parkit primes --algo sieve against primesieve on the same ranges,
# alternating runs (primesieve, parkit, parkit, primesieve, ...), medians of REPS (default 9:
# a case moves by ~5% between runs of 5 on a shared 2-vCPU host).
#   jobs/bench-sieve-ranges.sh [--quick] [--threads "1 2"]
#   ranges of LEN = 1e10 numbers from 1e12, 1e14, 1e16, 1e18, and pi(1e10), pi(1e11)
#   --quick: LEN = 1e9, pi(1e9) and pi(1e10), REPS = 3
# Writes results/sieve/ranges.csv (every run) and results/sieve/ranges.md (medians, ratios).
# Times: parkit = the run's median + its setup (from --format json; the verification, which
# may take longer than the sieve or fail "by rule" far out, is not timed); primesieve = its
# own --time figure (which includes generating its sieving primes).  Target (issue 14): every
# ratio <= 1.05 at 2 threads.
#   PARKIT=/path/to/parkit overrides the binary (A/B runs); REPS=n the repeats.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-9}
LEN=10000000000
PI_LIST="10000000000 100000000000"
THREADS="1 2"
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) LEN=1000000000; PI_LIST="1000000000 10000000000"; REPS=${REPS_QUICK:-3} ;;
    --threads) THREADS=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench-sieve-ranges: unknown option '$1' (usage: [--quick] [--threads \"1 2\"])" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "${PARKIT:-}" ]; then
    bash "$ROOT/jobs/setup.sh" "$ROOT/build" >&2
    PARKIT=$ROOT/build/parkit
fi
command -v primesieve >/dev/null || { echo "bench-sieve-ranges: primesieve is not installed" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench-sieve-ranges: jq is not installed" >&2; exit 1; }
OUT=$ROOT/results/sieve
mkdir -p "$OUT"
CSV=$OUT/ranges.csv
MD=$OUT/ranges.md
echo "case,start,stop,threads,tool,run,seconds,count" >"$CSV"
unset OMP_PROC_BIND OMP_PLACES

# cases: name start stop (integers [start, stop]; start 0 = pi(stop))
CASES=()
for x in $PI_LIST; do CASES+=("pi($x) 0 $x"); done
for s in 1000000000000 100000000000000 10000000000000000 1000000000000000000; do
    CASES+=("$s+$LEN $s $((s + LEN))")   # (no commas: the name is a CSV field)
done

# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
row() { echo "$1,$2,$3,$4,$5,$6,$7,$8" >>"$CSV"; echo "  $1 t=$4 $5 run $6: $7 s (count $8)" >&2; }

run_primesieve() {
    local o s n
    o=$(primesieve "$start" "$stop" --count --threads="$t" --time)
    s=$(sed -n 's/^Seconds: *//p' <<<"$o")
    n=$(sed -n 's/^Primes: *//p' <<<"$o")
    row "$name" "$start" "$stop" "$t" primesieve "$r" "$s" "$n"
    ps_count=$n
}
run_parkit() {
    local j ps pn
    # exit status 1 when no independent check is affordable far out: the count is
    # compared with primesieve's below instead
    j=$("$PARKIT" primes "$stop" --from "$start" --algo sieve --threads "$t" --format json) || true
    ps=$(jq -r '.seconds.median + .setup_seconds' <<<"$j")
    pn=$(jq -r '.result' <<<"$j")
    row "$name" "$start" "$stop" "$t" parkit "$r" "$ps" "$pn"
    pk_count=$pn
}

# The order alternates from one repeat to the next (primesieve first, then parkit first, ...):
# a tool run right after the other's run (or after parkit's verification) finds the machine
# in a different state, and a fixed order would charge that to the same tool every time.
for c in "${CASES[@]}"; do
    read -r name start stop <<<"$c"
    for t in $THREADS; do
        for r in $(seq 1 "$REPS"); do
            if [ $((r % 2)) = 1 ]; then run_primesieve; run_parkit; else run_parkit; run_primesieve; fi
            if [ "$pk_count" != "$ps_count" ]; then
                echo "bench-sieve-ranges: $name: parkit counted $pk_count, primesieve $ps_count" >&2
                exit 1
            fi
        done
    done
done

{
    echo "# The sieve far from zero: parkit primes --algo sieve vs primesieve"
    echo
    echo "Medians of $REPS alternating runs; seconds (parkit: run + setup; primesieve: its --time)."
    echo "Ratio = parkit / primesieve (target <= 1.05 at 2 threads). Counts agree in every run."
    echo "Host: $(hostname), $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1);"
    echo "$("$PARKIT" --version 2>/dev/null | head -1); $(primesieve --version | head -1); $(date -u +%Y-%m-%dT%H:%MZ)."
    echo
    echo "| range | threads | parkit (s) | primesieve (s) | ratio |"
    echo "|---|---|---|---|---|"
    for c in "${CASES[@]}"; do
        read -r name start stop <<<"$c"
        for t in $THREADS; do
            a=$(awk -F, -v n="$name" -v t="$t" '$1 == n && $4 == t && $5 == "parkit" { print $7 }' "$CSV" | median)
            b=$(awk -F, -v n="$name" -v t="$t" '$1 == n && $4 == t && $5 == "primesieve" { print $7 }' "$CSV" | median)
            printf '| %s | %s | %.3f | %.3f | %.2f |\n' "$name" "$t" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
        done
    done
} >"$MD"
cat "$MD"
