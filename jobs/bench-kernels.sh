#!/usr/bin/env bash
# parkit's kernels against the reference tools of the field, side by side in one run:
# alternating runs, medians of REPS (default 5), at 1 and 2 threads.
#   jobs/bench-kernels.sh [--quick] [--core]
# Writes results/bench-kernels.csv (every run) and results/bench-kernels.md (the table).
# Then (unless --core) the issue-14/15 comparisons, each its own script and tables, appended to
# bench-kernels.md (--quick is passed on):
#   jobs/bench-pi.sh             pi(1e12 .. 1e17) vs primecount at 1 and 2 threads; MPI 2x1 vs
#                                1x2; mpirun -np 1, 2, 4 answers checked        results/pi/
#   jobs/bench-pi-algos.sh       pi(1e13 .. 1e16): parkit's LMO vs primecount's LMO, Deleglise-
#                                Rivat and Gourdon, 1 and 2 threads            results/pi/algos.md
#   jobs/bench-sieve-ranges.sh   1e10 numbers from 1e12, 1e14, 1e16, 1e18 vs primesieve
#                                START STOP; pi(1e10), pi(1e11)                results/sieve/
#   jobs/bench-primorial.sh      kernel and whole process vs mpz_primorial_ui, --output vs
#                                mpz_get_str, 1 and 2 threads                  results/primorial/
#   primes 1e10          vs primesieve --count          target: parkit <= 2x primesieve's time
#   primorial 1e8        vs GMP mpz_primorial_ui        target: 1 thread <= 1.3x GMP; 2 threads < GMP
#   sum 1e9              vs plain OpenMP reduction loop target: >= 80% of its GB/s; f64 >= 60%
#   count 4e10           1 vs 2 threads                 target: efficiency >= 95%
#   tutorial primorial   vs the Python original (multiprocessing.Pool), recorded
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/jobs/setup.sh" "$ROOT/build" >&2
P=$ROOT/build/parkit
REF_SUM=$ROOT/build/bench/pk_ref_sum
REF_PRIMORIAL=$ROOT/build/bench/pk_ref_primorial
REPS=${REPS:-5}
N_PRIMES=1e10 N_PRIMORIAL=1e8 N_SUM=1e9 N_COUNT=4e10
LIMITS="50328 22756 39371 44832"
QUICK='' CORE=0
for a in "$@"; do
    case "$a" in
    --quick) QUICK=--quick; REPS=3 N_PRIMES=1e9 N_PRIMORIAL=1e7 N_SUM=1e8 N_COUNT=4e9 LIMITS="20328 12756" ;;
    --core) CORE=1 ;;
    *) echo "bench-kernels: unknown option '$a' (usage: [--quick] [--core])" >&2; exit 2 ;;
    esac
done
CSV=$ROOT/results/bench-kernels.csv
MD=$ROOT/results/bench-kernels.md
mkdir -p "$ROOT/results"
echo "benchmark,n,threads,tool,run,seconds,gbps" >"$CSV"
unset OMP_PROC_BIND OMP_PLACES

row() { echo "$1,$2,$3,$4,$5,$6,${7:-}" >>"$CSV"; echo "  $1 n=$2 t=$3 $4 run $5: $6 s ${7:+$7 GB/s}" >&2; }
# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
med() { awk -F, -v b="$1" -v t="$2" -v tool="$3" -v c="${4:-6}" '$1 == b && $3 == t && $4 == tool { print $c }' "$CSV" | median | xargs printf '%.4g'; }
jqs() { jq -r "$1"; }

echo "== primes $N_PRIMES: parkit vs primesieve" >&2
for t in 1 2; do
    for r in $(seq 1 "$REPS"); do
        s=$(primesieve "$N_PRIMES" --count --threads="$t" --time | sed -n 's/^Seconds: *//p')
        row primes "$N_PRIMES" "$t" primesieve "$r" "$s"
        j=$("$P" primes "$N_PRIMES" --algo sieve --threads "$t" --format json)
        row primes "$N_PRIMES" "$t" parkit "$r" "$(jqs '.seconds.median + .setup_seconds' <<<"$j")"
    done
done

echo "== primorial $N_PRIMORIAL: parkit vs GMP mpz_primorial_ui" >&2
for r in $(seq 1 "$REPS"); do
    row primorial "$N_PRIMORIAL" 1 gmp "$r" "$("$REF_PRIMORIAL" "$N_PRIMORIAL" 1 | cut -d' ' -f1)"
    for t in 1 2; do
        j=$("$P" primorial "$N_PRIMORIAL" --threads "$t" --format json)
        row primorial "$N_PRIMORIAL" "$t" parkit "$r" "$(jqs '.seconds.median + .setup_seconds' <<<"$j")"
    done
done

echo "== sum $N_SUM: parkit vs a plain OpenMP reduction loop over the same array" >&2
# Whether a fresh 8 GB array gets transparent huge pages varies from process to process (and
# changes the bandwidth), so each tool runs in ROUNDS separate processes, alternating.
ROUNDS=${ROUNDS:-3}
for t in 1 2; do
    for dt in i64 f64; do
        for round in $(seq 1 "$ROUNDS"); do
            OMP_NUM_THREADS=$t "$REF_SUM" "$N_SUM" "$REPS" "$dt" | nl -w1 -s' ' | while read -r r s g _; do
                row "sum-$dt" "$N_SUM" "$t" reference-loop "$round.$r" "$s" "$g"
            done
            j=$("$P" sum "$N_SUM" --dtype "$dt" --threads "$t" --repeat "$REPS" --warmup 1 --format json)
            [ "$(jqs .verified <<<"$j")" = true ] || { echo "parkit sum failed verification" >&2; exit 1; }
            # parkit reports min/median/max of its runs; its median stands for the process
            s=$(jqs .seconds.median <<<"$j")
            row "sum-$dt" "$N_SUM" "$t" parkit "$round.median" "$s" "$(jqs .rate <<<"$j")"
        done
    done
