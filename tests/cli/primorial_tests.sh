#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# primorial (issue 15): the description (digits, first and last digits) against the full
# decimal, --output byte for byte against GMP's mpz_get_str, the same answer at 1..4
# threads, and an enumeration that loses a prime failing the independent check.
# usage: primorial_tests.sh PARKIT GROUP REF_PRIMORIAL_STR PARKIT_FAULT
set -uo pipefail
PARKIT=${1:?usage: primorial_tests.sh PARKIT GROUP REF FAULT}
GROUP=${2:?group}
REF=${3:?pk_ref_primorial_str}
FAULT=${4:?parkit_fault_primorial}
export OMP_NUM_THREADS=2
unset OMP_PROC_BIND OMP_PLACES
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# describe N: the report's digits / first / last against the digits of --output
group_describe() {
    for n in 0 1 2 3 4 5 7 10 29 47 52 53 100 113 200 1000 4099 30030 100000 1000003; do
        run "$PARKIT" primorial "$n" --output "$TMP/p.txt"
        local d; d=$(tr -d '\n' <"$TMP/p.txt")
        local f=20; [ "${#d}" -lt 20 ] && f=${#d}
        if [ "$RC" = 0 ] && [ "$(field Verification)" = PASSED ] && [ "${#d}" = "$(field digits)" ] &&
           [ "${d:0:$f}" = "$(field first_digits)" ] && [ "${d: -$f}" = "$(field last_digits)" ]; then ok
        else bad "primorial $n: rc=$RC digits $(field digits) (want ${#d}) first $(field first_digits) last $(field last_digits)"; fi
        # the fingerprint is N# mod 2^61-1
        local m; m=$(printf '%016x' "$(echo "$d % 2305843009213693951" | BC_LINE_LENGTH=0 bc)")
        [ "$(field mod_m61)" = "$m" ] && ok || bad "primorial $n: mod_m61 $(field mod_m61), want $m"
    done
    # several N as tasks describe each alike
    run "$PARKIT" primorial 1000 100000 --format json
    [ "$RC" = 0 ] && [ "$(jq -r -s 'map(.details.digits) | join(",")' <<<"$OUT")" = "416,43293" ] && ok || bad "tasks: $OUT"
}

# --output: the bytes of mpz_get_str and a newline, at 1..4 threads
group_output() {
    for n in 1000 60000 150000 400000 1000000 3000017; do
        "$REF" "$n" 1 "$TMP/ref.txt" >/dev/null || { bad "reference $n"; continue; }
        for t in 1 2 3 4; do
            run "$PARKIT" primorial "$n" --threads "$t" --output "$TMP/out.txt"
            [ "$RC" = 0 ] && cmp -s "$TMP/ref.txt" "$TMP/out.txt" && ok || bad "primorial $n --threads $t --output: rc=$RC $(cmp "$TMP/ref.txt" "$TMP/out.txt" 2>&1)"
        done
    done
    run "$PARKIT" primorial 1e6 --output "$TMP/s.txt" --mode serial
    cmp -s "$TMP/s.txt" "$TMP/out.txt" || "$REF" 1000000 1 "$TMP/ref.txt" >/dev/null
    [ "$RC" = 0 ] && cmp -s "$TMP/s.txt" "$TMP/ref.txt" && ok || bad "--mode serial --output"
    # streamed into the temporary: a regular file that already exists is replaced whole
    "$REF" 3000017 1 "$TMP/ref.txt" >/dev/null
    head -c 5000000 /dev/zero | tr '\0' 7 >"$TMP/old.txt"
    run "$PARKIT" primorial 3000017 --threads 2 --output "$TMP/old.txt"
    [ "$RC" = 0 ] && cmp -s "$TMP/ref.txt" "$TMP/old.txt" && ok || bad "--output over a longer file: rc=$RC $(cmp "$TMP/ref.txt" "$TMP/old.txt" 2>&1)"
    # a write that cannot complete (a file-size limit; a full file system where one can be
    # mounted): exit 1, one line naming the reason, the old file untouched, no temporary left
    mkdir -p "$TMP/lim"
    echo old >"$TMP/lim/p.txt"
    run prlimit --fsize=200000 -- "$PARKIT" primorial 1e6 --threads 2 --output "$TMP/lim/p.txt"
    [ "$RC" = 1 ] && [ "$(grep -c 'cannot write: File too large' <<<"$ERR")" = 1 ] && [ "$(cat "$TMP/lim/p.txt")" = old ] &&
        [ "$(ls -A "$TMP/lim")" = p.txt ] && ok || bad "--output under a file-size limit: rc=$RC '$ERR' $(ls -A "$TMP/lim")"
    if unshare -m true 2>/dev/null; then
        mkdir -p "$TMP/mnt"
        # shellcheck disable=SC2016  # the script's $1.. are its own arguments
        run unshare -m bash -c '
            mount -t tmpfs -o size=256k none "$1" || exit 77
            echo old >"$1/p.txt"
            "$2" primorial 1e6 --threads 2 --output "$1/p.txt" >/dev/null 2>"$3/full.err"; rc=$?
            [ "$(cat "$1/p.txt")" = old ] || exit 4
            [ "$(ls -A "$1")" = p.txt ] || exit 5
            [ "$(grep -c "cannot write: No space left on device" "$3/full.err")" = 1 ] || exit 6
            exit $rc' sh "$TMP/mnt" "$PARKIT" "$TMP"
        case $RC in
            1) ok ;;
            77) skip "cannot mount a small tmpfs here: the full-disk case ran through RLIMIT_FSIZE only" ;;
            *) bad "a full tmpfs: rc=$RC (4: old file changed, 5: a temporary left, 6: message) $(cat "$TMP/full.err")" ;;
        esac
    else
        skip "cannot mount a small tmpfs here: the full-disk case ran through RLIMIT_FSIZE only"
    fi
}

