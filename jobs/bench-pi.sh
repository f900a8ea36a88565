#!/usr/bin/env bash
# pi(x) by parkit's LMO kernel against primecount (Gourdon's algorithm; Debian package
# primecount), side by side in one run: alternating runs, medians of REPS (default 3).
#   jobs/bench-pi.sh [--quick]
# Writes results/pi/bench-pi.csv (every run) and results/pi/bench-pi.md (the table).
#   pi(1e12 .. 1e17) at 1 and 2 threads      vs primecount X -t1 / -t2   target: <= 1.5x its time
#   pi(1e15, 1e16, 1e17): mpirun -np 2 --threads 1 vs one process --threads 2  target: within 10%
#   correctness under MPI: mpirun -np 1, 2, 4 (unbound, oversubscribed on small machines) at
#   CHECK_X (default the first of MPI_XS) must print primecount's answer, verified
# parkit's time is the kernel's plus its setup (tables up to y); primecount's is its own --time.
# --quick: 1e12 .. 1e14 (and 1e14 for MPI), 2 runs each.  XS, MPI_XS, REPS and STEM (the
# output files' name, default bench-pi) override; XS="" leaves the single-process rows out,
# MPI_XS="" the MPI rows (not both).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/jobs/setup.sh" "$ROOT/build" >&2
P=${PARKIT:-$ROOT/build/parkit}
REPS=${REPS:-3}
XS=${XS-1e12 1e13 1e14 1e15 1e16 1e17}
MPI_XS=${MPI_XS-1e15 1e16 1e17}
if [ "${1:-}" = --quick ]; then
    REPS=${REPS_QUICK:-2} XS="1e12 1e13 1e14" MPI_XS=1e14
fi
[ -n "${XS// /}${MPI_XS// /}" ] || { echo "$0: XS and MPI_XS are both empty: nothing to measure" >&2; exit 2; }
command -v primecount >/dev/null || { echo "$0: primecount is not installed (Debian: apt-get install primecount)" >&2; exit 2; }
command -v jq >/dev/null || { echo "$0: jq is not installed" >&2; exit 2; }
# shellcheck source=jobs/lib-mpi.sh
. "$ROOT/jobs/lib-mpi.sh"
have_mpi=1
pk_mpi_launcher_for "$P" 2>/dev/null || have_mpi=0
chk_opts=()
if [ "$have_mpi" = 1 ]; then
    pk_mpi_opts quiet unbound
    chk_opts=("${pk_mpi_opts[@]}")
    pk_mpi_opts quiet core
fi
unset OMP_NUM_THREADS OMP_PROC_BIND OMP_PLACES
OUTDIR=$ROOT/results/pi
STEM=${STEM:-bench-pi}   # another STEM keeps a separate run (e.g. STEM=bench-pi-1e17 XS=1e17 REPS=1)
CSV=$OUTDIR/$STEM.csv MD=$OUTDIR/$STEM.md
mkdir -p "$OUTDIR"
echo "x,layout,tool,run,seconds,result,imbalance,rank_chunks" >"$CSV"

row() { echo "$1,$2,$3,$4,$5,$6,${7:-},${8:-}" >>"$CSV"; echo "  pi($1) $2 $3 run $4: $5 s ($6)${7:+ imbalance $7}${8:+ chunks $8}" >&2; }
# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
med() { awk -F, -v x="$1" -v l="$2" -v t="$3" '$1 == x && $2 == l && $3 == t { print $5 }' "$CSV" | median | xargs printf '%.4g'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v x="$1" "BEGIN { exit !($2) }" && echo PASS || echo MISS; }
# parkit's seconds (kernel + setup), answer, imbalance and chunks per rank ("66/62": MPI);
# fails the script on a run not verified
parkit_run() {
    local j
    j=$("$@" --format json)
    [ "$(jq -r .verified <<<"$j")" = true ] || { echo "$0: not verified: $*" >&2; exit 1; }
    echo "$(jq -r '.seconds.median + .setup_seconds' <<<"$j") $(jq -r .result <<<"$j") $(jq -r '.imbalance // ""' <<<"$j")" \
         "$(jq -r '.details.rank_chunks // [] | map(tostring) | join("/")' <<<"$j")"
}
mpi() { "${PK_MPIEXEC[@]}" "${PK_MPI_PREFLAGS[@]}" "${pk_mpi_opts[@]}" "$PK_NP" "$@"; }
mpi_chk() { "${PK_MPIEXEC[@]}" "${PK_MPI_PREFLAGS[@]}" "${chk_opts[@]}" "$PK_NP" "$@"; }

