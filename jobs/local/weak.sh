#!/bin/bash
# Weak scaling with OpenMP threads on this machine: N = N_PER_WORKER x threads.
#
#   KERNEL=count N_PER_WORKER=1e9 jobs/local/weak.sh
#
# Parameters: KERNEL=primes N_PER_WORKER=2.5e8 RESULTS=results/weak.csv REPEAT=3 WARMUP=1
#             THREADS="1 2 ..." (default powers of two up to nproc, and nproc)   PARKIT=build/parkit
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

KERNEL=${KERNEL:-primes}
sieve=(); [ "$KERNEL" != primes ] || sieve=(--algo sieve)   # primes scales as the sieve (--algo auto would count pi(N) by LMO)
per_worker=$(pk_int "${N_PER_WORKER:-2.5e8}")
RESULTS=${RESULTS:-results/weak.csv}
REPEAT=${REPEAT:-3}
WARMUP=${WARMUP:-1}
THREADS=${THREADS:-$(pk_pow2_upto "$(pk_cpus)")}
pk_find_parkit
mkdir -p "$(dirname "$RESULTS")"
export OMP_PLACES=cores OMP_PROC_BIND=close

echo "weak: $KERNEL N=$per_worker per thread, threads {$THREADS} -> $RESULTS"
for t in $THREADS; do
    OMP_NUM_THREADS=$t run "$PARKIT" "$KERNEL" "$((per_worker * t))" "${sieve[@]}" --mode omp --threads "$t" \
        --repeat "$REPEAT" --warmup "$WARMUP" --results "$RESULTS"
done
