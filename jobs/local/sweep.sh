#!/bin/bash
# The job-array experiment without Slurm: every point of the KERNELS x SIZES grid, up to JOBS
# of them at a time, all appending to one RESULTS file (parkit locks each append).
#
#   KERNELS="count sum primes" SIZES="1e8 1e9" JOBS=2 jobs/local/sweep.sh
#
# Parameters: KERNELS="count sum primes" SIZES="1e8 1e9" RESULTS=results/sweep.csv JOBS=1
#             THREADS_EACH=1 REPEAT=3 WARMUP=1 PARKIT=build/parkit
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

KERNELS=${KERNELS:-count sum primes}
SIZES=${SIZES:-1e8 1e9}
RESULTS=${RESULTS:-results/sweep.csv}
JOBS=${JOBS:-1}
THREADS_EACH=${THREADS_EACH:-1}
REPEAT=${REPEAT:-3}
WARMUP=${WARMUP:-1}
pk_find_parkit
mkdir -p "$(dirname "$RESULTS")"
export PARKIT RESULTS REPEAT WARMUP THREADS_EACH OMP_NUM_THREADS=$THREADS_EACH

echo "sweep: {$KERNELS} x {$SIZES}, $JOBS at a time, $THREADS_EACH thread(s) each -> $RESULTS"
grid=()
for k in $KERNELS; do
    for n in $SIZES; do grid+=("$k $n"); done
done
# One line per grid point; xargs keeps JOBS of them running and fails if any of them fails.
# shellcheck disable=SC2016   # the inner bash expands $1, $2 and the exported variables
printf '%s\n' "${grid[@]}" | xargs -P "$JOBS" -L 1 bash -c '
    sieve=(); [ "$1" != primes ] || sieve=(--algo sieve)   # the sieve (--algo auto would count pi(N) by LMO)
    printf "+ %q %q %q %s --threads %q --repeat %q --warmup %q --results %q\n" "$PARKIT" "$1" "$2" "${sieve[*]}" "$THREADS_EACH" "$REPEAT" "$WARMUP" "$RESULTS"
    exec "$PARKIT" "$1" "$2" "${sieve[@]}" --threads "$THREADS_EACH" --repeat "$REPEAT" --warmup "$WARMUP" --results "$RESULTS"' sweep
