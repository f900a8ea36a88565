#!/bin/bash
# Rebuild the committed reference set in results/scaling/ from real runs on this machine:
# single-node OpenMP sweeps, mpirun strong / weak / hybrid runs, the MPI cost benchmark, then
# the model and the plots. Takes 10-15 minutes on 2 cores.
#
#   cmake -S . -B build && cmake --build build -j && results/scaling/reproduce.sh
#
# STAT=min (default here): a configuration's time is its best repetition over all rounds, the
# uncontended time on this shared 2-core VM; STAT=median for medians.
# NETNS_HOSTS=2: MPI costs are also measured between two network-namespace hosts (needs root and
# iproute2; NETNS_HOSTS= to skip), the model's "between nodes" costs.
# Parameters: ANALYZE_ONLY=1 (keep the CSVs, redo model and plots)  PARKIT=build/parkit
# ROUNDS=5 REPEAT=3: the whole campaign runs ROUNDS times, interleaved, because per-core speed
# drifts here and other work comes and goes: every configuration gets several chances at a quiet
# moment. QUIET_WAIT=20: seconds to wait for an idle machine before each experiment.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/results/scaling
export PARKIT=${PARKIT:-$repo/build/parkit}
export REPEAT=${REPEAT:-3} WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-5}
export STAT=${STAT:-min}
NETNS_HOSTS=${NETNS_HOSTS-2}
[ -x "$PARKIT" ] || { echo "reproduce: $PARKIT not found; build first (cmake -S . -B build && cmake --build build -j)" >&2; exit 2; }
bdir=$(dirname "$PARKIT")
if [ -z "${COMMBENCH:-}" ] && [ -x "$bdir/jobs/commbench" ]; then export COMMBENCH=$bdir/jobs/commbench; fi

csv=$out/reference.csv

# Percent of CPU time idle over one second (all CPUs), from /proc/stat.
idle_pct() {
    local a b
    read -r -a a < <(grep '^cpu ' /proc/stat)
    sleep 1
    read -r -a b < <(grep '^cpu ' /proc/stat)
    local total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    echo $(((b[4] + b[5] - a[4] - a[5]) * 100 / (total > 0 ? total : 1)))
}
# This VM is shared: before each experiment wait (up to QUIET_WAIT s) until nothing else runs.
quiet() {
    local end=$((SECONDS + ${QUIET_WAIT:-20})) idle
    while :; do
        idle=$(idle_pct)
        [ "$idle" -ge 90 ] && return 0
        if [ "$SECONDS" -ge "$end" ]; then
            echo "busy: $(date -u +%T) only $idle% idle before $*; measured anyway" | tee -a "$out/conditions.txt"
            return 0
        fi
    done
}
if [ "${ANALYZE_ONLY:-0}" != 1 ]; then
    rm -f "$csv"
    export RESULTS=$csv
    echo "start: $(date -u +%FT%TZ) $(uptime)" >"$out/conditions.txt"
    # kernel and strong-scaling size: each serial run takes about 1-2 s here
    sizes=("count 2000000000" "sum 200000000" "primes 1000000000")
    for round in $(seq 1 "$ROUNDS"); do
        echo "=== reproduce: round $round of $ROUNDS"
        for ks in "${sizes[@]}"; do
            read -r kernel n <<<"$ks"
            export KERNEL=$kernel N=$n N_PER_WORKER=$((n / 2))
            quiet "$kernel" && "$repo/jobs/local/omp-sweep.sh"
            quiet "$kernel" && "$repo/jobs/local/weak.sh"
            quiet "$kernel" && SERIAL=0 RANKS="1 2 4" "$repo/jobs/mpirun/strong.sh"
            quiet "$kernel" && WHERE=0 LAYOUTS="1x2" "$repo/jobs/mpirun/hybrid.sh"
            quiet "$kernel" && RANKS="2" "$repo/jobs/mpirun/weak.sh"
        done
    done
    echo "end:   $(date -u +%FT%TZ) $(uptime)" >>"$out/conditions.txt"
    quiet mpi-costs && OUT=$out/mpi-costs.csv RANKS="2 4" NETNS_HOSTS=$NETNS_HOSTS "$repo/jobs/bench-mpi-costs.sh"
fi
net=()
[ ! -f "$out/mpi-costs-net.csv" ] || net=(--net-costs "$out/mpi-costs-net.csv")
python3 "$repo/results/model.py" predict "$csv" --costs "$out/mpi-costs.csv" "${net[@]}" --stat "$STAT" --outdir "$out"
python3 "$repo/results/model.py" table "$csv" --stat "$STAT" >"$out/table.md"
"$repo/results/plot.sh" "$csv" "$out/scaling"
echo "reproduce: done; see $out"
