#!/usr/bin/env bash
# Extra checks of the download module that need builds of their own (each in a temp dir):
#   1. ThreadSanitizer: the engines test (seq, pool, multi against pk_testserver) built with
#      -DPK_SANITIZE=thread.
#   2. libFuzzer: the URL-list parser and the name sanitiser (clang -fsanitize=fuzzer,address,
#      undefined), seeded from tests/io/fuzz/corpus, for FUZZ_SECONDS (default 20).
# Usage: tests/io/ci-extra.sh [SOURCE_DIR]      (CC_TSAN=clang to use clang for TSan)
set -euo pipefail
SRC=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
T=$(mktemp -d /tmp/pk-io-extra-XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

echo "== io: ThreadSanitizer (pool, multi, seq engines)"
if cmake -S "$SRC" -B "$T/tsan" -DPK_SANITIZE=thread -DPK_WITH_MPI=OFF -DPK_WERROR=ON \
        -DCMAKE_C_COMPILER="${CC_TSAN:-gcc}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$T/tsan.log" 2>&1 &&
    cmake --build "$T/tsan" -j2 --target test_engines pk_testserver >>"$T/tsan.log" 2>&1 &&
    TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
        "$T/tsan/tests/io/test_engines" "$T/tsan/tests/io/pk_testserver"; then
    pass=$((pass + 1))
else
    tail -40 "$T/tsan.log" || true
    echo "FAIL: io ThreadSanitizer run"
    fail=$((fail + 1))
fi

echo "== io: libFuzzer (URL lists, names) for ${FUZZ_SECONDS}s"
mkdir -p "$T/corpus" "$T/artifacts"
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    echo "note: libFuzzer's runtime is missing (Debian: apt-get install libclang-rt-14-dev)"
fi
if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -I "$SRC/io" "$SRC/tests/io/fuzz_urllist.c" "$SRC/io/urllist.c" -lcurl \
        -o "$T/fuzz_urllist" &&
    "$T/fuzz_urllist" -max_total_time="$FUZZ_SECONDS" -max_len=4096 -timeout=10 \
        -artifact_prefix="$T/artifacts/" -print_final_stats=1 \
        "$T/corpus" "$SRC/tests/io/fuzz/corpus" >"$T/fuzz.log" 2>&1; then
    grep -E "^Done|stat::number_of_executed_units" "$T/fuzz.log" || true
    pass=$((pass + 1))
else
    tail -40 "$T/fuzz.log" || true
    for a in "$T"/artifacts/*; do [ -e "$a" ] && { echo "crashing input $a:"; od -c "$a" | head -20; }; done
    echo "FAIL: io fuzzing"
    fail=$((fail + 1))
fi

echo "io-extra: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
