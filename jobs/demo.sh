#!/usr/bin/env bash
# The parkit demo: the whole lesson of the multiprocessing / threading / asyncio tutorials,
# measured here.  Three tables:
#   1. every kernel (CPU-bound) serial vs OpenMP threads vs MPI processes;
#   2. downloads (IO-bound) of the same list from a local server with 50-200 ms latency:
#      sequential, a pthread pool, the curl multi event loop, P processes sharing the list;
#   3. the matrix: CPU-bound and IO-bound work x one worker, concurrency on one core, parallel
#      threads, parallel processes (speedups), and a sentence drawn from those numbers.
#   jobs/demo.sh [--quick]     (installs what is missing and builds first; --quick: < 30 s)
# Exits 1, naming them, when a row is not verified or a download fails.  Rows are appended to
# results/demo.csv (RESULTS=FILE elsewhere).  PARKIT=path runs that binary without setup.sh
# (its server: PK_TESTSERVER, else tests/io/pk_testserver of its build); PK_DEMO_EXTRA_URL
# adds one URL to the download list (the tests use an unreachable one).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${PARKIT:-}" ]; then
    P=$PARKIT
else
    bash "$ROOT/jobs/setup.sh" "$ROOT/build"
    P=$ROOT/build/parkit
fi
SERVER=${PK_TESTSERVER:-$(dirname "$P")/tests/io/pk_testserver}
OUT=${RESULTS:-$ROOT/results/demo.csv}
T=$("$P" where --format text | wc -l)   # the threads parkit would use by default
# shellcheck source=jobs/lib-mpi.sh
. "$ROOT/jobs/lib-mpi.sh"
SCALE=1 NFILES=200 DMIN=50 DSPAN=151 NPROC=4
[ "${1:-}" = --quick ] && SCALE=10 NFILES=40 DMIN=50 DSPAN=51
TMP=$(mktemp -d)
SPID=
trap 'if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; fi; rm -rf "$TMP"' EXIT

