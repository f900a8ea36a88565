#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# The README's main job, `jobs/demo.sh --quick`, on this build (ctest: demo.quick): its three
# tables, the sentence, and its exit status -- 0 when everything verified and downloaded, 1
# naming the failure when a download fails, and the CPU part alone (one line saying why) when
# the local server is missing.  Speed is not asserted here (results/ and the README quote it).
# usage: demo_test.sh PARKIT SOURCE_DIR
set -uo pipefail
PARKIT=${1:?usage: demo_test.sh PARKIT SOURCE_DIR}
SRC=${2:?source dir}
# shellcheck source=tests/lib.sh
. "$SRC/tests/lib.sh"
demo() { PARKIT=$PARKIT RESULTS=$TMP/demo.csv run bash "$SRC/jobs/demo.sh" --quick; }
mpi=0
"$PARKIT" --version | grep -q '^  MPI  *not built' || mpi=1

demo
[ "$RC" = 0 ] && ok || bad "demo --quick: rc=$RC: $(tail -5 <<<"$ERR")"
rows=$(grep -cE '^(count|sum|sum f64|primes|primes naive|isprime|primorial) +[0-9]+ +(serial|omp|mpi) .* PASSED ' <<<"$OUT")
[ "$rows" = $((14 + 7 * mpi)) ] && ok || bad "kernel table: $rows verified rows, want $((14 + 7 * mpi))"
for way in "sequential" "thread pool" "event loop (curl multi)" "event loop, pinned to 1 CPU" "4 processes (sequential)"; do
    re=${way//(/\\(}; re=${re//)/\\)}
    grep -qE "^$re +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +0$" <<<"$OUT" && ok || bad "downloads table: no row \"$way\" without failures"
done
grep -q '^downloads on .*: 40 files of 1 KiB with 50-100 ms latency' <<<"$OUT" && ok || bad "downloads table heading"
grep -qE '^CPU-bound \(primes\) +1\.00 +[0-9.]+ \(2 threads\)|^CPU-bound \(primes\) +1\.00 +[0-9.]+ \([0-9]+ threads\)' <<<"$OUT" && ok || bad "matrix: CPU row"
grep -qE '^IO-bound \(downloads\) +1\.00 +[0-9.]+ \(event loop\) +[0-9.]+ \(64\) +[0-9.]+ \(4\)' <<<"$OUT" && ok || bad "matrix: IO row"
# the sentence quotes the matrix's own numbers
ic=$(awk '/^IO-bound/ { print $4 }' <<<"$OUT")
grep -q "^Here, CPU-bound work" <<<"$OUT" && tr '\n' ' ' <<<"$OUT" | grep -q "IO-bound work gains.* ${ic}x" && ok || bad "the sentence does not come from the matrix ($ic): $(grep -A3 '^Here' <<<"$OUT")"
[ "$(wc -l <"$TMP/demo.csv")" -gt 14 ] && ok || bad "rows not appended to RESULTS"

# a download that fails: exit 1, named
PK_DEMO_EXTRA_URL=http://127.0.0.1:9/unreachable demo
[ "$RC" = 1 ] && grep -q '^demo: FAILED: downloads: 1 failed (seq);' <<<"$ERR" && ok ||
    bad "an unreachable URL: rc=$RC, $(grep FAILED <<<"$ERR")"

# no local server: one line, and the CPU part still runs and passes
PK_TESTSERVER=$TMP/none demo
[ "$RC" = 0 ] && grep -q '^downloads: skipped: the local test server was not built' <<<"$OUT" &&
    grep -q '^CPU-bound (primes)' <<<"$OUT" && ! grep -q '^IO-bound' <<<"$OUT" && ok ||
    bad "without the server: rc=$RC $(grep -E 'downloads|IO-bound' <<<"$OUT")"
summary
