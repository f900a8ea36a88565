#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# The build in other shapes than the test suite's own (CI, after tests/run.sh has installed the
# packages): each optional dependency missing in turn, tests off, and a library outside the
# system directories.  A dependency is hidden with CMake's CMAKE_DISABLE_FIND_PACKAGE_<Name>,
# the same switch a user has to build without something that is installed.
#   tests/ci-builds.sh [WORKDIR]      (default: a temporary folder, removed at the end)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$(mktemp -d)}
[ -n "${1:-}" ] || trap 'rm -rf "$W"' EXIT
mkdir -p "$W"
pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# build NAME CMAKE-ARGS...: configure (log in $W/NAME.log) and build; 1 when either fails
build() {
    local name=$1; shift
    rm -rf "${W:?}/$name"
    if cmake -S "$ROOT" -B "$W/$name" -DPK_WERROR=ON "$@" >"$W/$name.log" 2>&1 &&
       cmake --build "$W/$name" -j2 >>"$W/$name.log" 2>&1; then
        ok; return 0
    fi
    bad "$name: configure or build failed:"; tail -20 "$W/$name.log" >&2; return 1
}
said() { grep -q -- "$2" "$W/$1.log" && ok || bad "$1: configure did not say \"$2\""; }
tests_of() { (cd "$W/$1" && ctest -N 2>/dev/null) | sed -n 's/.*Test *#[0-9]*: //p'; }
verified() {   # verified BUILD: a tiny run of each kernel family answers and is verified
    local b=$W/$1/parkit c
    for c in "primes 1e6" "sum 1e6 --dtype f64" "count 1000" "isprime 97" "primorial 1000"; do
        # shellcheck disable=SC2086
        [ "$("$b" $c --format csv | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "verified") v = i } NR == 2 { print $v }')" = true ] &&
            ok || bad "$1: $c not verified"
    done
}

