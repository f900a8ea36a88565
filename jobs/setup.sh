#!/usr/bin/env bash
# Install what parkit needs (Debian 12, as root) and build it.
#   jobs/setup.sh [BUILD_DIR] [extra cmake arguments...]
# Packages are installed only when missing; without root (or apt) it just builds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
shift || true

PACKAGES=(
    # build
    build-essential cmake pkg-config git ca-certificates
    # libraries: GMP, FLINT (its FFT for huge products; optional), json-c, cmocka, libcurl,
    # libmicrohttpd (the test server); MPI below
    libgmp-dev libflint-dev libjson-c-dev libcmocka-dev libcurl4-openssl-dev libmicrohttpd-dev
    # tests and tools: jq, perl, bc (big decimal checks), iproute2 + util-linux (network namespaces), clang (libFuzzer),
    # Slurm + munge (the throw-away cluster), python3 + gnuplot (plots and the model), man-db
    # (the install test renders the man page)
    jq perl bc iproute2 util-linux procps time clang libclang-rt-14-dev slurmctld slurmd slurm-client munge
    python3 gnuplot-nox shellcheck man-db
    # reference tools the benchmarks compare against
    primesieve primecount curl aria2 wget2 python3-requests python3-aiohttp
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# MPI: the one already here -- mpicc and mpiexec on PATH (a module, Spack, a vendor MPI), or
# Debian's MPICH or Open MPI, completed with its launcher or headers -- and Open MPI only when
# there is none (two MPIs side by side leave mpicc and mpiexec to the alternatives system)
if command -v mpicc >/dev/null && command -v mpiexec >/dev/null; then
    echo "+ MPI: $(command -v mpicc), $(command -v mpiexec) (already here)"
elif installed libmpich-dev || installed mpich; then
    echo "+ MPI: MPICH (already installed)"
    PACKAGES+=(libmpich-dev mpich)
else
    PACKAGES+=(libopenmpi-dev openmpi-bin)
fi

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "+ apt-get install ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "parkit setup: missing packages (install them as root): ${missing[*]}" >&2
    fi
fi

echo "+ cmake -S $ROOT -B $BUILD $*"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
echo "+ cmake --build $BUILD -j$(nproc)"
cmake --build "$BUILD" -j"$(nproc)" 2>&1 | grep -E "error|warning|Error" || true
test -x "$BUILD/parkit" || { echo "parkit setup: build failed" >&2; cmake --build "$BUILD" 2>&1 | tail -30; exit 1; }
echo "built $BUILD/parkit"
