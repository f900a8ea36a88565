#!/bin/bash
# Helpers shared by jobs/local/*.sh and jobs/mpirun/*.sh (sourced, not run).
# The sbatch scripts in jobs/slurm/ do not use it: sbatch copies a script away from the tree.
# shellcheck shell=bash

PK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

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

# Open MPI mapping/binding for P ranks x T threads on CPUS cores, in the array pk_bind:
# one core per rank when everything fits, PE=T cores per rank for hybrid runs, and no binding
# (plus --oversubscribe) when the layout asks for more cores than there are. MPIRUN_BIND overrides.
pk_bind=()
# shellcheck disable=SC2034   # pk_bind is read by the scripts that source this file
pk_mpirun_binding() {
    local p=$1 t=$2 cpus=$3
    if [ -n "${MPIRUN_BIND:-}" ]; then
        read -r -a pk_bind <<<"$MPIRUN_BIND"
    elif ((p * t > cpus)); then
        pk_bind=(--oversubscribe --bind-to none)
    elif ((t == 1)); then
        pk_bind=(--map-by core --bind-to core)
    else
        pk_bind=(--map-by "slot:PE=$t" --bind-to core)
    fi
}

# Open MPI refuses to run as root unless told it is fine (containers, CI).
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# The parameters every mpirun scaling script shares, with their defaults; RANKS defaults to the
# powers of two up to the CPUs / THREADS. Sets mpirun_extra, cpus and PARKIT, and makes the
# results folder.  usage: pk_mpirun_params DEFAULT_RESULTS
pk_mpirun_params() {
    KERNEL=${KERNEL:-primes}
    RESULTS=${RESULTS:-$1}
    REPEAT=${REPEAT:-3}
    WARMUP=${WARMUP:-1}
    THREADS=${THREADS:-1}
    MPIRUN=${MPIRUN:-mpirun}
    # shellcheck disable=SC2034  # read by the scripts that source this file
    read -r -a mpirun_extra <<<"${MPIRUN_ARGS:-}"
    cpus=$(pk_cpus)
    local max_ranks=$((cpus / THREADS > 0 ? cpus / THREADS : 1))
    RANKS=${RANKS:-$(pk_pow2_upto "$max_ranks")}
    pk_find_parkit
    mkdir -p "$(dirname "$RESULTS")"
}
