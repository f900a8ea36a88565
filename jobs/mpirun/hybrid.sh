#!/bin/bash
# Hybrid layouts under mpirun: for each RANKSxTHREADS layout, print where every rank and thread
# runs (parkit where), then run the kernel and append a row. Default: every split of the CPUs
# here into ranks x threads (on 2 CPUs: 1x2 and 2x1).
#
#   LAYOUTS="1x8 2x4 4x2 8x1" KERNEL=primes N=1e10 jobs/mpirun/hybrid.sh
#
# Parameters: KERNEL=primes N=1e9 RESULTS=results/hybrid.csv REPEAT=3 WARMUP=1 LAYOUTS
#             WHERE=1 (0 skips parkit where)  MPIRUN (default: the launcher of the build) MPIRUN_ARGS MPIRUN_BIND
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../local/lib.sh
. "$(dirname "$0")/../local/lib.sh"

KERNEL=${KERNEL:-primes}
sieve=(); [ "$KERNEL" != primes ] || sieve=(--algo sieve)   # primes scales as the sieve (--algo auto would count pi(N) by LMO)
N=${N:-1e9}
RESULTS=${RESULTS:-results/hybrid.csv}
REPEAT=${REPEAT:-3}
WARMUP=${WARMUP:-1}
WHERE=${WHERE:-1}
read -r -a mpirun_extra <<<"${MPIRUN_ARGS:-}"
cpus=$(pk_cpus)
if [ -z "${LAYOUTS:-}" ]; then
    LAYOUTS=""
    for ((p = 1; p <= cpus; p++)); do
        ((cpus % p == 0)) && LAYOUTS+="${p}x$((cpus / p)) "
    done
fi
pk_find_parkit
pk_mpi_launcher_for "$PARKIT" || exit 2
mkdir -p "$(dirname "$RESULTS")"

echo "mpirun hybrid: $KERNEL N=$N, layouts {$LAYOUTS} on $cpus CPUs -> $RESULTS"
for layout in $LAYOUTS; do
    p=${layout%x*}
    t=${layout#*x}
    [[ "$p" =~ ^[1-9][0-9]*$ && "$t" =~ ^[1-9][0-9]*$ ]] ||
        { echo "$0: layout \"$layout\": expected RANKSxTHREADS, e.g. 2x4" >&2; exit 2; }
    pk_mpirun_binding "$p" "$t" "$cpus"
    launch=("${PK_MPIEXEC[@]}" "$PK_NP" "$p" "${pk_bind[@]}" "${PK_MPI_PREFLAGS[@]}" "${mpirun_extra[@]}"
        env OMP_NUM_THREADS="$t" OMP_PLACES=cores OMP_PROC_BIND=close)
    [ "$WHERE" = 0 ] || run "${launch[@]}" "$PARKIT" where --threads "$t"
    run "${launch[@]}" "$PARKIT" "$KERNEL" "$N" "${sieve[@]}" --mode hybrid --threads "$t" \
        --repeat "$REPEAT" --warmup "$WARMUP" --results "$RESULTS"
done
