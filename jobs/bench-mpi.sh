#!/usr/bin/env bash
# The MPI backend's costs, measured side by side in one run (medians of REPS, default 5):
#   overhead: count 1e10 and primes 1e10, 2 ranks x 1 thread vs 1 rank x 2 threads  (within 5%)
#   sum 1e8 --distribute scatter: parkit's scatter + reduce vs a bare MPI_Scatterv + MPI_Reduce
#     of the same bytes (pk_ref_scatter, OSU style)                                     (within 1.2x)
#   primorial 1e8 at 2 ranks vs GMP's single-threaded mpz_primorial_ui                 (faster)
# Writes results/bench-mpi.csv and results/bench-mpi.md.
#   jobs/bench-mpi.sh [--quick]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/jobs/setup.sh" "$ROOT/build" >&2
P=$ROOT/build/parkit
B=$ROOT/build/bench
REPS=${REPS:-5}
N=1e10 NSUM=1e8 NPRIM=1e8
[ "${1:-}" = --quick ] && { REPS=3 N=1e9 NSUM=1e7 NPRIM=1e7; }
# shellcheck source=jobs/lib-mpi.sh
. "$ROOT/jobs/lib-mpi.sh"
pk_mpi_launcher_for "$P"   # the launcher of this build (MPIRUN overrides), 2 ranks bound to a core each
pk_mpi_opts quiet core
unset OMP_NUM_THREADS OMP_PROC_BIND OMP_PLACES
CSV=$ROOT/results/bench-mpi.csv MD=$ROOT/results/bench-mpi.md
echo "benchmark,n,layout,run,seconds" >"$CSV"
row() { echo "$1,$2,$3,$4,$5" >>"$CSV"; echo "  $1 n=$2 $3 run $4: $5 s" >&2; }
# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
med() { awk -F, -v b="$1" -v l="$2" '$1 == b && $3 == l { print $5 }' "$CSV" | median | xargs printf '%.4g'; }
mpi() { "${PK_MPIEXEC[@]}" "${PK_MPI_PREFLAGS[@]}" "${pk_mpi_opts[@]}" "$PK_NP" "$@"; }

for k in count primes; do
    echo "== $k $N: 2 ranks x 1 thread vs 1 rank x 2 threads" >&2
    sieve=(); [ "$k" != primes ] || sieve=(--algo sieve)   # the sieve: pi(N) by LMO is jobs/bench-pi.sh
    for r in $(seq 1 "$REPS"); do
        row "$k" "$N" "1x2" "$r" "$("$P" "$k" "$N" "${sieve[@]}" --threads 2 --format json | jq .seconds.median)"
        row "$k" "$N" "2x1" "$r" "$(mpi 2 "$P" "$k" "$N" "${sieve[@]}" --mode mpi --format json | jq .seconds.median)"
    done
done

echo "== sum $NSUM --distribute scatter vs bare MPI_Scatterv + MPI_Reduce" >&2
for r in $(seq 1 "$REPS"); do
    j=$(mpi 2 "$P" sum "$NSUM" --mode mpi --format json)
    row scatter+reduce "$NSUM" parkit "$r" "$(jq '.details.scatter_seconds + .comm_seconds' <<<"$j")"
    row scatter+reduce "$NSUM" reference "$r" "$(mpi 2 "$B/pk_ref_scatter" "$NSUM" 1 | awk '{ print $1 + $2 }')"
done

echo "== primorial $NPRIM: 2 ranks vs GMP" >&2
for r in $(seq 1 "$REPS"); do
    row primorial "$NPRIM" gmp "$r" "$("$B/pk_ref_primorial" "$NPRIM" 1 | cut -d' ' -f1)"
    row primorial "$NPRIM" "2x1" "$r" "$(mpi 2 "$P" primorial "$NPRIM" --mode mpi --format json | jq '.seconds.median + .setup_seconds')"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v x="$1" "BEGIN { exit !($2) }" && echo PASS || echo MISS; }
{
echo "# MPI backend benchmark"
echo
echo "Measured on $(hostname) ($(nproc) CPUs), $(date -u +%Y-%m-%d), \`jobs/bench-mpi.sh\` (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)),"
echo "$("${PK_MPIEXEC[0]}" --version | grep -m1 .). Medians of $REPS runs; every run in \`bench-mpi.csv\`."
echo
echo "| benchmark | parkit | reference | ratio | target | result |"
echo "|---|---|---|---|---|---|"
for k in count primes; do
    a=$(med "$k" 2x1) b=$(med "$k" 1x2) x=$(ratio "$(med "$k" 2x1)" "$(med "$k" 1x2)")
    echo "| $k $N | 2 ranks x 1 thread: $a s | 1 rank x 2 threads: $b s | $x | <= 1.05 | $(verdict "$x" 'x <= 1.05') |"
done
a=$(med scatter+reduce parkit) b=$(med scatter+reduce reference) x=$(ratio "$a" "$b")
echo "| sum $NSUM scatter + reduce, 2 ranks | $a s | bare MPI_Scatterv + MPI_Reduce: $b s | $x | <= 1.2 | $(verdict "$x" 'x <= 1.2') |"
a=$(med primorial 2x1) b=$(med primorial gmp) x=$(ratio "$a" "$b")
echo "| primorial $NPRIM, 2 ranks | $a s | GMP mpz_primorial_ui: $b s | $x | < 1 | $(verdict "$x" 'x < 1') |"
} >"$MD"
cat "$MD"
