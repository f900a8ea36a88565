#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# libparkit as its users meet it (ctest: lib.examples):
#   - cmake --install of this build; the four examples under share/parkit/examples built out of
#     tree with find_package(parkit) and with pkg-config;
#   - their answers under mpirun -np 1..4 x --threads 1..2 equal the serial answer (the f64
#     integral bit for bit), as programs and through `parkit run LIB.so`;
#   - parkit run's rows have the built-in kernels' CSV columns and JSON fields;
#   - shared objects that break the contract: one line, exit 2 or 1, no hang under MPI;
#   - a program that calls MPI_Init itself and runs parkit_run in hybrid mode.
# usage: libparkit.sh PARKIT SOURCE_DIR BUILD_DIR [MPIEXEC [MPICC]]
set -uo pipefail
PARKIT=${1:?usage: libparkit.sh PARKIT SOURCE_DIR BUILD_DIR [MPIEXEC]}
SRC=${2:?source dir}
BUILD=${3:?build dir}
MPIRUN=${4:-mpirun}
MPICC=${5:-mpicc}
# shellcheck source=tests/lib.sh
. "$SRC/tests/lib.sh"
# the launcher and its flavour's flags (tests/lib.sh, jobs/lib-mpi.sh): "${MPI[@]}" "$NP" 3 prog
have_mpi=0
if ! "$PARKIT" --version | grep -q '^  MPI  *not built' && command -v "$MPIRUN" >/dev/null; then
    mpi_test_env "$MPIRUN"
    have_mpi=1
fi

P=$TMP/prefix
cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; bad "cmake --install failed"; summary; exit; }
for f in include/parkit.h lib/pkgconfig/parkit.pc lib/cmake/parkit/parkitConfig.cmake lib/libparkit.a; do
    [ -f "$P/$f" ] && ok || bad "not installed: $f"
done
ls "$P"/lib/libparkit.so.* >/dev/null 2>&1 && ok || bad "libparkit.so not installed"
# the shared library exports the public names only
others=$(nm -D --defined-only "$P"/lib/libparkit.so.0 | awk '$2 ~ /^[TDBR]$/ && $3 !~ /^parkit_/ { print $3 }')
[ -z "$others" ] && ok || bad "libparkit.so exports non-public names: $(head -c 300 <<<"$others")"

# ---- the examples, built against the install both ways ----
examples=(pi_monte_carlo:pi_mc:1000003 integral:integral:1000003 omega_histogram:omega:200003 harmonic:harmonic:3000017)
for e in "${examples[@]}"; do
    IFS=: read -r dir name _ <<<"$e"
    cp -r "$P/share/parkit/examples/$dir" "$TMP/mk-$dir"
    if cmake -S "$P/share/parkit/examples/$dir" -B "$TMP/cm-$dir" -DCMAKE_PREFIX_PATH="$P" \
            -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$TMP/cm.log" 2>&1 &&
       cmake --build "$TMP/cm-$dir" >>"$TMP/cm.log" 2>&1; then ok
    else bad "$dir: cmake build against the install failed: $(tail -5 "$TMP/cm.log")"; fi
    if PKG_CONFIG_PATH=$P/lib/pkgconfig make -C "$TMP/mk-$dir" CFLAGS="-O2 -Wall -Wextra -Werror" >"$TMP/mk.log" 2>&1; then ok
    else bad "$dir: pkg-config build failed: $(tail -5 "$TMP/mk.log")"; fi
done

# the answer (result column) and whether it was verified, from a CSV row
answer() { local out; out=$("$@" --format csv 2>"$TMP/err"); printf '%s|%s|%s' "$(col "$out" result)" "$(col "$out" verified)" "$(col "$out" mode)"; }

