#!/usr/bin/env bash
# CI beyond the default build (Debian 12, as root; jobs/setup.sh first, as tests/run.sh does):
#   mpich    MPICH beside Open MPI: a build against MPICH, its MPI tests launched by Hydra
#   mpicc    CC=mpicc (Open MPI's wrapper) as the compiler: builds, and its unit tests pass
#   clang    clang with LLVM's libomp: builds with warnings as errors, unit and cli tests pass
# Every build warns as error. A test skipped (code 77, e.g. the Open MPI-only multi-host test
# under MPICH) is reported as skipped with its reason, never counted as passed.
#   tests/ci-matrix.sh [mpich] [mpicc] [clang]     (default: all three)
# Under the MPI tests the rank x thread matrix is reduced (PK_TEST_MATRIX=sanitized) to keep
# the run short; the default build runs it whole.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
legs=("$@")
[ ${#legs[@]} -gt 0 ] || legs=(mpich mpicc clang)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
SECONDS=0
results=()

need() {   # need PACKAGE...: apt-get install what is missing (as root)
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    [ "$(id -u)" = 0 ] || { echo "ci-matrix: missing packages (install them as root): ${missing[*]}" >&2; exit 1; }
    echo "+ apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}

build() {   # build DIR cmake-args...: configure and build with warnings as errors, or fail
    local dir=$1; shift
    echo "+ cmake -S $ROOT -B $dir -DPK_WERROR=ON $*"
    cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DPK_WERROR=ON "$@" >"$dir.configure.log" 2>&1 ||
        { tail -20 "$dir.configure.log"; return 1; }
    cmake --build "$dir" -j2 >"$dir.build.log" 2>&1 || { grep -E -m 20 "error|warning" "$dir.build.log"; return 1; }
}

# check NAME DIR ctest-args...: run ctest in DIR; one result line with the passed, failed and
# skipped tests by name (ctest's own "Not Run" / "Skipped" -- never folded into passed)
check() {
    local name=$1 dir=$2 rc=0; shift 2
    (cd "$dir" && ctest --output-on-failure --timeout 900 "$@") >"$dir.ctest.log" 2>&1 || rc=$?
    local passed failed skipped
    passed=$(sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([^ ]*\) .*   Passed .*/\1/p' "$dir.ctest.log" | paste -sd' ')
    failed=$(sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([^ ]*\) .*\*\*\*\(Failed\|Timeout\|Exception\).*/\1/p' "$dir.ctest.log" | paste -sd' ')
    skipped=$(sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([^ ]*\) .*\*\*\*Skipped.*/\1/p' "$dir.ctest.log" | paste -sd' ')
    results+=("$name: passed [${passed}] failed [${failed}] skipped [${skipped}]")
    echo "${results[-1]}"
    [ -z "$skipped" ] || grep -h '^SKIP' "$dir"/Testing/Temporary/LastTest.log | sort -u | sed 's/^/  /'
    if [ "$rc" != 0 ] || [ -n "$failed" ]; then
        grep -E '^FAIL|Failed|\*\*\*' "$dir.ctest.log" | head -30
        return 1
    fi
    [ -n "$passed" ] || { echo "$name: no test ran" >&2; return 1; }
}

# what the project needs (a no-op after tests/run.sh: same packages, same build); Open MPI
# first, when no MPI is here, so that MPICH is the one beside it
bash "$ROOT/jobs/setup.sh" "$ROOT/build" -DPK_WERROR=ON
status=0
for leg in "${legs[@]}"; do
    t0=$SECONDS
    echo "=== ci-matrix: $leg"
    case "$leg" in
        mpich)
            need mpich libmpich-dev
            # Debian's names: mpicc.mpich (the wrapper), mpiexec.mpich (Hydra)
            if build "$ROOT/build-mpich" -DMPI_C_COMPILER=/usr/bin/mpicc.mpich \
                    -DMPIEXEC_EXECUTABLE=/usr/bin/mpiexec.mpich; then
                lib=$(/usr/bin/mpiexec.mpich -n 2 "$ROOT/build-mpich/parkit" count 10 --format json | jq -r .mpi) || lib=
                echo "MPI library of the build under Hydra: ${lib:-none}"
                case "$lib" in MPICH\ [0-9]*) ;; *) echo "ci-matrix: mpich: expected \"MPICH <version>\", got \"$lib\"" >&2; status=1 ;; esac
                PK_TEST_MATRIX=sanitized check mpich "$ROOT/build-mpich" -L mpi || status=1
            else
                results+=("mpich: build FAILED"); status=1
            fi ;;
        mpicc)
            echo "mpicc is $(readlink -f "$(command -v mpicc)")"
            if CC=mpicc build "$ROOT/build-mpicc"; then
                check mpicc "$ROOT/build-mpicc" -L unit || status=1
            else
                results+=("mpicc: build FAILED"); status=1
            fi ;;
        clang)
            need clang libomp-dev
            if CC=clang build "$ROOT/build-clang"; then
                check clang "$ROOT/build-clang" -L 'unit|cli' -j2 || status=1
            else
                results+=("clang: build FAILED"); status=1
            fi ;;
        *) echo "ci-matrix: unknown leg \"$leg\" (mpich, mpicc or clang)" >&2; exit 2 ;;
    esac
    echo "=== $leg: $((SECONDS - t0)) s"
done
echo "=== ci-matrix summary ($SECONDS s)"
printf '%s\n' "${results[@]}"
exit "$status"
