#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# The hostile-test report's `sum` items, through the real binary:
#   f64   sum --dtype f64 --file gives the correctly rounded exact sum (checked against Python's
#         math.fsum, an independent correctly rounded sum), the same for any threads / mode /
#         --chunks split, infinities and NaNs with a note, and verification that is exact;
#   files a file whose size is unknown or 0 (procfs, an empty file), not a regular file (pipe,
#         device) or not a multiple of 8 bytes is refused in one line; a file that holds less
#         than its size says (sysfs) is a short read naming the offset, exit 1.
#         A file that shrinks in the middle of the read (a test-only LD_PRELOAD library truncates
#         it at the first pread) is a short read too.
# usage: sum_hostile.sh PARKIT GROUP [SHRINK_PRELOAD]   (GROUP: f64 | files)
set -uo pipefail
PARKIT=${1:?usage: sum_hostile.sh PARKIT GROUP [SHRINK_PRELOAD]}
GROUP=${2:?group}
SHRINK=${3:-}
export OMP_NUM_THREADS=2
unset OMP_PROC_BIND OMP_PLACES
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# f64file NAME PYTHON-LIST-EXPRESSION: a raw little-endian file of those doubles
f64file() {
    python3 -c "import struct, sys; v = $2; sys.stdout.buffer.write(struct.pack('<%dd' % len(v), *v))" >"$TMP/$1"
}

# expect_f64 WANT NOTE-PATTERN FILE [args...]: result text, PASSED, exit 0, and a note (or none)
expect_f64() {
    local want=$1 note=$2 file=$3; shift 3
    run "$PARKIT" sum --dtype f64 --file "$TMP/$file" "$@"
    local got n; got=$(field Result); n=$(field nonfinite)
    if [ "$RC" = 0 ] && [ "$got" = "$want" ] && [ "$(field Verification)" = PASSED ] &&
       { [ -z "$note" ] && [ -z "$n" ] || [ -n "$note" ] && grep -qE -- "$note" <<<"$n"; }; then ok
    else bad "sum --dtype f64 --file $file $* -> rc=$RC result '$got' (want '$want') note '$n' (want /$note/) $(field Verification) $ERR"; fi
}

group_f64() {
    # the report's cases
    f64file cancel '[2.0**1000, 2.0**946, 2.0**600, -2.0**946, -2.0**1000]'
    f64file inf '[1.0, float("inf"), 2.0]'
    f64file nooverflow '[1e308, 1e308, -1e308, -1e308, 1.0]'
    f64file nan '[1.0, float("nan"), 2.0]'
    f64file infinf '[float("inf"), float("-inf")]'
    f64file tie '[1.0, 2.0**-53]'
    f64file totie '[1.7976931348623157e308, 2.0**970]'
    for mode in "--mode serial" "--threads 1" "--threads 3" "--chunks 3"; do
        # shellcheck disable=SC2086
        {
            expect_f64 4.149515568880993e+180 "" cancel $mode
            expect_f64 inf '^\+inf: the input holds 1 \+inf term$' inf $mode
            expect_f64 1 "" nooverflow $mode
            expect_f64 nan '^NaN: the input holds 1 NaN term' nan $mode
            expect_f64 nan 'NaN: .*both \+inf \(1\) and -inf \(1\)' infinf $mode
            expect_f64 1 "" tie $mode
            expect_f64 inf "" totie $mode
        }
    done
    # the check that ran is an exact one
    run "$PARKIT" sum --dtype f64 --file "$TMP/cancel" --format json
    jq -e '.details.check == "bit-equal to the reference" and .details.error_vs_reference == "0" and .verified' \
        <<<"$OUT" >/dev/null && ok || bad "json check fields: $OUT"

    # adversarial files against Python's math.fsum (correctly rounded, Shewchuk's algorithm)
    for seed in 1 2 3 4 5 6; do
        python3 - "$TMP/adv$seed" "$seed" <<'EOF'
import math, random, struct, sys
path, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
n = rnd.choice([7, 16384, 65537, 200003])
kind = seed % 3
v = []
for i in range(n):
    if kind == 0:     # the report's shape: huge and middling terms that cancel, small survivors
        hi = rnd.uniform(1, 2) * 2.0 ** rnd.randint(800, 1000) * rnd.choice([-1, 1])
        mid = rnd.uniform(1, 2) * 2.0 ** rnd.randint(300, 700) * rnd.choice([-1, 1])
        lo = rnd.uniform(1, 2) * 2.0 ** rnd.randint(-1070, 200)
        v += [hi, mid, lo, -mid, -hi] if i % 2 else [lo]
    elif kind == 1:   # ordinary values with rare outliers far above and below
        r = rnd.random()
        v.append(rnd.uniform(-1e3, 1e3) if r > 0.002 else rnd.uniform(-1, 1) * 2.0 ** rnd.choice([-900, 700]))
    else:             # subnormals and tiny normals
        v.append(rnd.uniform(-1, 1) * 2.0 ** rnd.randint(-1074, -1000))
rnd.shuffle(v)
want = math.fsum(v)
open(path, "wb").write(struct.pack("<%dd" % len(v), *v))
print("%.17g" % want)
EOF
    done >"$TMP/wants"
    seed=0
    while read -r want; do
        seed=$((seed + 1))
        for t in 1 2 5; do expect_f64 "$want" "" "adv$seed" --threads "$t"; done
    done <"$TMP/wants"
    [ "$seed" = 6 ] && ok || bad "adversarial files: $seed generated"
}