for e in "${examples[@]}"; do
    IFS=: read -r dir name n <<<"$e"
    want=$(answer "$TMP/cm-$dir/$name" "$n" --mode serial)
    [[ "$want" == *"|true|serial" ]] && ok || bad "$name serial: $want $(cat "$TMP/err")"
    want=${want%|*}
    got=$(answer "$TMP/mk-$dir/$name" "$n" --mode serial)
    [ "${got%|*}" = "$want" ] && ok || bad "$name (pkg-config build): $got, want $want"
    got=$(answer "$PARKIT" run "$TMP/cm-$dir/lib$name.so" "$n" --threads 2)
    [ "${got%|*}" = "$want" ] && ok || bad "parkit run lib$name.so: $got, want $want $(cat "$TMP/err")"
    if [ "$have_mpi" = 1 ]; then
        for np in 1 2 3 4; do
            for t in 1 2; do
                got=$(answer "${MPI[@]}" "$NP" "$np" "$TMP/cm-$dir/$name" "$n" --threads "$t")
                [ "$got" = "$want|hybrid" ] && ok || bad "$name -np $np --threads $t: $got, want $want $(head -c 300 "$TMP/err")"
            done
        done
        got=$(answer "${MPI[@]}" "$NP" 3 "$PARKIT" run "$TMP/cm-$dir/lib$name.so" "$n" --threads 2)
        [ "$got" = "$want|hybrid" ] && ok || bad "mpirun -np 3 parkit run lib$name.so: $got $(head -c 300 "$TMP/err")"
    fi
done
[ "$have_mpi" = 1 ] || skip "no MPI in this build or no $MPIRUN: the ranks x threads matrix did not run"

# ---- parkit run's rows are the built-in kernels' rows ----
lib=$TMP/cm-integral/libintegral.so
[ "$("$PARKIT" run "$lib" 1000 --format csv | head -1)" = "$("$PARKIT" count 10 --format csv | head -1)" ] && ok ||
    bad "parkit run's CSV header differs from the built-in kernels'"
keys() { "$@" --format json | jq -c 'keys'; }
[ "$(keys "$PARKIT" run "$lib" 1000)" = "$(keys "$PARKIT" count 10)" ] && ok || bad "parkit run's JSON fields differ"
"$PARKIT" run "$lib" 1000 --repeat 3 --warmup 1 --format json | jq -e '.kernel == "integral" and .verified and .details.reference != null' >/dev/null &&
    ok || bad "parkit run json: $("$PARKIT" run "$lib" 1000 --format json)"

# ---- the examples' checks fail on wrong answers ----
# tests/lib/wrong_answers.c includes each example, runs it serially, and hands its verify the
# right answer (must pass) and a wrong one just outside the method's tolerance (must fail)
for e in "${examples[@]}"; do
    IFS=: read -r dir name n <<<"$e"
    src=$(ls "$P/share/parkit/examples/$dir/"*.c)
    if cc -O1 -I "$P/include" -DEXAMPLE="\"$src\"" "-DEXAMPLE_${name^^}" -o "$TMP/wrong-$name" \
            "$SRC/tests/lib/wrong_answers.c" -L "$P/lib" -Wl,-rpath,"$P/lib" -lparkit -lm 2>"$TMP/cc.log"; then
        run "$TMP/wrong-$name" "$n"
        [ "$RC" = 0 ] && grep -q '^right: verified; wrong: refused$' <<<"$OUT" && ok || bad "$name's check: $OUT $ERR"
    else bad "cannot build wrong_answers.c for $name: $(head -c 300 "$TMP/cc.log")"; fi
done
run "$PARKIT" run "$TMP/cm-integral/libintegral.so" 1000 --format csv   # (the same path, right answer)
[ "$RC" = 0 ] && ok || bad "integral 1000: $OUT"

