#!/usr/bin/env bash
# Install what is needed, build, and run every test (unit, cli, mpi, multihost, io, slurm).
#   tests/run.sh                 the normal build, warnings as errors
#   tests/run.sh --sanitize      the same suite under AddressSanitizer + UBSan (build-asan/)
#   tests/run.sh ... -L LABEL    pass ctest options through (e.g. -L unit)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
CMAKE_ARGS=(-DPK_WERROR=ON)
if [ "${1:-}" = --sanitize ]; then
    shift
    BUILD=$ROOT/build-asan
    CMAKE_ARGS+=("-DPK_SANITIZE=address,undefined" -DCMAKE_BUILD_TYPE=RelWithDebInfo)
    # Open MPI and its runtime keep allocations until exit by design: not ours to report
    export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    # the P x T matrices of the MPI tests run whole in the normal build; under the (slow)
    # sanitizers a corner of them: 1 and 3 ranks x 2 threads
    export PK_TEST_MATRIX=sanitized
fi
bash "$ROOT/jobs/setup.sh" "$BUILD" "${CMAKE_ARGS[@]}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$BUILD"
rc=0
ctest --output-on-failure --timeout 1200 "$@" || rc=$?
# What did not run, and why: the "SKIP: reason" lines of every test (ctest shows a skipped
# test's name only), whether the whole test was skipped (exit 77) or some checks inside it.
skips=$(awk '/^[0-9]+\/[0-9]+ Test: / { name = $3 } /^SKIP/ { print "  " name ": " $0 }' \
        Testing/Temporary/LastTest.log 2>/dev/null || true)
if [ -n "$skips" ]; then
    echo "Skipped checks (not passed; the reason is each test's own):"
    printf '%s\n' "$skips"
fi
exit "$rc"
