#!/bin/bash
# Strong scaling under mpirun (no Slurm): fixed N on 1, 2, 4, ... ranks of THREADS threads each,
# plus the serial baseline. Binding: one core per rank (PE=THREADS cores for hybrid ranks) while
# the layout fits the CPUs here, otherwise unbound (Open MPI, MPICH's Hydra or srun: jobs/lib-mpi.sh).
#
#   jobs/mpirun/strong.sh
#   KERNEL=sum N=4e8 RANKS="1 2 4" HOSTFILE=hosts jobs/mpirun/strong.sh
#
# Parameters: KERNEL=primes N=1e9 RESULTS=results/strong.csv REPEAT=3 WARMUP=1 THREADS=1
#             RANKS="1 2 ..." (default powers of two up to nproc / THREADS)   SERIAL=1
#             MPIRUN (default: the launcher of the build) MPIRUN_ARGS="" (e.g. "--hostfile hosts")  MPIRUN_BIND (replaces the binding)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../local/lib.sh
. "$(dirname "$0")/../local/lib.sh"

pk_mpirun_params results/strong.csv
N=${N:-1e9}
SERIAL=${SERIAL:-1}

echo "mpirun strong: $KERNEL N=$N, ranks {$RANKS} x $THREADS threads on $cpus CPUs -> $RESULTS"
sieve=(); [ "$KERNEL" != primes ] || sieve=(--algo sieve)   # primes scales as the sieve (--algo auto would count pi(N) by LMO)
common=(--repeat "$REPEAT" --warmup "$WARMUP" --results "$RESULTS")
if [ "$SERIAL" = 1 ]; then
    OMP_NUM_THREADS=1 run "$PARKIT" "$KERNEL" "$N" "${sieve[@]}" --mode serial --threads 1 "${common[@]}"
fi
for p in $RANKS; do
    pk_mpirun_binding "$p" "$THREADS" "$cpus"
    run "${PK_MPIEXEC[@]}" "$PK_NP" "$p" "${pk_bind[@]}" "${PK_MPI_PREFLAGS[@]}" "${mpirun_extra[@]}" \
        env OMP_NUM_THREADS="$THREADS" OMP_PLACES=cores OMP_PROC_BIND=close \
        "$PARKIT" "$KERNEL" "$N" "${sieve[@]}" --mode hybrid --threads "$THREADS" "${common[@]}"
done