cases=(
    "count $((4000000000 / SCALE))"
    "sum $((200000000 / SCALE))"
    "sum $((200000000 / SCALE)) --dtype f64"
    "primes $((2000000000 / SCALE)) --algo sieve"
    "primes $((300000 / SCALE)) --algo naive"
    "isprime $( (seq 18446744073709549615 18446744073709551615 || true) | head -n $((2000 / SCALE)) | tr '\n' ' ')"
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
failures=()
# any row not verified (or a run that produced no row) fails the demo, named
failed=$(awk -F, 'NR == FNR && FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i + 1; next }
                  $col["verified"] != "true" { printf "%s%s (%s)", sep, $1, ($col["mode"] == "" ? "no result" : $col["mode"]); sep = ", " }' \
         <(head -1 "$OUT") "$TMP/rows")
[ -z "$failed" ] || failures+=("$failed")

# ---- 2. downloads: the IO-bound side ----
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }
io=0
echo
if [ -x "$SERVER" ]; then
    "$SERVER" --pool 2 --lifetime 600 --port-file "$TMP/port" >/dev/null 2>&1 &
    SPID=$!
    for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    if [ -s "$TMP/port" ]; then io=1; else echo "downloads: skipped: the local test server did not start"; fi
else
    echo "downloads: skipped: the local test server was not built (it needs libmicrohttpd: Debian libmicrohttpd-dev, then rebuild); the CPU part ran"
fi
if [ "$io" = 1 ]; then
    B="http://127.0.0.1:$(cat "$TMP/port")"
    for i in $(seq 1 "$NFILES"); do
        echo "$B/f/demo/file$i?size=1024&delay_ms=$((DMIN + i * 37 % DSPAN)) file$i"
    done >"$TMP/list"
    [ -z "${PK_DEMO_EXTRA_URL:-}" ] || echo "$PK_DEMO_EXTRA_URL extra" >>"$TMP/list"
    nurls=$(wc -l <"$TMP/list")
    fetch() {   # fetch NAME [taskset...] -- parkit fetch args: one JSON line into $TMP/NAME.json
        local name=$1; shift
        local pre=()
        while [ "$1" != -- ]; do pre+=("$1"); shift; done
        shift
        echo "+ ${pre[*]} parkit fetch $*" | cut -c1-110 >&2
        "${pre[@]}" "$P" fetch --format json --force --retries 0 -o "$TMP/dl-$name" "$@" >"$TMP/$name.json" 2>>"$TMP/fetch.err" || true
    }
    timed() {   # timed NAME CMD...: run CMD, append "NAME wall-seconds" to $TMP/io
        local name=$1 t0 t1; shift
        t0=$(date +%s%N); "$@"; t1=$(date +%s%N)
        echo "$name $(secs "$t0" "$t1")" >>"$TMP/io"
    }
    timed seq fetch seq -- -i "$TMP/list" --engine seq
    timed pool fetch pool -- -i "$TMP/list" --engine pool -j 64
    timed multi fetch multi -- -i "$TMP/list" --engine multi -j 256
    timed multi1 fetch multi1 taskset -c 0 -- -i "$TMP/list" --engine multi -j 256
    # P processes, each the sequential engine on its share of the list (every P-th line)
    for k in $(seq 0 $((NPROC - 1))); do
        awk -v k="$k" -v p="$NPROC" '(NR - 1) % p == k' "$TMP/list" >"$TMP/list$k"
    done
    processes() {
        local pids=() k
        for k in $(seq 0 $((NPROC - 1))); do
            fetch "proc$k" -- -i "$TMP/list$k" --engine seq &
            pids+=($!)
        done
        wait "${pids[@]}"   # (not the server)
    }
    timed procs processes
    jget() { jq -r "$2 // 0" "$TMP/$1.json" 2>/dev/null || echo 0; }
    wall() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/io"; }
    seq_t=$(wall seq)
    echo
    echo "downloads on $(hostname): $nurls files of 1 KiB with $DMIN-$((DMIN + DSPAN - 1)) ms latency from a local server; speedup = sequential / way"
    printf "%-28s %8s %10s %9s %9s %9s\n" way workers seconds speedup peak_MiB failures
    row() {   # row LABEL WORKERS SECONDS PEAK_KIB FAILURES
        printf "%-28s %8s %10.3f %9.2f %9.1f %9s\n" "$1" "$2" "$3" "$(awk -v a="$seq_t" -v b="$3" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
            "$(awk -v k="$4" 'BEGIN { print k / 1024 }')" "$5"
    }
    fails=0
    for e in seq pool multi multi1; do
        f=$(jget "$e" .failed); [ -s "$TMP/$e.json" ] || f=$nurls
        fails=$((fails + f))
        [ "$f" = 0 ] || failures+=("downloads: $f failed ($e)")
        case $e in
            seq) row "sequential" 1 "$(wall seq)" "$(jget seq .peak_rss_kib)" "$f" ;;
            pool) row "thread pool" 64 "$(wall pool)" "$(jget pool .peak_rss_kib)" "$f" ;;
            multi) row "event loop (curl multi)" 256 "$(wall multi)" "$(jget multi .peak_rss_kib)" "$f" ;;
            multi1) row "event loop, pinned to 1 CPU" 256 "$(wall multi1)" "$(jget multi1 .peak_rss_kib)" "$f" ;;
        esac
    done
    pf=0 pk=0
    for k in $(seq 0 $((NPROC - 1))); do
        f=$(jget "proc$k" .failed); [ -s "$TMP/proc$k.json" ] || f=$(wc -l <"$TMP/list$k")
        pf=$((pf + f)); pk=$((pk + $(jget "proc$k" .peak_rss_kib)))
    done
    [ "$pf" = 0 ] || failures+=("downloads: $pf failed ($NPROC processes)")
    row "$NPROC processes (sequential)" "$NPROC" "$(wall procs)" "$pk" "$pf"
    echo "(peak memory of the processes: summed)"
fi

