# shellcheck shell=bash disable=SC2034  # RC, OUT, ERR are read by the scripts that source this
# Shared by the shell test scripts (sourced): a scratch folder removed at exit, the pass /
# fail / skip counters and the closing line ctest's log shows, and the helpers every script
# used to write again.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skipped=0
# The machine-state warnings (load, oversubscription, ...) depend on the moment; they would
# add lines to the stderr the tests compare.  measure_tests.sh turns them on to test them.
export PARKIT_WARNINGS=off
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

# run CMD...: sets OUT, ERR, RC
run() { "$@" >"$TMP/out" 2>"$TMP/err"; RC=$?; OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err"); }
# field NAME: a "Name = value" line of the text report in $OUT
field() { printf '%s\n' "$OUT" | sed -n "s/^ $1 *= //p" | head -1; }
# col CSV NAME: the value of column NAME in the first row under the header
col() { awk -F, -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i } NR == 2 { print $c }' <<<"$1"; }

# mpi_test_env LAUNCHER: the launcher (ctest passes CMake's MPIEXEC_EXECUTABLE, and
# MPIEXEC_NUMPROC_FLAG / MPIEXEC_PREFLAGS as PK_MPIEXEC_NUMPROC_FLAG / PK_MPIEXEC_PREFLAGS)
# with its flavour's flags for ranks beyond the cores, unbound and quiet: `mpi $NP 4 prog`
# runs 4 ranks under Open MPI, MPICH's Hydra or srun alike (jobs/lib-mpi.sh knows the flags).
# Exits 77 (skipped) when the launcher is missing. Open MPI as root, no inherited OpenMP
# placement; under LeakSanitizer Open MPI's plugins stay loaded so its own allocations are
# attributed to its libraries and suppressed (tests/lsan.supp), not ours.
mpi_test_env() {
    # shellcheck source=jobs/lib-mpi.sh
    . "$(dirname "${BASH_SOURCE[0]}")/../jobs/lib-mpi.sh"
    pk_mpi_launcher "${1:-}" "${PK_MPIEXEC_NUMPROC_FLAG:-}" "${PK_MPIEXEC_PREFLAGS:-}" 2>"$TMP/launcher" ||
        { echo "SKIP: $(cat "$TMP/launcher")"; exit 77; }
    pk_mpi_opts quiet unbound
    MPI=("${PK_MPIEXEC[@]}" "${PK_MPI_PREFLAGS[@]}" "${pk_mpi_opts[@]}")
    NP=$PK_NP
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
    unset OMP_NUM_THREADS OMP_PROC_BIND OMP_PLACES
    export OMPI_MCA_mca_base_component_disable_dlclose=1
    if [ -n "${LSAN_OPTIONS:-}" ]; then export LSAN_OPTIONS="$LSAN_OPTIONS:fast_unwind_on_malloc=0"; fi
}

# mpi LAUNCHER-ARGS...: the launcher of mpi_test_env with its flags
mpi() { "${MPI[@]}" "$@"; }

# mpi_rank_script FILE <<'SH' ... SH: a /bin/sh wrapper for ranks to run; its body finds the
# rank's own number in $rank, whichever launcher started it
mpi_rank_script() {
    { echo '#!/bin/sh'; echo "rank=$PK_MPI_RANK_SH"; cat; } >"$1"
    chmod +x "$1"
}

# The closing line, and the exit status: 0 when nothing failed.
summary() {
    echo "$pass passed, $fail failed${skipped:+, $skipped skipped}"
    [ "$fail" = 0 ]
}
