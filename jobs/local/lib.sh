#!/bin/bash
# Helpers shared by jobs/local/*.sh and jobs/mpirun/*.sh (sourced, not run).
# The sbatch scripts in jobs/slurm/ do not use it: sbatch copies a script away from the tree.
# shellcheck shell=bash

PK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=jobs/lib-mpi.sh
. "$PK_REPO/jobs/lib-mpi.sh"

# PARKIT, else the parkit beside these scripts -- <repo>/build/parkit in a source tree,
# <prefix>/bin/parkit when installed (PK_REPO is then <prefix>/share/parkit) -- else parkit on PATH.
pk_find_parkit() {
    if [ -n "${PARKIT:-}" ]; then
        [ -x "$PARKIT" ] || { echo "$0: PARKIT=$PARKIT is not an executable" >&2; exit 2; }
    elif [ -x "$PK_REPO/build/parkit" ]; then
        PARKIT=$PK_REPO/build/parkit
    elif [[ $PK_REPO == */share/parkit ]] && [ -x "$PK_REPO/../../bin/parkit" ]; then
        PARKIT=$(cd "$PK_REPO/../../bin" && pwd)/parkit
    else
        PARKIT=$(command -v parkit) || { echo "$0: parkit not found; build it or set PARKIT=/path/to/parkit" >&2; exit 2; }
    fi
}

# Print a command (shell-quoted, prefixed by +) and run it.
run() { printf '+'; printf ' %q' "$@"; printf '\n'; "$@"; }

# "1 2 4 ... max" (powers of two below max, then max itself).
pk_pow2_upto() {
    local out="" p
    for ((p = 1; p < $1; p *= 2)); do out+="$p "; done
    echo "$out$1"
}

# A size written 2.5e8 / 1e9 / 1000 as an exact integer (below 2^53), or exit 2.
pk_int() {
    awk -v x="$1" 'BEGIN { if (x !~ /^[0-9.]+([eE][0-9]+)?$/ || x + 0 < 1) exit 1; printf "%.0f", x }' ||
        { echo "$0: expected a positive number, got \"$1\"" >&2; exit 2; }
}

# CPUs this process may use (the affinity mask, not the machine's total).
pk_cpus() { nproc; }

# Mapping/binding for P ranks x T threads on CPUS cores, in the array pk_bind, in the flags
# of the launcher (pk_mpi_launcher, jobs/lib-mpi.sh): one core per rank when everything fits,
# T cores per rank for hybrid runs, and no binding (ranks may outnumber the cores) when the
# layout asks for more cores than there are. MPIRUN_BIND overrides.
pk_bind=()
# shellcheck disable=SC2034   # pk_bind is read by the scripts that source this file
pk_mpirun_binding() {
    local p=$1 t=$2 cpus=$3 want=core
    ((t == 1)) || want=cores:$t
    ((p * t <= cpus)) || want=unbound
    if [ -n "${MPIRUN_BIND:-}" ]; then
        read -r -a pk_bind <<<"$MPIRUN_BIND"
    elif pk_mpi_opts "$want"; then
        pk_bind=("${pk_mpi_opts[@]}")
    else
        echo "$0: no binding known for the launcher ${PK_MPIEXEC[0]}; ranks run where it puts them (MPIRUN_BIND sets one)" >&2
        pk_bind=()
    fi
}

# The parameters every mpirun scaling script shares, with their defaults; RANKS defaults to the
# powers of two up to the CPUs / THREADS. Sets mpirun_extra, cpus, PARKIT and the launcher
# (PK_MPIEXEC, PK_NP: MPIRUN, else the one of PARKIT's build), and makes the results folder.
# usage: pk_mpirun_params DEFAULT_RESULTS
pk_mpirun_params() {
    KERNEL=${KERNEL:-primes}
    RESULTS=${RESULTS:-$1}
    REPEAT=${REPEAT:-3}
    WARMUP=${WARMUP:-1}
    THREADS=${THREADS:-1}
    # shellcheck disable=SC2034  # read by the scripts that source this file
    read -r -a mpirun_extra <<<"${MPIRUN_ARGS:-}"
    cpus=$(pk_cpus)
    local max_ranks=$((cpus / THREADS > 0 ? cpus / THREADS : 1))
    RANKS=${RANKS:-$(pk_pow2_upto "$max_ranks")}
    pk_find_parkit
    pk_mpi_launcher_for "$PARKIT" || exit 2
    mkdir -p "$(dirname "$RESULTS")"
}
