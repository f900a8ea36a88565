#!/usr/bin/env bash
# parkit primorial against GMP (issue 15): alternating runs, medians of REPS (default 5), at 1
# and 2 threads, N = 1e7 and 1e8.
#   jobs/bench-primorial.sh [--quick]        (--quick: N = 1e7 only, 3 runs)
# Writes results/primorial/bench.csv (every run) and results/primorial/bench.md (the table).
#   kernel            parkit's timed kernel (.seconds.median)   vs mpz_primorial_ui alone
#                     targets: 1 thread <= 1.0x GMP's time; 2 threads >= 1.8x faster than GMP
#   whole process     wall time of `parkit primorial N` (setup, kernel, description,
#                     verification, exit)                        target: <= 1.05x the kernel
#   --output          wall time of `parkit primorial N --output F` vs mpz_primorial_ui + mpz_get_str
#                     (pk_ref_primorial_str); the conversion alone estimated as
#                     wall(--output) - wall(no --output), vs mpz_get_str
#                     target: >= 1.7x faster than mpz_get_str at 2 threads (N = 1e8)
# The machine must be quiet for figures worth keeping: the script records the load average.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
if [ ! -x "$BUILD/parkit" ] || [ ! -x "$BUILD/bench/pk_ref_primorial_str" ]; then
    bash "$ROOT/jobs/setup.sh" "$BUILD" >&2
fi
cmake --build "$BUILD" --target parkit pk_ref_primorial pk_ref_primorial_str >&2
P=$BUILD/parkit
REF=$BUILD/bench/pk_ref_primorial
REF_STR=$BUILD/bench/pk_ref_primorial_str
REPS=${REPS:-5}
NS="1e7 1e8"
if [ "${1:-}" = --quick ]; then
    REPS=3 NS="1e7"
fi
OUTDIR=$ROOT/results/primorial
CSV=$OUTDIR/bench.csv
MD=$OUTDIR/bench.md
mkdir -p "$OUTDIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
unset OMP_PROC_BIND OMP_PLACES
echo "n,threads,tool,run,seconds" >"$CSV"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

row() { echo "$1,$2,$3,$4,$5" >>"$CSV"; echo "  n=$1 t=$2 $3 run $4: $5 s" >&2; }
now() { date +%s.%N; }
# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
med() { awk -F, -v n="$1" -v t="$2" -v tool="$3" '$1 == n && $2 == t && $3 == tool { print $5 }' "$CSV" | median | xargs printf '%.4g'; }

# one run of parkit: its kernel time and the process's wall time (rows "kernel" and TOOL)
parkit_run() {   # parkit_run N T TOOL RUN [parkit args...]
    local n=$1 t=$2 tool=$3 r=$4 t0 t1 j
    shift 4
    t0=$(now)
    j=$("$P" primorial "$n" --threads "$t" --repeat 1 --format json "$@")   # one kernel run: the process wall holds exactly one
    t1=$(now)
    jq -e .verified <<<"$j" >/dev/null || { echo "bench-primorial: parkit primorial $n not verified" >&2; exit 1; }
    row "$n" "$t" "$tool-kernel" "$r" "$(jq -r .seconds.median <<<"$j")"
    row "$n" "$t" "$tool" "$r" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')"
}

for n in $NS; do
    echo "== primorial $n" >&2
    for r in $(seq 1 "$REPS"); do
        row "$n" 1 gmp "$r" "$("$REF" "$n" 1 | cut -d' ' -f1)"
        read -r a b _ < <("$REF_STR" "$n" 1)
        row "$n" 1 gmp-primorial+get_str "$r" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.6f", a + b }')"
        row "$n" 1 gmp-get_str "$r" "$b"
        for t in 1 2; do
            parkit_run "$n" "$t" parkit "$r"
            parkit_run "$n" "$t" parkit-output "$r" --output "$TMP/p.txt"
            row "$n" "$t" parkit-conversion "$r" "$(awk -F, -v n="$n" -v t="$t" -v r="$r" '
                $1 == n && $2 == t && $4 == r && $3 == "parkit" { a = $5 }
                $1 == n && $2 == t && $4 == r && $3 == "parkit-output" { b = $5 }
                END { printf "%.6f", b - a }' "$CSV")"
        done
    done
done

# ---- the table ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v x="$1" -v y="$2" "BEGIN { exit !($3) }" && echo PASS || echo MISS; }
{
echo "# primorial: parkit vs GMP"
echo
echo "Measured on $(hostname), $(sed -n 's/^model name.*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs,"
echo "$(date -u +%Y-%m-%d) with \`jobs/bench-primorial.sh${1:+ $1}\` (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown));"
echo "load average $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
echo "Medians of $REPS runs, runs alternating between the tools; every run in \`bench.csv\`."
echo
echo "| N | threads | measure | parkit | GMP | ratio | target | result |"
echo "|---|---|---|---|---|---|---|---|"
for n in $NS; do
    g=$(med "$n" 1 gmp) gs=$(med "$n" 1 gmp-get_str) gps=$(med "$n" 1 gmp-primorial+get_str)
    for t in 1 2; do
        k=$(med "$n" "$t" parkit-kernel) w=$(med "$n" "$t" parkit) wo=$(med "$n" "$t" parkit-output)
        c=$(med "$n" "$t" parkit-conversion)
        if [ "$t" = 1 ]; then
            echo "| $n | 1 | kernel | ${k} s | mpz_primorial_ui ${g} s | $(ratio "$k" "$g")x GMP's time | <= 1.0x | $(verdict "$k" "$g" 'x <= y') |"
        else
            echo "| $n | 2 | kernel | ${k} s | mpz_primorial_ui ${g} s | $(ratio "$g" "$k")x faster | >= 1.8x | $(verdict "$g" "$k" 'x >= 1.8*y') |"
        fi
        echo "| $n | $t | whole process | ${w} s | (its kernel ${k} s) | $(ratio "$w" "$k")x the kernel | <= 1.05x | $(verdict "$w" "$k" 'x <= 1.05*y') |"
        echo "| $n | $t | whole, --output | ${wo} s | primorial + mpz_get_str ${gps} s | $(ratio "$gps" "$wo")x faster | recorded | |"
        tgt="recorded" res=""
        if [ "$t" = 2 ]; then tgt=">= 1.7x"; res=$(verdict "$gs" "$c" 'x >= 1.7*y'); fi
        echo "| $n | $t | conversion (wall with - without --output) | ${c} s | mpz_get_str ${gs} s | $(ratio "$gs" "$c")x faster | $tgt | $res |"
    done
done
} >"$MD"
cat "$MD"