# every thread count gives the same report fields
group_threads() {
    local want=""
    for t in 1 2 3 4; do
        run "$PARKIT" primorial 2e6 --threads "$t" --format json
        local got; got=$(jq -r '[.result, .details.digits, .details.first_digits, .details.last_digits, .details.mod_m61, .verified] | join(" ")' <<<"$OUT")
        [ -z "$want" ] && want=$got
        [ "$RC" = 0 ] && [ "$got" = "$want" ] && [[ "$got" == *" true" ]] && ok || bad "threads $t: '$got' want '$want'"
    done
    run "$PARKIT" primorial 2e6 --mode serial --format json
    [ "$(jq -r '[.result, .details.digits, .details.first_digits, .details.last_digits, .details.mod_m61, .verified] | join(" ")' <<<"$OUT")" = "$want" ] && ok || bad "serial: $OUT"
}

# an enumeration that loses the prime 7919: the answer is wrong and the check says so
group_fault() {
    for n in 7918 7919 100000 1000000; do
        run "$FAULT" primorial "$n" --threads 2
        if [ "$n" = 7918 ]; then   # 7919 not in range: nothing lost, verified
            [ "$RC" = 0 ] && [ "$(field Verification)" = PASSED ] && ok || bad "fault build, $n: rc=$RC $(field Verification)"
        else
            [ "$RC" = 1 ] && [ "$(field Verification)" = FAILED ] && ok || bad "fault build, $n: rc=$RC $(field Verification) (want exit 1, FAILED)"
        fi
    done
    # the same N on the real build passes: the failure is the lost prime's
    run "$PARKIT" primorial 100000 --threads 2
    [ "$RC" = 0 ] && [ "$(field Verification)" = PASSED ] && ok || bad "real build 100000: rc=$RC"
    # and the fault build's answer is N# / 7919
    run "$FAULT" primorial 10000 --output "$TMP/f.txt"
    run "$PARKIT" primorial 10000 --output "$TMP/g.txt"
    [ "$(echo "$(tr -d '\n' <"$TMP/g.txt") / 7919" | BC_LINE_LENGTH=0 bc)" = "$(tr -d '\n' <"$TMP/f.txt")" ] && ok || bad "fault build: not N#/7919"
}

"group_$GROUP"
summary
