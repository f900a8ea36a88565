#!/usr/bin/env bash
# libFuzzer over the number and option parsers (tests/unit/fuzz_parse.c) for FUZZ_SECONDS
# (default 20), seeded from tests/unit/fuzz/corpus.  Built with clang in a temp dir.
# Usage: tests/unit/fuzz_parse.sh [SOURCE_DIR]
set -euo pipefail
SRC=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
T=$(mktemp -d /tmp/pk-fuzz-parse-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/corpus" "$T/artifacts"
echo "== parsers: libFuzzer for ${FUZZ_SECONDS}s"
if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 \
        -I "$SRC/drivers" -I "$SRC/drivers/exec" -I "$SRC/kernels" -I "$SRC/include" "$SRC/tests/unit/fuzz_parse.c" "$SRC/drivers/parse.c" \
        "$SRC/drivers/messages.c" "$SRC/drivers/exec/mpi_env.c" -o "$T/fuzz_parse" &&
    "$T/fuzz_parse" -max_total_time="$FUZZ_SECONDS" -max_len=256 -timeout=10 \
        -artifact_prefix="$T/artifacts/" -print_final_stats=1 \
        "$T/corpus" "$SRC/tests/unit/fuzz/corpus" >"$T/fuzz.log" 2>&1; then
    grep -E "^Done|stat::number_of_executed_units" "$T/fuzz.log" || true
    echo "fuzz-parse: 1 passed, 0 failed"
else
    tail -30 "$T/fuzz.log" || true
    for a in "$T"/artifacts/*; do [ -e "$a" ] && { echo "failing input $a:"; od -c "$a" | head -10; }; done
    echo "fuzz-parse: 0 passed, 1 failed"
    exit 1
fi