# ---- 3. the matrix: which way of running wins for which kind of work ----
# CPU-bound: primes with the sieve; one worker = serial, concurrency on one core = T threads
# pinned to one CPU, parallel threads = T threads, parallel processes = T MPI ranks
med() { awk -F, -v k="$1" -v m="$2" 'NR == FNR && FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i + 1; next }
                                     $1 == k && $col["mode"] == m { print $col["seconds_median"] }' <(head -1 "$OUT") "$TMP/rows" | tail -1; }
# (awk reads all its input: an awk that exits at the first match can close the pipe while printf
# still writes, and printf's SIGPIPE (141) under pipefail and set -e ended the demo)
pc=$(printf '%s\n' "${cases[@]}" | awk '$1 == "primes" && !/naive/ && !done { print; done = 1 }')
# shellcheck disable=SC2086
run "primes@1cpu" taskset -c 0 "$P" $pc --mode omp --threads "$T"
cpu1=$(med primes serial)
cpuc=$(med primes@1cpu omp)
cput=$(med primes omp)
cpup=$(med primes mpi)
[ -n "$cpuc" ] || failures+=("primes, $T threads pinned to one CPU (no result)")
sp() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "the lesson, measured on $(hostname) ($T CPUs): speedup over one worker"
printf "%-24s %12s %24s %18s %20s\n" "" "one worker" "concurrency on one CPU" "parallel threads" "parallel processes"
printf "%-24s %12s %24s %18s %20s\n" "CPU-bound (primes)" 1.00 "$(sp "$cpu1" "$cpuc") ($T threads)" "$(sp "$cpu1" "$cput") ($T)" \
    "$( [ -n "$cpup" ] && echo "$(sp "$cpu1" "$cpup") ($T ranks)" || echo "- (no MPI)")"
if [ "$io" = 1 ]; then
    printf "%-24s %12s %24s %18s %20s\n" "IO-bound (downloads)" 1.00 "$(sp "$seq_t" "$(wall multi1)") (event loop)" \
        "$(sp "$seq_t" "$(wall pool)") (64)" "$(sp "$seq_t" "$(wall procs)") ($NPROC)"
fi
# the sentence, from the numbers
awk -v cc="$(sp "$cpu1" "$cpuc")" -v ct="$(sp "$cpu1" "$cput")" -v cp="$(sp "$cpu1" "${cpup:-0}")" \
    -v ic="$( [ "$io" = 1 ] && sp "$seq_t" "$(wall multi1)" || echo -)" -v it="$( [ "$io" = 1 ] && sp "$seq_t" "$(wall pool)" || echo -)" \
    -v ip="$( [ "$io" = 1 ] && sp "$seq_t" "$(wall procs)" || echo -)" -v T="$T" -v P="$NPROC" 'BEGIN {
    cpar = (cp + 0 > ct + 0) ? cp : ct; cway = (cp + 0 > ct + 0) ? T " processes" : T " threads"
    s = "Here, CPU-bound work "
    s = s ((cc + 0 < 1.25) ? "gains nothing from interleaving on one CPU (" cc "x)" : "gains " cc "x from interleaving on one CPU")
    s = s " and " ((cpar + 0 >= 0.75 * T) ? "scales with the cores: " cpar "x with " cway : "gains " cpar "x from " cway)
    if (ic != "-") {
        best = ic; bway = "the event loop on one CPU"
        if (it + 0 > best + 0) { best = it; bway = "the thread pool" }
        if (ip + 0 > best + 0) { best = ip; bway = P " processes" }
        s = s "; IO-bound work " ((ic + 0 >= 2) ? "gains " ic "x from concurrency even on one CPU" : "gains only " ic "x from concurrency on one CPU")
        s = s ", and " bway " wins it (" best "x): it waits, so concurrency, not cores, is what pays"
    }
    print s "."
}' | fold -s -w 100

if [ ${#failures[@]} -gt 0 ]; then
    echo "demo: FAILED: $(IFS=';'; echo "${failures[*]}")" >&2
    exit 1
fi