# ---- shared objects that break the contract ----
cc_bad() { cc -O1 -fPIC -shared -I "$SRC/include" -D"$1" -o "$TMP/$1.so" "$SRC/tests/lib/bad_kernels.c"; }
expect() {   # expect CODE PATTERN CMD...: exit CODE, exactly one parkit line on stderr, matching PATTERN
    local code=$1 pat=$2; shift 2
    run timeout 60 "$@"
    if [ "$RC" = "$code" ] && [ "$(grep -c '^parkit' <<<"$ERR")" = 1 ] && grep -qE "$pat" <<<"$ERR"; then ok
    else bad "$*: rc=$RC (want $code), stderr: $(head -c 400 <<<"$ERR")"; fi
}
for v in BAD_NO_ENTRY BAD_ABI BAD_STATUS BAD_OVERRUN BAD_CRASH BAD_GRAIN BAD_WRONG BAD_MERGE BAD_ORDERED_PACK; do cc_bad "$v" || bad "cannot build $v"; done
cc -O1 -fPIC -shared -I "$SRC/include" -o "$TMP/good.so" "$SRC/tests/lib/bad_kernels.c"
expect 2 '^parkit: run: .*nothere.so: cannot read it' "$PARKIT" run "$TMP/nothere.so"
printf 'not an ELF file\n' >"$TMP/text.so"
expect 2 '^parkit: run: .*text.so: cannot load it' "$PARKIT" run "$TMP/text.so"
expect 2 '^parkit: run: .*BAD_NO_ENTRY.so: it exports no parkit_problem_v1' "$PARKIT" run "$TMP/BAD_NO_ENTRY.so"
expect 2 '^parkit: run: .*BAD_ABI.so: it was built for a newer parkit' "$PARKIT" run "$TMP/BAD_ABI.so"
expect 1 '^parkit: sumi: result out of range$' "$PARKIT" run "$TMP/BAD_STATUS.so" --threads 2
expect 1 '^parkit: sumi: the kernel broke its contract: a partial was written past its partial_size' \
    "$PARKIT" run "$TMP/BAD_OVERRUN.so"
expect 1 '^parkit: sumi: the kernel broke its contract: grain\(\) returned 0' "$PARKIT" run "$TMP/BAD_GRAIN.so"
expect 1 '^parkit: sumi: result out of range$' "$PARKIT" run "$TMP/BAD_MERGE.so" --threads 2
expect 2 '^parkit: run: .*BAD_ORDERED_PACK.so: its kernel is ORDERED and has pack/unpack' "$PARKIT" run "$TMP/BAD_ORDERED_PACK.so"
mkfifo "$TMP/fifo.so"
expect 2 '^parkit: run: .*fifo.so: not a regular file' "$PARKIT" run "$TMP/fifo.so"
run "$PARKIT" run "$TMP/BAD_CRASH.so"
[ "$RC" -gt 128 ] && grep -q '^parkit: run: the loaded kernel sumi crashed: SIGSEGV$' <<<"$ERR" && ok ||
    bad "a crashing kernel: rc=$RC, $ERR"
