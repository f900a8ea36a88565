#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# primorial under mpirun (issue 15): -np 1..3 x 1..2 threads give the serial report's fields
# (digits, first / last digits, mod_m61), verified; --output is written once, by rank 0, with
# mpz_get_str's bytes.
# usage: primorial_mpi.sh PARKIT REF_PRIMORIAL_STR [MPIEXEC]
set -uo pipefail
PARKIT=${1:?usage: primorial_mpi.sh PARKIT REF [MPIEXEC]}
REF=${2:?pk_ref_primorial_str}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
mpi_test_env "${3:-}"

fields='[.result, .details.digits, .details.first_digits, .details.last_digits, .details.mod_m61, .verified] | join(" ")'
want=$("$PARKIT" primorial 3000017 --mode serial --format json | jq -r "$fields")
[[ "$want" == *" true" ]] && ok || bad "serial: $want"
for P in 1 2 3; do
    for T in 1 2; do
        got=$(mpi "$NP" "$P" "$PARKIT" primorial 3000017 --threads "$T" --format json 2>"$TMP/err" | jq -r "$fields")
        [ "$got" = "$want" ] && ok || bad "P=$P T=$T: '$got' want '$want' $(head -c 300 "$TMP/err")"
    done
done
"$REF" 1000000 1 "$TMP/ref.txt" >/dev/null || bad "reference"
for P in 1 3; do
    rm -f "$TMP/out.txt"
    mpi "$NP" "$P" "$PARKIT" primorial 1e6 --threads 2 --output "$TMP/out.txt" >"$TMP/o" 2>"$TMP/err"
    rc=$?
    [ "$rc" = 0 ] && cmp -s "$TMP/ref.txt" "$TMP/out.txt" && ok || bad "P=$P --output: rc=$rc $(head -c 300 "$TMP/err")"
    # written through to a device: every rank writing would show P copies (where /dev/stdout
    # opens on a pipe: not in some chroots, whose /proc/self/fd cannot reopen a pipe)
    if [ "$(sh -c 'echo probe >/dev/stdout' 2>/dev/null)" != probe ]; then
        skip "P=$P --output /dev/stdout: /dev/stdout cannot be opened on a pipe here"
        continue
    fi
    mpi "$NP" "$P" "$PARKIT" primorial 1000 --output /dev/stdout --format csv >"$TMP/o" 2>"$TMP/err"
    [ "$(grep -c '^1959034064499908343' "$TMP/o")" = 1 ] && ok || bad "P=$P --output /dev/stdout: $(grep -c '^1959' "$TMP/o") copies $(head -c 200 "$TMP/err")"
done
summary
