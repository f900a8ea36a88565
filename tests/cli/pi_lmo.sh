#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# parkit primes N by LMO (--algo lmo | auto): answers against known values, which algorithm
# auto picks, the verification (which reference ran; a wrong answer fed to it fails), bad
# input, and the same answer for threads 1-4 and 1-4 MPI ranks.
# usage: pi_lmo.sh PARKIT GROUP [MPIEXEC]     GROUP: results | verify | errors | mpi
set -uo pipefail
PARKIT=${1:?usage: pi_lmo.sh PARKIT GROUP [MPIEXEC]}
GROUP=${2:?group}
export OMP_NUM_THREADS=2
unset OMP_PROC_BIND OMP_PLACES
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$OUT" | head -1; }

expect_pi() {   # expect_pi WANT ALGO REFERENCE-PATTERN parkit-args...
    local want=$1 algo=$2 ref=$3; shift 3
    run "$PARKIT" primes "$@" --format json
    local got v a r
    got=$(json_field result) v=$(json_field verified) a=$(json_field algo) r=$(json_field reference)
    if [ "$RC" = 0 ] && [ "$got" = "$want" ] && [ "$v" = true ] && [ "$a" = "$algo" ] && grep -qE -- "$ref" <<<"$r"; then ok
    else bad "primes $* -> rc=$RC result='$got' (want $want) verified=$v algo=$a reference='$r' $ERR"; fi
}

group_results() {
    # values from primecount 7.6 (an independent program), kept here: no test needs it installed
    expect_pi 0 lmo table 1 --algo lmo
    expect_pi 0 lmo . 0 --algo lmo
    expect_pi 1 lmo . 2 --algo lmo
    expect_pi 2 lmo . 3 --algo lmo
    expect_pi 25 lmo table 100 --algo lmo
    expect_pi 26 lmo Lucy 101 --algo lmo
    expect_pi 5761455 lmo table 1e8
    expect_pi 5761455 lmo Lucy 100000001
    expect_pi 5761455 sieve . 99999999
    expect_pi 203280221 lmo table 4294967296
    expect_pi 203280221 lmo table 4294967295
    expect_pi 203280220 lmo Lucy 4294967290
    expect_pi 203280222 lmo Lucy 4294967311
    expect_pi 37607912018 lmo table 1e12
    expect_pi 37607912018 lmo Lucy 999999999989
    expect_pi 37607912018 lmo "second LMO run" 1000000000001
    expect_pi 41203088796 lmo table 2^40 --threads 3
    expect_pi 3204941750802 lmo table 1e14 --threads 2 --schedule static
    # a cube (262^3: the cut-offs y, z move there) and 2^32 + 1
    expect_pi 1150461 lmo Lucy 17984728 --algo lmo   # 262^3 = 17984728
    expect_pi 203280221 lmo table 4294967297
    # auto keeps the sieve for ranges, sums, lists and small N
    expect_pi 21 sieve . 200 --from 100
    expect_pi 0 sieve . 1e11 --from 1e11 --algo auto
    run "$PARKIT" primes 1e9 --sum --format json
    [ "$RC" = 0 ] && [ "$(json_field algo)" = sieve ] && ok || bad "primes 1e9 --sum: algo $(json_field algo)"
    run "$PARKIT" primes 1e9 --algo sieve --format json
    [ "$RC" = 0 ] && [ "$(json_field algo)" = sieve ] && [ "$(json_field result)" = 50847534 ] && ok ||
        bad "primes 1e9 --algo sieve: $OUT"
    # the text report names the algorithm
    run "$PARKIT" primes 1e10
    [ "$RC" = 0 ] && [ "$(field algo)" = lmo ] && [ "$(field Result)" = 455052511 ] && ok || bad "primes 1e10: $OUT"
}