done

echo "== count $N_COUNT: 1 vs 2 threads" >&2
for r in $(seq 1 "$REPS"); do
    for t in 1 2; do
        j=$("$P" count "$N_COUNT" --threads "$t" --format json)
        row count "$N_COUNT" "$t" parkit "$r" "$(jqs .seconds.median <<<"$j")"
    done
done

echo "== the tutorial's primorial workload: parkit --algo naive vs the Python original" >&2
for t in 1 2; do
    for r in $(seq 1 "$REPS"); do
        # shellcheck disable=SC2086
        row tutorial "$LIMITS" "$t" python-multiprocessing "$r" "$(python3 "$ROOT/jobs/bench/tutorial_primorial.py" "$t" $LIMITS | cut -d' ' -f1)"
        # shellcheck disable=SC2086
        j=$("$P" primorial $LIMITS --algo naive --threads "$t" --format json)
        j=${j%%$'\n'*}   # every line carries the batch's wall time; take the first
        row tutorial "$LIMITS" "$t" parkit "$r" "$(jqs .details.batch_wall_seconds_median <<<"$j")"
    done
done

# ---- the table ----
r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ok() { awk -v x="$1" -v y="$2" "BEGIN { exit !($3) }" && echo PASS || echo MISS; }
p1=$(med primes 1 parkit) s1=$(med primes 1 primesieve) p2=$(med primes 2 parkit) s2=$(med primes 2 primesieve)
g=$(med primorial 1 gmp) q1=$(med primorial 1 parkit) q2=$(med primorial 2 parkit)
c1=$(med count 1 parkit) c2=$(med count 2 parkit)
{
echo "# Kernel benchmark: parkit vs reference tools"
echo
echo "Measured on $(hostname), $(sed -n 's/^model name.*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs,"
echo "$(date -u +%Y-%m-%d) with \`jobs/bench-kernels.sh\` (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))."
echo "Medians of $REPS runs, runs alternating between the tools; every run in \`bench-kernels.csv\`."
echo
echo "| benchmark | threads | parkit | reference | ratio | target | result |"
echo "|---|---|---|---|---|---|---|"
echo "| primes $N_PRIMES | 1 | ${p1} s | primesieve ${s1} s | $(r "$p1" "$s1")x time | <= 2x | $(ok "$p1" "$s1" 'x <= 2*y') |"
echo "| primes $N_PRIMES | 2 | ${p2} s | primesieve ${s2} s | $(r "$p2" "$s2")x time | <= 2x | $(ok "$p2" "$s2" 'x <= 2*y') |"
echo "| primorial $N_PRIMORIAL | 1 | ${q1} s | GMP mpz_primorial_ui ${g} s | $(r "$q1" "$g")x time | <= 1.3x | $(ok "$q1" "$g" 'x <= 1.3*y') |"
echo "| primorial $N_PRIMORIAL | 2 | ${q2} s | GMP mpz_primorial_ui ${g} s | $(r "$q2" "$g")x time | < 1x | $(ok "$q2" "$g" 'x < y') |"
for t in 1 2; do
    for dt in i64 f64; do
        a=$(med "sum-$dt" "$t" parkit 7) b=$(med "sum-$dt" "$t" reference-loop 7)
        tgt=0.8; [ "$dt" = f64 ] && tgt=0.6
        echo "| sum $N_SUM $dt | $t | ${a} GB/s | plain reduction loop ${b} GB/s | $(r "$a" "$b") of its GB/s | >= $tgt | $(ok "$a" "$b" "x >= $tgt*y") |"
    done
done
eff=$(awk -v a="$c1" -v b="$c2" 'BEGIN { printf "%.3f", a / (2 * b) }')
echo "| count $N_COUNT | 1 -> 2 | ${c1} s -> ${c2} s | | efficiency $eff | >= 0.95 | $(ok "$eff" 0 'x >= 0.95') |"
for t in 1 2; do
    a=$(med tutorial "$t" parkit) b=$(med tutorial "$t" python-multiprocessing)
    echo "| tutorial primorial $LIMITS, naive | $t | ${a} s | Python multiprocessing ${b} s | $(r "$b" "$a")x faster | recorded | |"
done
} >"$MD"
cat "$MD"

# ---- the issue-14/15 comparisons (their own scripts, tables appended) ----
if [ "$CORE" = 0 ]; then
    for b in pi:pi/bench-pi.md pi-algos:pi/algos.md sieve-ranges:sieve/ranges.md primorial:primorial/bench.md; do
        # shellcheck disable=SC2086
        bash "$ROOT/jobs/bench-${b%%:*}.sh" $QUICK >&2
        { echo; sed 's/^# /## /' "$ROOT/results/${b#*:}"; } >>"$MD"
    done
    cat "$MD"
fi