expect_refused() {   # expect_refused CODE PATTERN parkit-args...
    local code=$1 pat=$2; shift 2
    expect_refused_cmd "$code" "$pat" "$PARKIT" "$@"
}

expect_refused_cmd() {   # expect_refused_cmd CODE PATTERN command...
    local code=$1 pat=$2; shift 2
    run timeout 20 "$@"
    local lines; lines=$(printf '%s\n' "$ERR" | grep -c .)
    if [ "$RC" = "$code" ] && [ -z "$OUT" ] && [ "$lines" = 1 ] && [[ "$ERR" == parkit:* ]] && grep -qE -- "$pat" <<<"$ERR"; then ok
    else bad "parkit $* -> rc=$RC stdout='${OUT:0:80}' stderr='$ERR' (want exit $code, one line matching /$pat/)"; fi
}

group_files() {
    for dt in i64 f64; do
        # procfs: 0 bytes reported, content on reading
        expect_refused 2 "/proc/self/status: the file reports 0 bytes" sum --dtype "$dt" --file /proc/self/status
        : >"$TMP/empty"
        expect_refused 2 "empty: the file reports 0 bytes .*expected at least one 8-byte element" sum --dtype "$dt" --file "$TMP/empty"
        printf 'abcdefghij' >"$TMP/ten"
        expect_refused 2 "size 10 bytes is not a multiple of 8" sum --dtype "$dt" --file "$TMP/ten"
        expect_refused 2 "not a regular file \(a device" sum --dtype "$dt" --file /dev/zero
        mkfifo "$TMP/fifo.$dt"
        expect_refused 2 "not a regular file \(a pipe" sum --dtype "$dt" --file "$TMP/fifo.$dt"
        # sysfs: 4096 bytes reported, fewer held -- a short read, named with its offset
        local sys=/sys/kernel/mm/transparent_hugepage/enabled
        if [ -r "$sys" ] && [ "$(stat -c %s "$sys")" = 4096 ] && [ "$(wc -c <"$sys")" -lt 4096 ]; then
            expect_refused 1 "$sys: short read: data ends at byte offset $(wc -c <"$sys"), expected bytes up to 4096" \
                sum --dtype "$dt" --file "$sys" --mode serial
        else
            echo "note: $sys not as expected here; short-read case not run"
        fi
        # a file that shrinks from 800000 to 400000 bytes once the read has begun
        if [ -n "$SHRINK" ]; then
            perl -e 'print pack("q<*", 1..100000)' >"$TMP/shrinks"
            expect_refused_cmd 1 "shrinks: short read: data ends at byte offset 400000, expected bytes up to 800000" \
                env LD_PRELOAD="$SHRINK" PK_TEST_SHRINK_PATH="$TMP/shrinks" PK_TEST_SHRINK_TO=400000 \
                "$PARKIT" sum --dtype "$dt" --file "$TMP/shrinks"
        else
            echo "note: no shrink preload library (sanitizer build); shrinking-file case not run"
        fi
    done
}

"group_$GROUP"
echo "sum_hostile.sh $GROUP: $pass passed, $fail failed"
[ "$fail" = 0 ]
