#!/bin/bash
# bash -n and shellcheck over the campaign and benchmark scripts (jobs/), the results scripts,
# the bash completion (doc/parkit.bash), and the test scripts (tests/*.sh: run, ci-*, lib; CLI,
# MPI, Slurm, unit, install, libparkit).
#   lint_jobs.sh SOURCE_DIR      (exit 77 when shellcheck is missing: bash -n still ran)
set -euo pipefail
SRC=${1:?usage: $0 SOURCE_DIR}
mapfile -t scripts < <(cd "$SRC" && ls jobs/slurm/*.sbatch jobs/mpirun/*.sh jobs/local/*.sh \
    jobs/*.sh results/plot.sh results/scaling/*.sh tests/slurm/*.sh tests/*.sh tests/cli/*.sh \
    tests/mpi/*.sh tests/unit/*.sh tests/install/*.sh tests/lib/*.sh tests/demo/*.sh doc/parkit.bash 2>/dev/null)
[ "${#scripts[@]}" -gt 0 ] || { echo "lint_jobs: no scripts found under $SRC" >&2; exit 1; }
status=0
for s in "${scripts[@]}"; do
    bash -n "$SRC/$s" || { echo "bash -n failed: $s"; status=1; }
done
if ! command -v shellcheck >/dev/null; then
    echo "SKIP: shellcheck not installed (Debian: shellcheck); bash -n passed=$((status == 0))"
    [ "$status" = 0 ] && exit 77
    exit "$status"
fi
(cd "$SRC" && shellcheck -x -s bash "${scripts[@]}") || status=1
echo "lint_jobs: ${#scripts[@]} scripts checked"
exit "$status"
