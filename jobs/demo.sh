#!/usr/bin/env bash
# The parkit demo: every kernel serial vs OpenMP vs MPI, with a table of speedups.
#   jobs/demo.sh [--quick]        (installs what is missing and builds first)
# Rows are also appended to results/demo.csv.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/jobs/setup.sh" "$ROOT/build"
P=$ROOT/build/parkit
OUT=${RESULTS:-$ROOT/results/demo.csv}
T=$("$P" where --format text | wc -l)   # the threads parkit would use by default
# shellcheck source=jobs/lib-mpi.sh
. "$ROOT/jobs/lib-mpi.sh"
SCALE=1
[ "${1:-}" = --quick ] && SCALE=10
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cases=(
    "count $((4000000000 / SCALE))"
    "sum $((200000000 / SCALE))"
    "sum $((200000000 / SCALE)) --dtype f64"
    "primes $((2000000000 / SCALE))"
    "primes $((300000 / SCALE)) --algo naive"
    "isprime $(seq 18446744073709549615 18446744073709551615 | head -n $((2000 / SCALE)) | tr '\n' ' ')"
    "primorial $((20000000 / SCALE))"
)
# MPI rows: the launcher of this build (Open MPI, MPICH's Hydra, srun; MPIRUN overrides), one
# rank per CPU bound to it, when parkit was built with MPI
have_mpi=0
if "$P" count 1 --mode mpi >/dev/null 2>&1 && pk_mpi_launcher_for "$P" && pk_mpi_opts quiet core; then
    have_mpi=1
    mpi=("${PK_MPIEXEC[@]}" "${PK_MPI_PREFLAGS[@]}" "${pk_mpi_opts[@]}" "$PK_NP" "$T")
fi

run() {   # run LABEL cmd...: one "LABEL,csv row" line into $TMP/rows
    echo "+ ${*:2}" | cut -c1-110 >&2
    printf '%s,%s\n' "$1" "$("${@:2}" --repeat 3 --warmup 1 --format csv --results "$OUT" | tail -1)" >>"$TMP/rows"
}
: >"$TMP/rows"
for c in "${cases[@]}"; do
    read -r kernel _ rest <<<"$c"
    label=$kernel
    case "$rest" in
        *--dtype\ f64*) label="$kernel f64" ;;
        *--algo\ naive*) label="$kernel naive" ;;
    esac
    # shellcheck disable=SC2086
    run "$label" "$P" $c --mode serial
    # shellcheck disable=SC2086
    run "$label" "$P" $c --mode omp --threads "$T"
    if [ "$have_mpi" = 1 ]; then   # one rank per CPU, one thread each
        # shellcheck disable=SC2086
        run "$label" "${mpi[@]}" "$P" $c --mode mpi
    fi
done

echo
echo "parkit demo on $(hostname) ($T CPUs): median of 3 runs after 1 warm-up; speedup = serial / mode"
awk -F, '
    NR == FNR && FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i + 1; next }
    {
        k = $1; n = $col["n"]; m = $col["mode"]; w = $col["ranks"] * $col["threads"]
        t = $col["seconds_median"]; key = k " " n " " $col["rate_unit"]
        if (m == "serial") base[key] = t
        s = (base[key] > 0 && t > 0) ? base[key] / t : 0
        printf "%-13s %-12s %-7s %7d %10.4f %9.2f %9.0f%%  %-8s %10.4g %s\n", k, (length(n) > 12 ? substr(n, 1, 9) "..." : n),
               m, w, t, s, 100 * s / w, ($col["verified"] == "true" ? "PASSED" : "FAILED"), $col["rate"], $col["rate_unit"]
    }' <(head -1 "$OUT") "$TMP/rows" | {
    printf "%-13s %-12s %-7s %7s %10s %9s %10s  %-8s %10s %s\n" kernel N mode workers seconds speedup efficiency verified rate unit
    cat
}
echo
echo "rows appended to $OUT"
# any row not verified (or a run that produced no row) fails the demo, named
failed=$(awk -F, 'NR == FNR && FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i + 1; next }
                  $col["verified"] != "true" { printf "%s%s (%s)", sep, $1, ($col["mode"] == "" ? "no result" : $col["mode"]); sep = ", " }' \
         <(head -1 "$OUT") "$TMP/rows")
if [ -n "$failed" ]; then
    echo "demo: FAILED: $failed" >&2
    exit 1
fi
