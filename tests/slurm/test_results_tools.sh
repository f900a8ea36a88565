#!/bin/bash
# results/plot.sh and results/model.py on the committed reference set (results/scaling/):
# every plot is written (PNG and SVG), the model writes its check table, and a CSV with nothing
# to plot is refused with a message.   test_results_tools.sh SOURCE_DIR   (exit 77: no gnuplot)
set -euo pipefail
SRC=${1:?usage: $0 SOURCE_DIR}
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed (Debian: gnuplot-nox)"; exit 77; }
ref=$SRC/results/scaling
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$SRC/results/plot.sh" "$ref/reference.csv" "$work/p"
for f in p-strong.png p-strong.svg p-weak.png p-weak.svg; do
    [ -s "$work/$f" ] || fail "plot.sh did not write $f"
done
grep -q 'parkit strong scaling' "$work/p-strong.svg" || fail "strong plot has no title"

net=()
[ ! -f "$ref/mpi-costs-net.csv" ] || net=(--net-costs "$ref/mpi-costs-net.csv")
python3 "$SRC/results/model.py" predict "$ref/reference.csv" --costs "$ref/mpi-costs.csv" "${net[@]}" \
    --stat min --outdir "$work"
for f in model-check.csv model-check.md model-fit.txt model-predictions.csv; do
    [ -s "$work/$f" ] || fail "model.py did not write $f"
done
# per kernel: 2 node sizes x 2 layouts x 11 node counts (1..1024) x (strong, weak), plus the header
rows=$(($(wc -l <"$work/model-predictions.csv") - 1))
{ [ "$rows" -gt 0 ] && [ $((rows % 88)) -eq 0 ]; } || fail "model-predictions.csv has $rows rows"
# (the whole table first: grep -q leaving early would break python's pipe, under pipefail a failure)
table=$(python3 "$SRC/results/model.py" table "$ref/reference.csv")
grep -q '| primes | 1e9 | serial |' <<<"$table" || fail "model.py table has no primes serial row"

head -2 "$ref/reference.csv" >"$work/one.csv"
if "$SRC/results/plot.sh" "$work/one.csv" "$work/one" 2>"$work/err"; then
    fail "plot.sh accepted a CSV with one run"
fi
grep -q 'nothing\|no series' "$work/err" || fail "plot.sh gave no reason: $(cat "$work/err")"
echo "results tools: ok"
