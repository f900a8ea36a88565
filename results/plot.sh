#!/bin/bash
# Turn a parkit results CSV into scaling plots (gnuplot; Debian package gnuplot-nox):
#
#   results/plot.sh results/strong.csv                 # -> results/strong-strong.{png,svg}, ...
#   results/plot.sh results/scaling/reference.csv results/scaling/scaling
#
# PREFIX-strong.{png,svg}: time, speedup and parallel efficiency against workers (ranks x threads),
#   the ideal line, one curve per kernel x mode (omp threads, mpi ranks, hybrid ranks x threads),
#   and the Karp-Flatt serial fraction e = (1/S - 1/p) / (1 - 1/p) of every point. Speedups are
#   against the serial run of the same kernel and N (else the fastest 1-worker run).
# PREFIX-weak.{png,svg}: time and weak-scaling efficiency T(1, n) / T(p, p n), when the CSV holds
#   runs whose N grows with the workers.
# Repeated rows of one configuration are reduced to the median of their seconds_median, or with
# STAT=min to their best repetition (seconds_min; model.py series does that).
# Error bars on time and speedup: the 95% interval of the median over every recorded sample
# (seconds_samples) of the configuration's rows; for older rows without samples, the range of
# the rows' medians (or of one row's min..max).  Speedup bars take the serial time as exact.
set -euo pipefail
csv=${1:?usage: $0 RESULTS.csv [OUTPUT_PREFIX]}
prefix=${2:-${csv%.csv}}
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not found (Debian: apt-get install gnuplot-nox)" >&2; exit 2; }
[ -r "$csv" ] || { echo "plot.sh: cannot read $csv" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/model.py" series "$csv" "$work" --stat "${STAT:-median}"
get() { sed -n "s/^$1=//p" "$work/meta.txt"; }
nstrong=$(get strong_blocks)
nweak=$(get weak_blocks)
maxw=$(get maxworkers)
where=$(get where)
when=$(get when)
version=$(get version)
sizes=$(get sizes)
stat=$(get stat)
cores=$(get cores)
mkdir -p "$(dirname "$prefix")"

# gnuplot strings are in double quotes: drop characters that would end them
clean() { local s=${1//\"/}; echo "${s//\\/}"; }
sub="$(clean "$where"), $(clean "$when"), parkit $(clean "$version")"

# The x axis every panel shares: workers on a log2 scale, a grid, no key.
worker_axis() {
    cat <<GP
set logscale x 2
set xrange [0.8:$((maxw * 5 / 4))]
set xtics 1,2,$maxw
set grid
unset key
set xlabel 'workers (ranks x threads)'
GP
}

plot_strong() {   # TERMINAL OUTPUT
    cat <<GP
set terminal $1
set output '$2'
set datafile missing 'NaN'
set multiplot layout 2,2 title "parkit strong scaling: $(clean "$sizes")\\n$sub" noenhanced
$(worker_axis)
# workers beyond the cores of one host share cores (oversubscription)
set arrow 1 from $cores, graph 0 to $cores, graph 1 nohead dt 3 lc rgb 'gray40'
set label 1 'cores of one host' at $cores, graph 0.97 right offset -0.5,0 font ',9' tc rgb 'gray40'
set title 'time'
set ylabel 'seconds ($stat)'
set logscale y
plot for [i=0:$((nstrong - 1))] '$work/strong.dat' index i using 1:2:8:9 with yerrorlines lw 2 lt (i+1) notitle
unset logscale y
set title 'speedup over serial'
set ylabel 'speedup'
set yrange [0:*]
plot x notitle dt 2 lc rgb 'black', \\
     for [i=0:$((nstrong - 1))] '$work/strong.dat' index i using 1:3:10:11 with yerrorlines lw 2 lt (i+1) notitle
set title 'parallel efficiency'
set key noenhanced bottom left font ',9' opaque box
set ylabel 'speedup / workers'
set yrange [0:1.3]
plot 1 title 'ideal' dt 2 lc rgb 'black', \\
     for [i=0:$((nstrong - 1))] '$work/strong.dat' index i using 1:4 with linespoints lw 2 lt (i+1) title columnheader(1)
unset key
set title 'Karp-Flatt serial fraction e = (1/S - 1/p) / (1 - 1/p)'
set ylabel 'e (0 = perfectly parallel)'
set yrange [*:*]
plot for [i=0:$((nstrong - 1))] '$work/strong.dat' index i using 1:5 with points pt 7 ps 1.5 lc (i+1) notitle
unset multiplot
unset output
GP
}

plot_weak() {   # TERMINAL OUTPUT
    cat <<GP
set terminal $1
set output '$2'
set multiplot layout 1,2 title "parkit weak scaling (N grows with the workers)\\n$sub" noenhanced
$(worker_axis)
set arrow 1 from $cores, graph 0 to $cores, graph 1 nohead dt 3 lc rgb 'gray40'
set title 'time (ideal: flat)'
set ylabel 'seconds ($stat)'
set yrange [0:*]
plot for [i=0:$((nweak - 1))] '$work/weak.dat' index i using 1:3 with linespoints lw 2 lt (i+1) notitle
set title 'weak-scaling efficiency T(1, n) / T(p, p n)'
set key noenhanced bottom left font ',9' opaque box
set ylabel 'efficiency'
set yrange [0:1.3]
plot 1 title 'ideal' dt 2 lc rgb 'black', \\
     for [i=0:$((nweak - 1))] '$work/weak.dat' index i using 1:4 with linespoints lw 2 lt (i+1) title columnheader(1)
unset multiplot
unset output
GP
}

made=()
for fmt in png svg; do
    case $fmt in
        png) term="pngcairo size 1400,1000 font 'sans,11'" ;;
        svg) term="svg size 1400,1000 dynamic font 'sans,11'" ;;
    esac
    if [ "$nstrong" -gt 0 ]; then
        plot_strong "$term" "$prefix-strong.$fmt" >"$work/strong.gp"
        gnuplot "$work/strong.gp"
        made+=("$prefix-strong.$fmt")
    fi
    if [ "$nweak" -gt 0 ]; then
        plot_weak "$term" "$prefix-weak.$fmt" >"$work/weak.gp"
        gnuplot "$work/weak.gp"
        made+=("$prefix-weak.$fmt")
    fi
done
[ "${#made[@]}" -gt 0 ] || { echo "plot.sh: $csv has no series with 2 or more worker counts to plot" >&2; exit 1; }
echo "plot.sh: wrote ${made[*]}"