run "$PARKIT" run "$TMP/BAD_WRONG.so" 12345 --format csv
[ "$RC" = 1 ] && [ "$(col "$OUT" verified)" = false ] && ok || bad "a wrong answer from a loaded kernel: rc=$RC $OUT"
run "$PARKIT" run "$TMP/good.so" 12345 --format csv
[ "$RC" = 0 ] && [ "$(col "$OUT" result)" = 76193340 ] && ok || bad "the correct fixture: $OUT $ERR"
if [ "$have_mpi" = 1 ]; then
    # under MPI: one message, every rank exits, never a hang (timeout 60 s)
    expect 2 '^parkit: run: .*BAD_ABI.so: it was built for a newer parkit' "${MPI[@]}" "$NP" 3 "$PARKIT" run "$TMP/BAD_ABI.so"
    expect 1 '^parkit: sumi: result out of range$' "${MPI[@]}" "$NP" 3 "$PARKIT" run "$TMP/BAD_STATUS.so"
    # a merge that fails between ranks (MPI_Reduce's operation) fails the run: never verified
    expect 1 '^parkit: sumi: result out of range$' "${MPI[@]}" "$NP" 2 "$PARKIT" run "$TMP/BAD_MERGE.so" --threads 1
    # the same with a cost model: the ranks get chunks (half in turn, half on demand), merged
    # in order at rank 0
    for v in BAD_STATUS BAD_MERGE BAD_CRASH; do
        cc -O1 -fPIC -shared -I "$SRC/include" -D"$v" -DWITH_COST -o "$TMP/$v-cost.so" "$SRC/tests/lib/bad_kernels.c" ||
            bad "cannot build $v with a cost"
    done
    cc -O1 -fPIC -shared -I "$SRC/include" -DWITH_COST -o "$TMP/good-cost.so" "$SRC/tests/lib/bad_kernels.c" ||
        bad "cannot build the fixture with a cost"
    for np in 2 3 4; do
        run timeout 60 "${MPI[@]}" "$NP" "$np" "$PARKIT" run "$TMP/good-cost.so" 12345 --threads 2 --format csv
        [ "$RC" = 0 ] && [ "$(col "$OUT" result)" = 76193340 ] && [ "$(col "$OUT" verified)" = true ] && ok ||
            bad "chunks under mpirun -np $np: rc=$RC $OUT $(head -c 300 <<<"$ERR")"
    done
    run timeout 60 "${MPI[@]}" "$NP" 3 "$PARKIT" run "$TMP/good-cost.so" 2 --format csv   # fewer indices than ranks
    [ "$RC" = 0 ] && [ "$(col "$OUT" result)" = 1 ] && ok || bad "chunks, N=2 on 3 ranks: rc=$RC $OUT $ERR"
    # the second half of the chunks goes on demand: a rank that naps 2 ms per piece takes
    # fewer of them (dealt in turn alone, both ranks take 64 of the 128 chunks); the answer
    # stays verified
    if cc -O1 -fPIC -shared -I "$SRC/include" -DSLOW_RANK -DWITH_COST -o "$TMP/slow-cost.so" \
            "$SRC/tests/lib/bad_kernels.c"; then
        run timeout 60 env PARKIT_SLOW_RANK=1 "${MPI[@]}" "$NP" 2 "$PARKIT" run "$TMP/slow-cost.so" 128000 \
            --threads 1 --repeat 1 --warmup 0 --format json
        read -r c0 c1 <<<"$(jq -r '.details.rank_chunks // [] | map(tostring) | join(" ")' <<<"$OUT" 2>/dev/null)"
        [ "$RC" = 0 ] && [ "$(jq -r .verified <<<"$OUT")" = true ] && [ "$((c0 + c1))" = 128 ] &&
            [ "$c1" -lt 64 ] && [ "$c0" -gt 64 ] && ok ||
            bad "chunks on demand, rank 1 slow: rc=$RC chunks '$c0' '$c1' $(head -c 300 <<<"$OUT$ERR")"
    else
        bad "cannot build the slow-rank fixture"
    fi
    expect 1 '^parkit: sumi: result out of range$' "${MPI[@]}" "$NP" 3 "$PARKIT" run "$TMP/BAD_STATUS-cost.so"
    expect 1 '^parkit: sumi: result out of range$' "${MPI[@]}" "$NP" 2 "$PARKIT" run "$TMP/BAD_MERGE-cost.so" --threads 1
    run timeout 60 env PARKIT_CRASH_RANK=1 "${MPI[@]}" "$NP" 3 "$PARKIT" run "$TMP/BAD_CRASH-cost.so"
    [ "$RC" != 0 ] && [ "$RC" != 124 ] && grep -q 'parkit: run: the loaded kernel sumi crashed on rank 1: SIGSEGV' <<<"$ERR" &&
        ok || bad "chunks, a kernel crashing on rank 1 of 3: rc=$RC (124: hung), $(head -c 400 <<<"$ERR")"
    run timeout 60 env PARKIT_CRASH_RANK=1 "${MPI[@]}" "$NP" 3 "$PARKIT" run "$TMP/BAD_CRASH.so"
    [ "$RC" != 0 ] && [ "$RC" != 124 ] && grep -q 'parkit: run: the loaded kernel sumi crashed on rank 1: SIGSEGV' <<<"$ERR" &&
        ok || bad "a kernel crashing on rank 1 of 3: rc=$RC (124: hung), $(head -c 400 <<<"$ERR")"
    # a program that initialised MPI itself
    if command -v "$MPICC" >/dev/null && "$MPICC" -O1 -I "$P/include" -o "$TMP/own_mpi" "$SRC/tests/lib/own_mpi.c" \
            -L "$P/lib" -Wl,-rpath,"$P/lib" -lparkit 2>"$TMP/cc.log"; then
        run timeout 60 "${MPI[@]}" "$NP" 3 "$TMP/own_mpi"
        [ "$RC" = 0 ] && grep -q '^ok ranks=3/3 sum=49999995000000 ok$' <<<"$OUT" && ok || bad "own MPI_Init: rc=$RC $OUT $ERR"
    else
        bad "cannot build tests/lib/own_mpi.c with $MPICC: $(head -c 300 "$TMP/cc.log")"
    fi
fi
summary
