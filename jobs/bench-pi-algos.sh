#!/usr/bin/env bash
# pi(x): parkit's LMO kernel against each of primecount's algorithms, in one run:
# primecount --lmo (Lagarias-Miller-Odlyzko), --deleglise-rivat and --gourdon (its default).
# It separates the algorithm from its implementation: parkit runs LMO with Deleglise-Rivat's
# easy leaves read from a pi table, so primecount's LMO and DR are the like-for-like
# references, and its Gourdon the better algorithm.
#   jobs/bench-pi-algos.sh [--quick]
# Alternating runs (the four tools in turn), medians of REPS (default 3), at 1 and 2 threads.
# Writes results/pi/algos.csv (every run) and results/pi/algos.md (the table).  Every answer
# must agree across the four tools, and parkit's must be verified.
# --quick: 1e12 and 1e13, 2 runs each.  XS, REPS and STEM (the files' name) override.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: jobs/bench-pi-algos.sh [--quick]" >&2; exit 2; }
QUICK=0
case "${1:-}" in
"") ;;
--quick) QUICK=1 ;;
-h|--help) sed -n '2,11p' "$0"; exit 0 ;;
*) echo "bench-pi-algos: unknown argument '$1'" >&2; usage ;;
esac
bash "$ROOT/jobs/setup.sh" "$ROOT/build" >&2
P=${PARKIT:-$ROOT/build/parkit}
REPS=${REPS:-3}
XS=${XS:-1e13 1e14 1e15 1e16}
if [ "$QUICK" = 1 ]; then
    REPS=${REPS_QUICK:-2} XS="1e12 1e13"
fi
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || { echo "bench-pi-algos: REPS '$REPS' is not a positive integer" >&2; exit 2; }
command -v primecount >/dev/null || { echo "bench-pi-algos: primecount is not installed (Debian: apt-get install primecount)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench-pi-algos: jq is not installed" >&2; exit 2; }
unset OMP_NUM_THREADS OMP_PROC_BIND OMP_PLACES
OUTDIR=$ROOT/results/pi
STEM=${STEM:-algos}
CSV=$OUTDIR/$STEM.csv MD=$OUTDIR/$STEM.md
mkdir -p "$OUTDIR"
echo "x,threads,tool,run,seconds,result" >"$CSV"

TOOLS="parkit primecount-lmo primecount-dr primecount-gourdon"
row() { echo "$1,$2,$3,$4,$5,$6" >>"$CSV"; echo "  pi($1) t$2 $3 run $4: $5 s ($6)" >&2; }
# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
med() { awk -F, -v x="$1" -v t="$2" -v tool="$3" '$1 == x && $2 == t && $3 == tool { print $5 }' "$CSV" | median | xargs printf '%.4g'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# one run of a tool: "seconds result"
one() {
    local tool=$1 x=$2 t=$3 out j
    case "$tool" in
    parkit)
        j=$("$P" primes "$x" --algo lmo --threads "$t" --repeat 1 --warmup 0 --format json)
        [ "$(jq -r .verified <<<"$j")" = true ] || { echo "bench-pi-algos: not verified: parkit primes $x --threads $t" >&2; exit 1; }
        echo "$(jq -r '.seconds.median + .setup_seconds' <<<"$j") $(jq -r .result <<<"$j")" ;;
    primecount-*)
        local flag
        case "$tool" in
        primecount-lmo) flag=--lmo ;;
        primecount-dr) flag=--deleglise-rivat ;;
        *) flag=--gourdon ;;
        esac
        out=$(primecount "$x" "$flag" -t"$t" --time)
        echo "$(sed -n 's/^Seconds: *//p' <<<"$out") $(head -1 <<<"$out")" ;;
    esac
}

for x in $XS; do
    for t in 1 2; do
        echo "== pi($x), $t thread(s)" >&2
        want=
        for r in $(seq 1 "$REPS"); do
            # the tools in turn, the order reversed every other run: drift hits all alike
            order=$TOOLS
            [ $((r % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$TOOLS" | tac | tr '\n' ' ')
            for tool in $order; do
                read -r s res <<<"$(one "$tool" "$x" "$t")"
                [ -n "$want" ] || want=$res
                [ "$res" = "$want" ] || { echo "bench-pi-algos: pi($x): $tool says $res, another tool $want" >&2; exit 1; }
                row "$x" "$t" "$tool" "$r" "$s" "$res"
            done
        done
    done
done

{
echo "# pi(x): parkit's LMO against primecount's three algorithms"
echo
echo "Measured on $(hostname) ($(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1))," \
     "$(date -u +%Y-%m-%d), \`jobs/bench-pi-algos.sh${1:+ $1}\` (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))," \
     "$(primecount --version | head -1)."
echo "Seconds, medians of $REPS runs; the four tools take turns, in reversed order every other run."
echo "parkit's time includes its setup; primecount's is its own --time.  Ratios are parkit / primecount's"
echo "algorithm (below 1: parkit faster).  Every answer agreed across the four tools.  Every run in \`$STEM.csv\`."
echo
echo "| x | threads | parkit LMO | primecount LMO | primecount DR | primecount Gourdon | vs LMO | vs DR | vs Gourdon |"
echo "|---|---|---|---|---|---|---|---|---|"
for x in $XS; do
    for t in 1 2; do
        a=$(med "$x" "$t" parkit) l=$(med "$x" "$t" primecount-lmo) d=$(med "$x" "$t" primecount-dr) g=$(med "$x" "$t" primecount-gourdon)
        echo "| $x | $t | $a | $l | $d | $g | $(ratio "$a" "$l") | $(ratio "$a" "$d") | $(ratio "$a" "$g") |"
    done
done
} >"$MD"
cat "$MD"
