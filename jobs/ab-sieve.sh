#!/usr/bin/env bash
# A/B of parkit builds on one sieve range, against primesieve in the same run.
#   jobs/ab-sieve.sh [--reps R] [--threads T] START LEN PARKIT_BINARY...
# Each repeat runs primesieve, then every build (the builds' order reverses from one repeat
# to the next); prints the medians (parkit: run + setup, from --format json; primesieve:
# its --time) and each build's ratio to primesieve.  Every count must agree with
# primesieve's.  Writes the runs to results/sieve/ab-START-LEN-tT.csv.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPS=7 T=2
usage() { echo "usage: jobs/ab-sieve.sh [--reps R] [--threads T] START LEN PARKIT_BINARY..." >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
    --reps) [ $# -ge 2 ] || usage; REPS=$2; shift 2 ;;
    --threads) [ $# -ge 2 ] || usage; T=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    -*) echo "ab-sieve: unknown option '$1'" >&2; usage ;;
    *) break ;;
    esac
done
[ $# -ge 3 ] || usage
for v in "$REPS" "$T" "$1" "$2"; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "ab-sieve: '$v' is not a positive integer" >&2; exit 2; }
done
S=$1 LEN=$2; shift 2
for b in "$@"; do [ -x "$b" ] || { echo "ab-sieve: '$b' is not an executable" >&2; exit 2; }; done
command -v primesieve >/dev/null || { echo "ab-sieve: primesieve is not installed" >&2; exit 1; }
command -v jq >/dev/null || { echo "ab-sieve: jq is not installed" >&2; exit 1; }
E=$((S + LEN))
mkdir -p "$ROOT/results/sieve"
CSV=$ROOT/results/sieve/ab-$S-$LEN-t$T.csv
echo "tool,run,seconds,count" >"$CSV"
unset OMP_PROC_BIND OMP_PLACES
builds=("$@")
for r in $(seq "$REPS"); do
    o=$(primesieve "$S" "$E" --count --threads="$T" --time)
    pc=$(sed -n 's/^Primes: *//p' <<<"$o")
    echo "primesieve,$r,$(sed -n 's/^Seconds: *//p' <<<"$o"),$pc" >>"$CSV"
    for b in "${builds[@]}"; do
        # exit status 1 when no independent check is affordable: the count is compared with primesieve's
        j=$("$b" primes "$E" --from "$S" --algo sieve --threads "$T" --format json) || true
        n=$(jq -r .result <<<"$j")
        [ "$n" = "$pc" ] || { echo "ab-sieve: $b counted $n, primesieve $pc" >&2; exit 1; }
        echo "$b,$r,$(jq -r '.seconds.median + .setup_seconds' <<<"$j"),$n" >>"$CSV"
    done
    mapfile -t builds < <(printf '%s\n' "${builds[@]}" | tac)
done
# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
med() { awk -F, -v t="$1" '$1 == t { print $3 }' "$CSV" | median; }
p=$(med primesieve)
echo "[$S, $E], $T threads, medians of $REPS: primesieve $p s"
for b in "$@"; do
    m=$(med "$b")
    awk -v b="$b" -v m="$m" -v p="$p" 'BEGIN { if (p > 0) printf "  %s %.3f s, ratio %.3f\n", b, m, m / p; else printf "  %s %.3f s (primesieve timed 0: no ratio)\n", b, m }'
done
echo "runs: $CSV"
