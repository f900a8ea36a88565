#!/bin/bash
# Weak scaling under mpirun: N = N_PER_WORKER x ranks x THREADS on 1, 2, 4, ... ranks.
#
#   KERNEL=count N_PER_WORKER=1e9 RANKS="1 2 4 8" jobs/mpirun/weak.sh
#
# Parameters: KERNEL=primes N_PER_WORKER=2.5e8 RESULTS=results/weak.csv REPEAT=3 WARMUP=1 THREADS=1
#             RANKS (default powers of two up to nproc / THREADS)  MPIRUN (default: the launcher of the build) MPIRUN_ARGS MPIRUN_BIND
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../local/lib.sh
. "$(dirname "$0")/../local/lib.sh"

pk_mpirun_params results/weak.csv
sieve=(); [ "$KERNEL" != primes ] || sieve=(--algo sieve)   # primes scales as the sieve (--algo auto would count pi(N) by LMO)
per_worker=$(pk_int "${N_PER_WORKER:-2.5e8}")

echo "mpirun weak: $KERNEL N=$per_worker per worker, ranks {$RANKS} x $THREADS threads -> $RESULTS"
for p in $RANKS; do
    pk_mpirun_binding "$p" "$THREADS" "$cpus"
    run "${PK_MPIEXEC[@]}" "$PK_NP" "$p" "${pk_bind[@]}" "${PK_MPI_PREFLAGS[@]}" "${mpirun_extra[@]}" \
        env OMP_NUM_THREADS="$THREADS" OMP_PLACES=cores OMP_PROC_BIND=close \
        "$PARKIT" "$KERNEL" "$((per_worker * p * THREADS))" "${sieve[@]}" --mode hybrid --threads "$THREADS" \
        --repeat "$REPEAT" --warmup "$WARMUP" --results "$RESULTS"
done
