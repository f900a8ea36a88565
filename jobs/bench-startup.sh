#!/usr/bin/env bash
# How long does parkit take to start?  Whole-process wall time of short commands, against
# primesieve (a C++ program of the same kind) and /bin/true, in alternating blocks.
#   jobs/bench-startup.sh [PARKIT] [BLOCKS] [CALLS]     (defaults: build/parkit, 9 blocks, 100 calls)
# Each block runs every command CALLS times in a row; a command's figure is the median over
# blocks of its mean time per call.  Writes results/startup.csv and results/startup.md.  The
# machine should be quiet.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=${1:-$ROOT/build/parkit}
BLOCKS=${2:-9}
CALLS=${3:-100}
[ -x "$P" ] || { echo "bench-startup: no parkit at $P (build first, or give its path)" >&2; exit 2; }
OUT=$ROOT/results
CSV=$OUT/startup.csv MD=$OUT/startup.md
cmds=("$P --version" "$P isprime 7" "$P count 1000 --threads 1" "/bin/true")
if command -v primesieve >/dev/null; then cmds+=("primesieve 100 -c"); fi
echo "command,block,us_per_call" >"$CSV"
for b in $(seq 1 "$BLOCKS"); do
    for c in "${cmds[@]}"; do
        t0=$(date +%s%N)
        for _ in $(seq 1 "$CALLS"); do
            # shellcheck disable=SC2086
            $c >/dev/null
        done
        t1=$(date +%s%N)
        echo "\"$c\",$b,$(( (t1 - t0) / CALLS / 1000 ))" >>"$CSV"
    done
done
# shellcheck source=jobs/lib-stats.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-stats.sh"   # median
med() { awk -F'",' -v c="\"$1" '$1 == c { split($2, f, ","); print f[2] }' "$CSV" | median; }
ref=""
command -v primesieve >/dev/null && ref=$(med "primesieve 100 -c")
{
    echo "# Start-up: whole-process time of short commands"
    echo
    echo "\`jobs/bench-startup.sh\` on $(hostname) ($(nproc) CPUs), $(date -u +%Y-%m-%dT%H:%MZ);"
    echo "$("$P" --version | head -1); $BLOCKS alternating blocks of $CALLS calls, median of the per-call means."
    echo "Shared libraries loaded by parkit: $(ldd "$P" | wc -l) (\`ldd\`)."
    echo
    echo "| command | µs per call | / primesieve 100 -c |"
    echo "|---|---|---|"
    for c in "${cmds[@]}"; do
        m=$(med "$c")
        r="-"
        [ -n "$ref" ] && r=$(awk -v a="$m" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
        echo "| \`${c/#$P/parkit}\` | $m | $r |"
    done
} >"$MD"
cat "$MD"
