#!/bin/bash
# Measure the MPI costs the scaling model needs: latency and bandwidth of MPI_Scatter and
# MPI_Reduce (jobs/commbench), for each rank count in RANKS, written as one CSV with '#' lines.
#
#   jobs/bench-mpi-costs.sh                              # -> results/mpi-costs.csv
#   RANKS="2 4 8" MPIRUN_ARGS="--hostfile hosts" OUT=results/net-costs.csv jobs/bench-mpi-costs.sh
#   (inside a Slurm allocation: MPIRUN="srun --mpi=pmix" RANKS="$SLURM_NTASKS")
#
#   NETNS_HOSTS=2 jobs/bench-mpi-costs.sh               # also between 2 fake hosts (root, iproute2)
#
# With NETNS_HOSTS=H the same benchmark also runs with one rank on each of H network-namespace
# hosts (jobs/mpirun/netns.sh: TCP over veth, the stand-in for "between nodes" here) into OUT_NET.
#
# Parameters: OUT=results/mpi-costs.csv RANKS=2 MAX_BYTES=4194304 ITERS=200
#             NETNS_HOSTS="" OUT_NET=<OUT without .csv>-net.csv
#             COMMBENCH=<build>/jobs/commbench (built with mpicc into a temp dir when missing)
#             MPIRUN (default: the launcher of commbench's build) MPIRUN_ARGS="" (ranks beyond
#             the CPUs here run unbound and oversubscribed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

OUT=${OUT:-results/mpi-costs.csv}
RANKS=${RANKS:-2}
MAX_BYTES=${MAX_BYTES:-4194304}
ITERS=${ITERS:-200}
read -r -a mpirun_extra <<<"${MPIRUN_ARGS:-}"
# shellcheck source=jobs/lib-mpi.sh
. "$here/lib-mpi.sh"

run() { printf '+' >&2; printf ' %q' "$@" >&2; printf '\n' >&2; "$@"; }

if [ -z "${COMMBENCH:-}" ]; then
    for c in "$repo/build/jobs/commbench" "${BUILD_DIR:-/nonexistent}/jobs/commbench"; do
        [ -x "$c" ] && COMMBENCH=$c && break
    done
fi
if [ -z "${COMMBENCH:-}" ]; then
    command -v mpicc >/dev/null || { echo "bench-mpi-costs: no commbench binary and no mpicc to build one" >&2; exit 2; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    COMMBENCH=$tmp/commbench
    run mpicc -O2 -std=c11 -o "$COMMBENCH" "$here/commbench/commbench.c"
fi

# the launcher of commbench's build (MPIRUN overrides; Open MPI, MPICH's Hydra or srun)
pk_mpi_launcher_for "$COMMBENCH" || exit 2
mkdir -p "$(dirname "$OUT")"
cpus=$(nproc)
{
    echo "# MPI collective costs for the parkit scaling model (jobs/bench-mpi-costs.sh)"
    echo "# host=$(hostname) cpus=$cpus date=$(date -u +%Y-%m-%dT%H:%M:%SZ) launcher=${PK_MPIEXEC[*]} ${MPIRUN_ARGS:-}"
    first=1
    for p in $RANKS; do
        pk_mpi_opts=()
        if ((p > cpus)); then pk_mpi_opts unbound || true; fi
        # keep the column header of the first run only, and every '#' line
        run "${PK_MPIEXEC[@]}" "$PK_NP" "$p" "${pk_mpi_opts[@]}" "${PK_MPI_PREFLAGS[@]}" "${mpirun_extra[@]}" "$COMMBENCH" \
            --max-bytes "$MAX_BYTES" --iters "$ITERS" |
            awk -v first="$first" '/^#/ || first == 1 || !/^op,/'
        first=0
    done
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "bench-mpi-costs: wrote $OUT ($(grep -cv '^#' "$OUT") lines)" >&2

if [ -n "${NETNS_HOSTS:-}" ]; then
    OUT_NET=${OUT_NET:-${OUT%.csv}-net.csv}
    netns=$here/mpirun/netns.sh
    if ! ip netns list | grep -qw pkh1; then
        run "$netns" up "$NETNS_HOSTS" >&2
        trap 'rm -rf "${tmp:-}"; "$netns" down "$NETNS_HOSTS" >&2' EXIT
    fi
    {
        echo "# MPI collective costs between network-namespace hosts (TCP over veth), 1 rank per host"
        echo "# host=$(hostname) hosts=$NETNS_HOSTS date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        "$netns" run "$NETNS_HOSTS" 1 "$COMMBENCH" --max-bytes "$MAX_BYTES" --iters "$ITERS"
    } >"$OUT_NET.tmp"
    mv "$OUT_NET.tmp" "$OUT_NET"
    echo "bench-mpi-costs: wrote $OUT_NET ($(grep -cv '^#' "$OUT_NET") lines)" >&2
fi