for x in $XS; do
    for t in 1 2; do
        echo "== pi($x), $t thread(s): parkit --algo lmo vs primecount -t$t" >&2
        for r in $(seq 1 "$REPS"); do   # ABAB...: drift on this machine hits both alike
            out=$(primecount "$x" -t"$t" --time)
            row "$x" "1x$t" primecount "$r" "$(sed -n 's/^Seconds: *//p' <<<"$out")" "$(head -1 <<<"$out")"
            o=$(parkit_run "$P" primes "$x" --algo lmo --threads "$t" --warmup 0)
            read -r s res _ <<<"$o"
            row "$x" "1x$t" parkit "$r" "$s" "$res"
        done
    done
done

if [ "$have_mpi" = 1 ] && [ -n "$MPI_XS" ]; then
    for x in $MPI_XS; do
        echo "== pi($x): mpirun -np 2 --threads 1 vs one process --threads 2" >&2
        for r in $(seq 1 "$REPS"); do
            o=$(parkit_run "$P" primes "$x" --algo lmo --threads 2 --warmup 0)
            read -r s res imb _ <<<"$o"
            row "$x" "1x2" parkit-omp "$r" "$s" "$res" "$imb"
            o=$(parkit_run mpi 2 "$P" primes "$x" --algo lmo --mode mpi --warmup 0)
            read -r s res imb chunks <<<"$o"
            row "$x" "2x1" parkit-mpi "$r" "$s" "$res" "$imb" "$chunks"
        done
    done
    CHECK_X=${CHECK_X:-${MPI_XS%% *}}
    want=$(primecount "$CHECK_X")
    for np in 1 2 4; do
        echo "== pi($CHECK_X) under mpirun -np $np: the answer must be primecount's" >&2
        o=$(parkit_run mpi_chk "$np" "$P" primes "$CHECK_X" --algo lmo --mode mpi --repeat 1 --warmup 0)
        read -r s res imb _ <<<"$o"
        [ "$res" = "$want" ] || { echo "$0: mpirun -np $np: pi($CHECK_X) = $res, primecount says $want" >&2; exit 1; }
        row "$CHECK_X" "${np}x1" parkit-mpi-check 1 "$s" "$res" "$imb"
    done
elif [ "$have_mpi" = 0 ]; then
    echo "$0: no MPI launcher for $P: the MPI rows are left out" >&2
fi

{
echo "# pi(x): parkit (LMO) vs primecount"
echo
echo "Measured on $(hostname) ($(nproc) CPUs), $(date -u +%Y-%m-%d), \`jobs/bench-pi.sh${1:+ $1}\`" \
     "(git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)), $(primecount --version | head -1)."
echo "Medians of $REPS alternating runs; parkit's time includes its setup. Every run in \`$STEM.csv\`."
echo
[ -n "${XS// /}" ] && echo "| x | threads | parkit (s) | primecount (s) | ratio | target <= 1.5 |" &&
    echo "|---|---|---|---|---|---|"
for x in $XS; do
    for t in 1 2; do
        a=$(med "$x" "1x$t" parkit) b=$(med "$x" "1x$t" primecount) q=$(ratio "$a" "$b")
        echo "| $x | $t | $a | $b | $q | $(verdict "$q" 'x <= 1.5') |"
    done
done
if [ "$have_mpi" = 1 ] && [ -n "$MPI_XS" ]; then
    echo
    echo "| x | 2 ranks x 1 thread (s) | 1 rank x 2 threads (s) | ratio | target <= 1.10 | rank imbalance (max/mean) | chunks per rank |"
    echo "|---|---|---|---|---|---|---|"
    for x in $MPI_XS; do
        a=$(med "$x" 2x1 parkit-mpi) b=$(med "$x" 1x2 parkit-omp) q=$(ratio "$a" "$b")
        imb=$(awk -F, -v x="$x" '$1 == x && $3 == "parkit-mpi" { print $7 }' "$CSV" | median | xargs printf '%.3f')
        chunks=$(awk -F, -v x="$x" '$1 == x && $3 == "parkit-mpi" { printf "%s%s", sep, $8; sep = ", " }' "$CSV")
        echo "| $x | $a | $b | $q | $(verdict "$q" 'x <= 1.10') | $imb | $chunks |"
    done
    echo
    echo "Correctness across ranks: pi($CHECK_X) under \`mpirun -np 1, 2, 4\` (unbound) gave" \
         "$(awk -F, -v x="$CHECK_X" '$1 == x && $3 == "parkit-mpi-check" { printf "%s%s", sep, $6; sep = ", " }' "$CSV")," \
         "each verified and equal to primecount's $want."

fi
} >"$MD"
cat "$MD"
