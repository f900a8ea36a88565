#!/bin/bash
# OMP_NUM_THREADS sweep on this machine, no Slurm, no MPI: the serial baseline, then 1, 2, 4, ...
# threads up to the CPUs this process may use, for each schedule in SCHEDULES.
#
#   jobs/local/omp-sweep.sh
#   KERNEL=sum N=4e8 SCHEDULES="static dynamic" RESULTS=results/sum-omp.csv jobs/local/omp-sweep.sh
#
# Parameters: KERNEL=primes N=1e9 RESULTS=results/omp-sweep.csv REPEAT=3 WARMUP=1
#             THREADS="1 2 ..." (default powers of two up to nproc, and nproc)
#             SCHEDULES=default (no --schedule) or e.g. "static dynamic guided,4"   PARKIT=build/parkit
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

KERNEL=${KERNEL:-primes}
N=${N:-1e9}
RESULTS=${RESULTS:-results/omp-sweep.csv}
REPEAT=${REPEAT:-3}
WARMUP=${WARMUP:-1}
SCHEDULES=${SCHEDULES:-default}
THREADS=${THREADS:-$(pk_pow2_upto "$(pk_cpus)")}
pk_find_parkit
mkdir -p "$(dirname "$RESULTS")"
export OMP_PLACES=cores OMP_PROC_BIND=close

echo "omp-sweep: $KERNEL N=$N, threads {$THREADS}, schedules {$SCHEDULES} -> $RESULTS"
sieve=(); [ "$KERNEL" != primes ] || sieve=(--algo sieve)   # primes scales as the sieve (--algo auto would count pi(N) by LMO)
common=(--repeat "$REPEAT" --warmup "$WARMUP" --results "$RESULTS")
OMP_NUM_THREADS=1 run "$PARKIT" "$KERNEL" "$N" "${sieve[@]}" --mode serial --threads 1 "${common[@]}"
for sched in $SCHEDULES; do
    sched_opt=()
    [ "$sched" = default ] || sched_opt=(--schedule "$sched")
    for t in $THREADS; do
        OMP_NUM_THREADS=$t run "$PARKIT" "$KERNEL" "$N" "${sieve[@]}" --mode omp --threads "$t" "${sched_opt[@]}" "${common[@]}"
    done
done
