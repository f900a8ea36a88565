#!/bin/bash
# How much do parkit's timings move, and can two configurations be told apart?  (issue 13)
#
#   jobs/bench-spread.sh [--quick]      # -> results/measure/{spread-sum.csv, scaling.csv,
#                                       #    sched-*.csv, scaling-strong.png, spread.md}
#
# 1. Run-to-run spread: `parkit sum 1e9 --threads 2` in 5 separate processes (each with the
#    default --repeat auto), with the transparent-huge-page mode, the share of the array that
#    really got huge pages, and the load of each; the spread of the 5 medians.
# 2. A strong-scaling series with 7 samples per point, drawn by results/plot.sh with error bars.
# 3. results/compare.py on two schedules of an imbalanced run (primes --algo naive).
# Environment: PARKIT (default build/parkit), RESULTS (default results/measure).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PARKIT=${PARKIT:-$ROOT/build/parkit}
OUT=${RESULTS:-$ROOT/results/measure}
QUICK=""
[ "${1:-}" = --quick ] && QUICK=1
[ -x "$PARKIT" ] || { echo "bench-spread: $PARKIT not found (build first, or set PARKIT)" >&2; exit 2; }
mkdir -p "$OUT"
export PARKIT_WARNINGS=off   # recorded in the rows; the table below shows them
. "$ROOT/jobs/lib-mpi.sh"

N_SUM=1e9 NPROC=5 N_PRIMES=1e10 N_NAIVE=2e5 REP=7
[ -n "$QUICK" ] && N_SUM=1e8 NPROC=3 N_PRIMES=1e9 N_NAIVE=5e4 REP=5

# ---- 1. spread of sum across processes
rm -f "$OUT/spread-sum.csv"
for i in $(seq 1 "$NPROC"); do
    "$PARKIT" sum "$N_SUM" --threads 2 --results "$OUT/spread-sum.csv" --format csv >/dev/null
    echo "  sum $N_SUM process $i done" >&2
done

# ---- 2. strong scaling with samples: serial, 1-2 threads, 1-2 ranks
rm -f "$OUT/scaling.csv"
run() { "$@" --repeat "$REP" --results "$OUT/scaling.csv" --format csv >/dev/null; }
run "$PARKIT" primes "$N_PRIMES" --algo sieve --mode serial
for t in 1 2; do run "$PARKIT" primes "$N_PRIMES" --algo sieve --threads "$t"; done
if pk_mpi_launcher "" "" "" 2>/dev/null; then
    pk_mpi_opts quiet unbound
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    for p in 1 2; do
        run "${PK_MPIEXEC[@]}" "${PK_MPI_PREFLAGS[@]}" "${pk_mpi_opts[@]}" "$PK_NP" "$p" "$PARKIT" primes "$N_PRIMES" --algo sieve --mode mpi
    done
fi
PLOT=""
if command -v gnuplot >/dev/null; then
    "$ROOT/results/plot.sh" "$OUT/scaling.csv" "$OUT/scaling" >/dev/null && PLOT="$OUT/scaling-strong.png"
fi

# ---- 3. compare two schedules
rm -f "$OUT"/sched-static.csv "$OUT"/sched-dynamic.csv
for s in static dynamic; do
    "$PARKIT" primes "$N_NAIVE" --algo naive --schedule "$s" --repeat "$REP" --results "$OUT/sched-$s.csv" --format csv >/dev/null
done
COMPARE=$(python3 "$ROOT/results/compare.py" "$OUT/sched-static.csv" "$OUT/sched-dynamic.csv")

# ---- the report
{
    echo "# Measurement spread and comparison (\`jobs/bench-spread.sh${QUICK:+ --quick}\`)"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $(hostname), $("$PARKIT" --version | head -1)"
    echo
    echo "## Run-to-run spread: \`parkit sum $N_SUM --threads 2\` in $NPROC processes"
    echo
    python3 - "$OUT/spread-sum.csv" <<'PY'
import csv, json, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("| process | median (s) | 95% CI of the median (s) | runs | GB/s | THP mode | array in huge pages | load at start |")
print("|---|---|---|---|---|---|---|---|")
meds = []
for i, r in enumerate(rows, 1):
    d = json.loads(r["details"] or "{}")
    meds.append(float(r["seconds_median"]))
    hp = d.get("huge_page_fraction")
    lvl = float(r["seconds_ci_level"])
    note = "" if lvl >= 0.95 else f" ({100 * lvl:.0f}%)"
    print(f"| {i} | {float(r['seconds_median']):.4f} | {float(r['seconds_ci_low']):.4f} - {float(r['seconds_ci_high']):.4f}{note} "
          f"| {r['repeats']} | {float(r['rate']):.1f} | {r['machine_thp']} | "
          f"{'n/a' if hp is None else f'{100 * hp:.0f}%'} | {r['machine_load']} |")
sd = statistics.stdev(meds) if len(meds) > 1 else 0
print()
print(f"Medians across processes: min {min(meds):.4f} s, median {statistics.median(meds):.4f} s, "
      f"max {max(meds):.4f} s; max/min = {max(meds) / min(meds):.3f}, "
      f"coefficient of variation {100 * sd / statistics.fmean(meds):.1f}%.")
PY
    echo
    echo "## Strong scaling with error bars: \`parkit primes $N_PRIMES --algo sieve --repeat $REP\`"
    echo
    [ -n "$PLOT" ] && echo "![strong scaling with 95% intervals of the median]($(basename "$PLOT"))" && echo
    python3 - "$OUT/scaling.csv" <<'PY'
import csv, sys
print("| mode | ranks x threads | median (s) | 95% CI (s) | sd (s) | runs | load at start |")
print("|---|---|---|---|---|---|---|")
for r in csv.DictReader(open(sys.argv[1])):
    lvl = float(r["seconds_ci_level"])
    note = "" if lvl >= 0.95 else f" ({100 * lvl:.0f}%)"
    print(f"| {r['mode']} | {r['ranks']}x{r['threads']} | {float(r['seconds_median']):.4f} | "
          f"{float(r['seconds_ci_low']):.4f} - {float(r['seconds_ci_high']):.4f}{note} | {float(r['seconds_sd']):.4f} | "
          f"{r['repeats']} | {r['machine_load']} |")
PY
    echo
    echo "## Two schedules compared: \`results/compare.py sched-static.csv sched-dynamic.csv\`"
    echo
    echo '```'
    echo "$COMPARE"
    echo '```'
} >"$OUT/spread.md"
echo "bench-spread: wrote $OUT/spread.md"