group_verify() {
    # each reference in turn, and each fails when the answer is off by one
    for c in "1e12:table" "999999999989:Lucy" "1000000000001:second LMO run"; do
        n=${c%%:*} ref=${c#*:}
        run env PARKIT_TEST_PI_OFFSET=1 "$PARKIT" primes "$n" --format json
        [ "$RC" = 1 ] && [ "$(json_field verified)" = false ] && grep -qE "$ref" <<<"$(json_field reference)" && ok ||
            bad "primes $n with a wrong answer ($ref): rc=$RC verified=$(json_field verified) $ERR"
        run env PARKIT_TEST_PI_OFFSET=-1 "$PARKIT" primes "$n"
        [ "$RC" = 1 ] && [ "$(field Verification)" != PASSED ] && ok || bad "primes $n, answer - 1: rc=$RC"
    done
    # the hook moves the sieve's count too, and its table check fails it
    run env PARKIT_TEST_PI_OFFSET=1 "$PARKIT" primes 1e6
    [ "$RC" = 1 ] && [ "$(field Verification)" != PASSED ] && ok || bad "primes 1e6 (sieve) off by one: rc=$RC"
    # LMO as the sieve's reference far out, where the O(x^3/4) count is too dear (N > 1e15):
    # pi(N) - pi(A-1), here with pi(1e15 - 1) known (1e15 is not prime) and with both by LMO;
    # primecount 7.6: pi(1e15 + 1e8) = 29844573316606, pi(1e15) = 29844570422669,
    # pi(1e15 + 5e7) = 29844571870531
    local lmo_ref="pi\(N\) - pi\(A-1\) by LMO"
    expect_pi 2893937 sieve "$lmo_ref" 1000000100000000 --from 1e15 --repeat 1
    expect_pi 1446075 sieve "$lmo_ref" 1000000100000000 --from 1000000050000001 --repeat 1
    run env PARKIT_TEST_PI_OFFSET=1 "$PARKIT" primes 1000000100000000 --from 1e15 --repeat 1 --format json
    [ "$RC" = 1 ] && [ "$(json_field verified)" = false ] && grep -q "by LMO" <<<"$(json_field reference)" && ok ||
        bad "a sieve range far out, off by one: rc=$RC verified=$(json_field verified) $ERR"
    # the cheapest reference: a window of one number at 1e15 or 1e14 takes Miller-Rabin (it took
    # the O(x^3/4) count twice, minutes each); a range of 1e7 at 1e13 takes LMO (a minute of the
    # O(x^3/4) count before); a small N keeps the O(x^3/4) count; each fails a wrong answer
    local mr="Miller-Rabin on every number"
    expect_pi 0 sieve "$mr" 1e15 --from 1e15 --algo sieve --repeat 1
    expect_pi 0 sieve "$mr" 1e14 --from 1e14 --algo sieve --repeat 1
    expect_pi 335 sieve "$mr" 1000000010000 --from 1e12 --sum --repeat 1
    expect_pi 334312 sieve "$lmo_ref" 10000010000000 --from 1e13 --repeat 1
    expect_pi 8363 sieve "Lucy" 100000 --from 10000 --repeat 1
    for c in "1e15|1e15|$mr" "10000010000000|1e13|$lmo_ref" "100000|10000|Lucy"; do
        IFS='|' read -r n from ref <<<"$c"
        run timeout 120 env PARKIT_TEST_PI_OFFSET=1 "$PARKIT" primes "$n" --from "$from" --algo sieve --repeat 1 --format json
        [ "$RC" = 1 ] && [ "$(json_field verified)" = false ] && grep -qE "$ref" <<<"$(json_field reference)" && ok ||
            bad "primes $n --from $from off by one ($ref): rc=$RC verified=$(json_field verified) reference=$(json_field reference)"
    done
    # a sum keeps the rule (LMO counts, it does not sum)
    run "$PARKIT" primes 1000000400000000 --from 1e15 --sum --repeat 1 --format json
    [ "$RC" = 1 ] && grep -q "none affordable" <<<"$(json_field reference)" && ok ||
        bad "a sum far out: rc=$RC reference=$(json_field reference)"
}

group_errors() {
    expect_usage() {
        local pat=$1; shift
        run "$PARKIT" "$@"
        local lines; lines=$(printf '%s\n' "$ERR" | grep -c .)
        if [ "$RC" = 2 ] && [ -z "$OUT" ] && [ "$lines" = 1 ] && grep -qE -- "$pat" <<<"$ERR"; then ok
        else bad "parkit $* -> rc=$RC stderr='$ERR' (want exit 2, one line /$pat/)"; fi
    }
    expect_usage 'algo lmo: counts pi\(N\) only' primes 1e9 --algo lmo --from 5
    expect_usage 'algo lmo: counts pi\(N\) only' primes 1e9 --algo lmo --from 0
    expect_usage 'algo lmo: counts pi\(N\) only' primes 1e9 --algo lmo --sum
    expect_usage 'algo lmo: counts pi\(N\) only' primes 100 --print --algo lmo
    expect_usage 'expected auto, lmo, sieve, trial or naive, got "LMO"' primes 1e9 --algo LMO
    expect_usage 'too large' primes 2^64 --algo lmo
    expect_usage 'non-negative' primes -5 --algo lmo
}

group_mpi() {
    mpi_test_env "${3:-}"
    # the whole rank x thread matrix, or a corner of it under the sanitizers (tests/run.sh)
    local PS="1 2 3 4" TS="1 2"
    if [ "${PK_TEST_MATRIX:-}" = sanitized ]; then PS="1 3" TS="2"; fi
    for n in 1e12 987654321987; do
        want=$(col "$("$PARKIT" primes "$n" --mode serial --format csv)" result)
        [ -n "$want" ] || { bad "serial $n: no answer"; continue; }
        for T in 1 2 3 4; do
            run "$PARKIT" primes "$n" --threads "$T" --schedule dynamic --format csv
            [ "$RC" = 0 ] && [ "$(col "$OUT" result)" = "$want" ] && [ "$(col "$OUT" verified)" = true ] && ok ||
                bad "primes $n --threads $T: $(col "$OUT" result) want $want $ERR"
        done
        for P in $PS; do
            for T in $TS; do
                out=$(mpi "$NP" "$P" "$PARKIT" primes "$n" --threads "$T" --format csv 2>"$TMP/err")
                rc=$?
                if [ "$rc" = 0 ] && [ "$(col "$out" result)" = "$want" ] && [ "$(col "$out" verified)" = true ] &&
                   [ "$(col "$out" ranks)" = "$P" ]; then ok
                else bad "mpirun -np $P primes $n --threads $T: rc=$rc '$(col "$out" result)' want $want $(head -c 300 "$TMP/err")"; fi
            done
        done
    done
    # many workers (4 ranks x 5 threads): 8 blocks each, 160 > the default 128, dealt to
    # every rank; the answer is the published one
    out=$(mpi "$NP" 4 "$PARKIT" primes 1e14 --threads 5 --repeat 1 --warmup 0 --format json 2>"$TMP/err")
    rc=$?
    [ "$rc" = 0 ] && jq -e '.result == "3204941750802" and .verified and .details.lmo_blocks == 160 and
        (.details.rank_chunks | length == 4 and min > 0 and add == 160)' <<<"$out" >/dev/null &&
        ok || bad "mpirun -np 4 primes 1e14 --threads 5: rc=$rc $(head -c 400 <<<"$out") $(head -c 300 "$TMP/err")"
    # the same array in the text report, one number per rank: "rank_chunks = 70 58"
    out=$(mpi "$NP" 2 "$PARKIT" primes 1e12 --threads 1 --repeat 1 --warmup 0 2>"$TMP/err")
    rc=$?
    [ "$rc" = 0 ] && grep -qE '^ rank_chunks +=( [1-9][0-9]*){2}$' <<<"$out" && ok ||
        bad "mpirun -np 2 primes 1e12, text: rc=$rc no line 'rank_chunks = a b' in $(grep rank_ <<<"$out" | head -c 300) $(head -c 300 "$TMP/err")"
    # on a terminal the progress line is rank 0's alone (another rank's would interleave); pi(2^54):
    # each rank's first pass takes over the 2 s after which a line shows, the answer is in the table
    if [ "$PK_MPI_FLAVOUR" = openmpi ] && command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
        script -qec "$(printf '%q ' "${MPI[@]}" --tag-output "$NP" 2 "$PARKIT" primes 2**54 --threads 1 \
            --repeat 1 --warmup 0 --progress) >/dev/null" /dev/null >"$TMP/tty" 2>&1
        # each line of progress starts with a carriage return right after its rank's tag
        from=$(grep -ao '\[[0-9]*,[0-9]*\]<stderr>:.parkit pi_lmo: ' "$TMP/tty" | sed 's/^\[[0-9]*,\([0-9]*\)\].*/\1/' | sort -u | paste -sd,)
        [ "$from" = 0 ] && ok || bad "progress under mpirun -np 2 on a terminal: from ranks '$from'"
    fi
    # a wrong answer fails under MPI too
    out=$(mpi "$NP" 2 env PARKIT_TEST_PI_OFFSET=1 "$PARKIT" primes 1e12 --format csv 2>"$TMP/err")
    rc=$?
    [ "$rc" = 1 ] && [ "$(col "$out" verified)" = false ] && ok || bad "mpirun -np 2, wrong answer: rc=$rc $out"
}

case "$GROUP" in
results) group_results ;;
verify) group_verify ;;
errors) group_errors ;;
mpi) group_mpi "$@" ;;
*) echo "unknown group $GROUP" >&2; exit 2 ;;
esac
summary