echo "== without libcurl: everything but fetch, which says so (exit 2)"
if build no-curl -DCMAKE_DISABLE_FIND_PACKAGE_CURL=ON; then
    said no-curl "libcurl >= 7.85 not found: parkit fetch left out (Debian: libcurl4-openssl-dev; Spack: curl)"
    verified no-curl
    set +e; msg=$("$W/no-curl/parkit" fetch http://127.0.0.1:9/x 2>&1); rc=$?; set -e
    [ "$rc" = 2 ] && [[ "$msg" == "parkit: fetch was not built: libcurl"* ]] && ok || bad "no-curl: fetch rc=$rc: $msg"
    [ ! -e "$W/no-curl/parkit-fetch" ] && ok || bad "no-curl: parkit-fetch was built"
    tests_of no-curl | grep -q '^io\.' && bad "no-curl: io tests registered" || ok
    # the CLI promise that offers fetch rows to a kernel file skips, not fails, without fetch
    (cd "$W/no-curl" && ctest -R cli.results_one_layout --output-on-failure >"$W/no-curl.ctest" 2>&1) &&
        grep -q 'SKIP: fetch is not built' "$W/no-curl/Testing/Temporary/LastTest.log" && ok ||
        { bad "no-curl: cli.results_one_layout"; tail -30 "$W/no-curl.ctest" >&2; }
fi

echo "== without MPI: serial and OpenMP, jobs included, no libmpi anywhere"
if build no-mpi -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON; then
    said no-mpi "no MPI found: serial and OpenMP only (Debian: libopenmpi-dev or libmpich-dev; Spack: mpi)"
    verified no-mpi
    grep -q '^  MPI  *not built' <("$W/no-mpi/parkit" --version) && ok || bad "no-mpi: --version does not say MPI is not built"
    found=$(find "$W/no-mpi" -type f -perm -u+x -exec sh -c 'ldd "$1" 2>/dev/null | grep -q libmpi && echo "$1"' _ {} \;)
    [ -z "$found" ] && ok || bad "no-mpi: linked with libmpi: $found"
fi

echo "== without FLINT (PK_WITH_FLINT=OFF): huge products by mpz_mul alone, no libflint anywhere"
if build no-flint -DPK_WITH_FLINT=OFF; then
    said no-flint "parkit: FLINT OFF"
    verified no-flint
    found=$(find "$W/no-flint" -type f -perm -u+x -exec sh -c 'ldd "$1" 2>/dev/null | grep -q libflint && echo "$1"' _ {} \;)
    [ -z "$found" ] && ok || bad "no-flint: linked with libflint: $found"
    m=$("$W/no-flint/parkit" primorial 1e5 --format json | jq -r .details.multiply)
    [ "$m" = "GMP mpz_mul" ] && ok || bad "no-flint: primorial says multiply \"$m\""
fi

echo "== without cmocka: no unit or io tests, the rest builds and runs"
if build no-cmocka -DCMAKE_DISABLE_FIND_PACKAGE_CMocka=ON; then
    said no-cmocka "cmocka not found (Debian: libcmocka-dev, Spack: cmocka): unit and io tests left out"
    t=$(tests_of no-cmocka)
    grep -qE '^(unit|io)\.' <<<"$t" && bad "no-cmocka: unit or io tests registered" || ok
    grep -q '^cli\.' <<<"$t" && ok || bad "no-cmocka: cli tests missing"
fi

echo "== without libmicrohttpd: no io tests, unit tests stay"
if build no-mhd -DCMAKE_DISABLE_FIND_PACKAGE_MHD=ON; then
    said no-mhd "libmicrohttpd not found (Debian: libmicrohttpd-dev, Spack: libmicrohttpd): io tests left out"
    t=$(tests_of no-mhd)
    grep -q '^io\.' <<<"$t" && bad "no-mhd: io tests registered" || ok
    grep -q '^unit\.' <<<"$t" && ok || bad "no-mhd: unit tests missing"
fi

echo "== BUILD_TESTING=OFF with no test library, json-c outside the system directories"
# json-c copied to a prefix of its own; the loader searches RUNPATH before its cache and default
# directories, so ldd showing the copy proves the run path carries it (without it: /usr/lib)
J=$W/opt/jsonc
mkdir -p "$J/lib/pkgconfig" "$J/include"
real=$(readlink -f "$(pkg-config --variable=libdir json-c)/libjson-c.so")
cp "$real" "$J/lib/"
ln -sf "$(basename "$real")" "$J/lib/libjson-c.so.5"
ln -sf "$(basename "$real")" "$J/lib/libjson-c.so"
cp -r "$(pkg-config --variable=includedir json-c)/json-c" "$J/include/"
sed -e "s|^prefix=.*|prefix=$J|" -e "s|^libdir=.*|libdir=$J/lib|" -e "s|^includedir=.*|includedir=$J/include|" \
    "$(pkg-config --variable=pcfiledir json-c)/json-c.pc" >"$J/lib/pkgconfig/json-c.pc"
if PKG_CONFIG_PATH=$J/lib/pkgconfig build outside -DBUILD_TESTING=OFF -DCMAKE_DISABLE_FIND_PACKAGE_CMocka=ON \
        -DCMAKE_DISABLE_FIND_PACKAGE_MHD=ON -DCMAKE_INSTALL_RPATH=/opt/site/lib; then
    [ ! -e "$W/outside/tests" ] && ok || bad "outside: BUILD_TESTING=OFF still configured tests/"
    rp=$(readelf -d "$W/outside/parkit" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
    [ "$rp" = "/opt/site/lib:$J/lib" ] && ok || bad "outside: RUNPATH \"$rp\", want the user's /opt/site/lib, then $J/lib"
    lib=$(env -u LD_LIBRARY_PATH ldd "$W/outside/parkit" | awk '/libjson-c/ { print $3 }')
    [ "$lib" = "$J/lib/libjson-c.so.5" ] && ok || bad "outside: json-c loaded from \"$lib\", not $J/lib"
    env -u LD_LIBRARY_PATH "$W/outside/parkit" primes 1e6 --format csv | grep -q ',true,' && ok || bad "outside: does not run"
    # and nothing in the run path is empty (an empty entry searches the current directory)
    [[ ":$rp:" != *::* ]] && ok || bad "outside: empty RUNPATH entry in \"$rp\""
fi

echo "ci-builds: $pass passed, $fail failed"
[ "$fail" = 0 ]
