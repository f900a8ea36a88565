#!/bin/bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# Issue 13: measurements people can trust.  Every sample kept and its statistics checked
# against values computed here independently; the repeat policy; the machine's state and its
# warnings on real runs (oversubscription, two workers bound to one CPU); problem classes;
# results/compare.py on hand-made CSVs with known verdicts.
#   measure_tests.sh PARKIT GROUP [MPIEXEC]   (GROUP: stats | machine | classes | compare)
set -uo pipefail
PARKIT=${1:?usage: measure_tests.sh PARKIT GROUP}
GROUP=${2:?group}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export OMP_NUM_THREADS=2
unset OMP_PROC_BIND OMP_PLACES
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to check the statistics"; exit 77; }
HAVE_MPI=""
if [ -n "${3:-}" ]; then
    mpi_test_env "$3"
    HAVE_MPI=1
    export OMP_NUM_THREADS=2
fi

# check_stats JSON: the record's statistics against its own samples, recomputed here
check_stats() {
    python3 - "$1" <<'PY'
import json, math, statistics, sys
d = json.loads(sys.argv[1]); s = d["seconds"]; x = s["samples"]; n = len(x)
assert d["repeats"] == n, ("repeats", d["repeats"], n)
srt = sorted(x)
def close(a, b): return abs(a - b) <= 1e-12 + 1e-9 * abs(b)
assert close(s["min"], srt[0]) and close(s["max"], srt[-1]), "min/max"
assert close(s["median"], statistics.median(x)), "median"
assert close(s["mean"], statistics.fmean(x)), "mean"
assert close(s["sd"], statistics.stdev(x) if n > 1 else 0.0), ("sd", s["sd"])
# order-statistic interval of the median: the largest k with P(Bin(n, 1/2) <= k - 1) <= 0.025
cdf = lambda j: sum(math.comb(n, i) for i in range(j + 1)) / 2 ** n
k = 1
while k + 1 <= (n + 1) // 2 and cdf(k) <= 0.025:
    k += 1
level = 0.0 if n < 2 else 1 - 2 * cdf(k - 1)
assert close(s["ci_low"], srt[k - 1]) and close(s["ci_high"], srt[n - k]), ("ci", k, s)
assert close(s["ci_level"], level), ("level", s["ci_level"], level)
PY
}

group_stats() {
    for r in 1 2 5 6 7 10 25; do
        run "$PARKIT" count 1e5 --repeat "$r" --format json
        [ "$RC" = 0 ] && check_stats "$OUT" && [ "$(jq -r .repeat_policy <<<"$OUT")" = "fixed: $r runs" ] &&
            ok || bad "statistics of --repeat $r: $OUT"
    done
    # the default: auto, at most 10 runs within 1 s
    run "$PARKIT" count 1e4 --format json
    [ "$RC" = 0 ] && [ "$(jq .repeats <<<"$OUT")" = 10 ] && check_stats "$OUT" &&
        [[ "$(jq -r .repeat_policy <<<"$OUT")" == "auto: until 1s and 3 runs (at most 10)" ]] && ok || bad "auto repeats: $OUT"
    # (the rule for 3 runs at least is tested in unit.test_measure, without a clock)
    # a run longer than the budget is done once
    run "$PARKIT" primes 1e7 --algo sieve --budget 0.000001 --format json
    [ "$RC" = 0 ] && [ "$(jq .repeats <<<"$OUT")" = 1 ] && ok || bad "--budget: $(jq .repeats <<<"$OUT")"
    # CSV: the same statistics, the samples as a list
    run "$PARKIT" sum 1e5 --repeat 6 --format csv
    local n; n=$(col "$OUT" seconds_samples | tr ';' '\n' | grep -c .)
    [ "$RC" = 0 ] && [ "$n" = 6 ] && [ "$(col "$OUT" repeats)" = 6 ] && [ -n "$(col "$OUT" seconds_ci_low)" ] &&
        [ -n "$(col "$OUT" seconds_sd)" ] && [ -n "$(col "$OUT" seconds_mean)" ] && ok || bad "csv statistics: $OUT"
    # MPI: the ranks agree on every repeat (a mismatch would hang), one row
    if [ -n "$HAVE_MPI" ]; then
        run timeout 120 "${MPI[@]}" "$NP" 2 "$PARKIT" count 1e6 --threads 1 --format json
        [ "$RC" = 0 ] && check_stats "$OUT" && ok || bad "statistics under MPI: rc=$RC $OUT $ERR"
    fi
    # text: the spread is shown
    run "$PARKIT" count 1e5 --repeat 8
    [ "$RC" = 0 ] && [ -n "$(field 'Median CI (s)')" ] && [ -n "$(field 'Mean +- sd (s)')" ] &&
        [[ "$(field Repeats)" == "8 (fixed: 8 runs)" ]] && ok || bad "text spread: $OUT"
    # bad values
    for bad_arg in "--repeat 0" "--repeat x" "--budget 0" "--budget -1" "--budget abc" "--repeat 3 --budget 2"; do
        # shellcheck disable=SC2086
        run "$PARKIT" count 10 $bad_arg
        [ "$RC" = 2 ] && [ "$(grep -c . <<<"$ERR")" = 1 ] && [ -z "$OUT" ] && ok || bad "$bad_arg: rc=$RC $ERR"
    done
}

group_machine() {
    local cpus; cpus=$(nproc)
    run "$PARKIT" count 1e5 --format json
    python3 - "$OUT" <<'PY' && ok || bad "machine fields: $OUT"
import json, sys
m = json.loads(sys.argv[1])["machine"]
for k in ("governor", "boost", "thp", "load", "cpu_quota", "cpus", "workers_per_cpu", "bound_shared",
          "smt", "numa_nodes", "numa_nodes_total", "warnings"):
    assert k in m, k
assert m["thp"] in ("always", "madvise", "never", "n/a"), m["thp"]
assert m["boost"] in ("on", "off", "n/a") and m["smt"] in ("off", "distinct cores", "siblings in use", "unbound")
assert m["cpus"] >= 1 and m["numa_nodes"] >= 1 and m["load"] >= 0
PY
    # CSV carries the same, one column each
    run "$PARKIT" count 1e5 --format csv
    for c in machine_governor machine_boost machine_thp machine_load machine_cpus machine_workers_per_cpu \
             machine_bound_shared machine_smt machine_numa_nodes; do
        [ -n "$(col "$OUT" "$c")" ] && ok || bad "csv column $c empty: $OUT"
    done
    # oversubscribed: 4x the CPUs this process may use
    local many=$((cpus * 4))
    PARKIT_WARNINGS=on run "$PARKIT" count 1e6 --threads "$many" --format json
    [ "$RC" = 0 ] && grep -q "^parkit: warning: $many workers on $cpus CPUs\? of .*(oversubscribed)" <<<"$ERR" &&
        python3 -c 'import json,sys; m=json.loads(sys.argv[1])["machine"]; assert m["workers_per_cpu"] > 1 and "oversubscribed" in m["warnings"]' "$OUT" &&
        ok || bad "oversubscribed --threads $many: rc=$RC $ERR"
    # a one-CPU affinity mask: 2 threads on 1 CPU
    if command -v taskset >/dev/null && [ "$cpus" -ge 1 ]; then
        PARKIT_WARNINGS=on run taskset -c 0 "$PARKIT" count 1e6 --threads 2 --format csv
        [ "$RC" = 0 ] && grep -q "2 workers on 1 CPU of" <<<"$ERR" && [ "$(col "$OUT" machine_cpus)" = 1 ] &&
            ok || bad "taskset -c 0: $ERR"
    fi
    # two threads bound to the same CPU
    PARKIT_WARNINGS=on OMP_PROC_BIND=true OMP_PLACES='{0}' run "$PARKIT" count 1e6 --threads 2 --format csv
    [ "$RC" = 0 ] && grep -q "^parkit: warning: 2 workers are bound to the same CPU 0 " <<<"$ERR" &&
        [ "$(col "$OUT" machine_bound_shared)" = 1 ] && ok || bad "OMP_PLACES={0}: $ERR $OUT"
    # parkit where says it too (placement only: no load or clock warnings)
    PARKIT_WARNINGS=on OMP_PROC_BIND=true OMP_PLACES='{0}' run "$PARKIT" where --threads 2
    [ "$RC" = 0 ] && grep -q "^parkit: warning: 2 workers are bound to the same CPU 0 " <<<"$ERR" &&
        ! grep -q "load average" <<<"$ERR" && ok || bad "where with OMP_PLACES={0}: $ERR"
    # bound to different CPUs: no such warning
    if [ "$cpus" -ge 2 ]; then
        PARKIT_WARNINGS=on OMP_PROC_BIND=close OMP_PLACES='{0},{1}' run "$PARKIT" count 1e6 --threads 2 --format csv
        [ "$RC" = 0 ] && ! grep -q "bound to the same CPU" <<<"$ERR" && [ "$(col "$OUT" machine_bound_shared)" = 0 ] &&
            ok || bad "OMP_PLACES={0},{1}: $ERR"
    fi
    # warnings off: nothing on stderr, the row still says it
    PARKIT_WARNINGS=off run "$PARKIT" count 1e6 --threads "$many" --format json
    [ "$RC" = 0 ] && [ -z "$ERR" ] && grep -q oversubscribed <<<"$(jq -r .machine.warnings <<<"$OUT")" && ok ||
        bad "PARKIT_WARNINGS=off: $ERR"
    # warnings are one line each, and name no rank more than once under MPI
    if [ -n "$HAVE_MPI" ]; then
        PARKIT_WARNINGS=on run timeout 120 "${MPI[@]}" "$NP" 3 \
            "$PARKIT" count 1e6 --threads "$cpus" --format csv
        [ "$RC" = 0 ] && [ "$(grep -c 'oversubscribed' <<<"$ERR")" = 1 ] && ok || bad "MPI warnings once: $ERR"
    fi
    # sum: the huge-page share of its array and the cache warning
    PARKIT_WARNINGS=on run "$PARKIT" sum 1e5 --format json
    [ "$RC" = 0 ] && grep -q "smaller than 4x the last-level cache" <<<"$ERR" &&
        [ "$(jq '.details.huge_page_fraction >= 0 and .details.huge_page_fraction <= 1' <<<"$OUT")" = true ] &&
        ok || bad "sum small array: $ERR $OUT"
}

group_classes() {
    local k want
    for k in count:100000000 primes:10000000 primorial:100000 sum:1000000; do
        run "$PARKIT" "${k%%:*}" --class S --format csv
        want=${k#*:}
        [ "$RC" = 0 ] && [ "$(col "$OUT" n)" = "$want" ] && [ "$(col "$OUT" class)" = S ] &&
            [ "$(col "$OUT" verified)" = true ] && ok || bad "${k%%:*} --class S: rc=$RC $OUT $ERR"
    done
    run "$PARKIT" count 10 --format csv
    [ -z "$(col "$OUT" class)" ] && ok || bad "no class: $(col "$OUT" class)"
    run "$PARKIT" primes --help
    grep -q -- '--class S|W|A|B|C .*S=1e7 W=1e9' <<<"$OUT" && ok || bad "primes --help lists the classes"
    run "$PARKIT" isprime --help
    ! grep -q -- '--class' <<<"$OUT" && ok || bad "isprime --help lists --class"
    for args in "count --class Z" "count --class SS" "count 10 --class S" "isprime 7 --class S" "where --class S"; do
        # shellcheck disable=SC2086
        run "$PARKIT" $args
        [ "$RC" = 2 ] && [ "$(grep -c . <<<"$ERR")" = 1 ] && [[ "$ERR" == parkit:* ]] && ok || bad "$args: rc=$RC $ERR"
    done
}

# compare: hand-made CSVs with samples whose answer is known
csv_rows() {   # csv_rows FILE kernel:n:mode:ranks:threads:verified:samples ...
    local f=$1; shift
    echo "kernel,n,mode,ranks,threads,verified,seconds_median,seconds_samples" >"$f"
    local spec
    for spec in "$@"; do
        IFS=: read -r k n m r t v s <<<"$spec"
        local med; med=$(tr ';' '\n' <<<"$s" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
        echo "$k,$n,$m,$r,$t,$v,$med,$s" >>"$f"
    done
}

group_compare() {
    local C=$ROOT/results/compare.py
    # 1. complete separation, 5 vs 5: U = 0, exact p = 2 / C(10, 5) = 2/252
    csv_rows "$TMP/a.csv" "sum:1000:omp:1:2:true:1.0;1.1;1.2;1.3;1.4" "count:10:omp:1:2:true:2;2.1;2.2;2.3;2.4"
    csv_rows "$TMP/b.csv" "sum:1000:omp:1:2:true:1.5;1.6;1.7;1.8;1.9" "count:10:omp:1:2:true:1.0;1.1;1.2;1.3;1.4"
    run python3 "$C" "$TMP/a.csv" "$TMP/b.csv" --format csv
    python3 - "$OUT" <<'PY' && ok || bad "separated samples: $OUT $ERR"
import csv, io, sys
rows = {r["kernel"]: r for r in csv.DictReader(io.StringIO(sys.argv[1]))}
s, c = rows["sum"], rows["count"]
assert abs(float(s["p_value"]) - 2 / 252) < 1e-6 and s["verdict"] == "B slower" and s["test"] == "exact", s
assert abs(float(s["ratio"]) - 1.7 / 1.2) < 1e-5 and float(s["u"]) == 0, s
assert float(s["ratio_ci_low"]) > 1 and float(s["ratio_ci_low"]) <= float(s["ratio"]) <= float(s["ratio_ci_high"]), s
assert c["verdict"] == "B faster" and abs(float(c["ratio"]) - 1.2 / 2.2) < 1e-5, c
PY
    [ "$RC" = 0 ] && ok || bad "compare exit $RC"
    # 2. interleaved samples: p from every one of the C(10, 5) arrangements, computed here
    csv_rows "$TMP/a.csv" "sum:1000:omp:1:2:true:1.0;1.2;1.4;1.6;1.8"
    csv_rows "$TMP/b.csv" "sum:1000:omp:1:2:true:1.1;1.3;1.5;1.7;1.9"
    run python3 "$C" "$TMP/a.csv" "$TMP/b.csv" --format csv
    python3 - "$OUT" <<'PY' && ok || bad "interleaved samples: $OUT"
import csv, io, itertools, sys
r = next(csv.DictReader(io.StringIO(sys.argv[1])))
a = [1.0, 1.2, 1.4, 1.6, 1.8]; b = [1.1, 1.3, 1.5, 1.7, 1.9]
allv = sorted(a + b)
u = lambda grp: sum(1 for x in grp for y in allv if y not in grp and x > y)
u_obs = u(a)
us = [u(list(g)) for g in itertools.combinations(allv, 5)]
lo = min(u_obs, 25 - u_obs)
p = 2 * sum(1 for x in us if x <= lo) / len(us)
assert abs(float(r["p_value"]) - min(1, p)) < 1e-6, (r["p_value"], p)
assert r["verdict"] == "no significant difference" and float(r["u"]) == u_obs, r
PY
    # 3. ties and many samples: the normal approximation with tie correction, computed here
    local sa sb
    sa=$(python3 -c 'print(";".join(str(1 + (i % 7) / 10) for i in range(40)))')
    sb=$(python3 -c 'print(";".join(str(1.05 + (i % 7) / 10) for i in range(40)))')
    csv_rows "$TMP/a.csv" "primes:1e9:mpi:2:1:true:$sa"
    csv_rows "$TMP/b.csv" "primes:1e9:mpi:2:1:true:$sb"
    run python3 "$C" "$TMP/a.csv" "$TMP/b.csv" --format csv
    python3 - "$OUT" "$sa" "$sb" <<'PY' && ok || bad "normal approximation: $OUT"
import csv, io, math, sys
r = next(csv.DictReader(io.StringIO(sys.argv[1])))
a = [float(x) for x in sys.argv[2].split(";")]; b = [float(x) for x in sys.argv[3].split(";")]
n1, n2 = len(a), len(b)
# U by counting pairs (a tie counts one half)
u1 = sum((x > y) + 0.5 * (x == y) for x in a for y in b)
vals = a + b; n = n1 + n2
t = sum(vals.count(v) ** 3 - vals.count(v) for v in set(vals))
var = n1 * n2 / 12 * ((n + 1) - t / (n * (n - 1)))
z = (abs(u1 - n1 * n2 / 2) - 0.5) / math.sqrt(var)
p = math.erfc(z / math.sqrt(2))
assert r["test"] == "normal" and abs(float(r["u"]) - u1) < 1e-9, (r, u1)
assert abs(float(r["p_value"]) - p) < 1e-4, (r["p_value"], p)
assert r["verdict"] == ("B slower" if p < 0.05 else "no significant difference"), r
PY
    # 4. rows without samples pool their medians; too few for 5%; unverified rows are left out
    printf 'kernel,n,mode,ranks,threads,verified,seconds_median\nsum,1,omp,1,2,true,1\nsum,1,omp,1,2,true,1.1\nsum,1,omp,1,2,true,1.2\nsum,1,omp,1,2,false,0.001\n' >"$TMP/a.csv"
    printf 'kernel,n,mode,ranks,threads,verified,seconds_median\nsum,1,omp,1,2,true,2\nsum,1,omp,1,2,true,2.1\nsum,1,omp,1,2,true,2.2\n' >"$TMP/b.csv"
    run python3 "$C" "$TMP/a.csv" "$TMP/b.csv"
    [ "$RC" = 0 ] && grep -q "too few samples (3 vs 3 samples" <<<"$OUT" && grep -q "1 in A, 0 in B" <<<"$OUT" && ok ||
        bad "pooled medians: $OUT"
    # 5. bad inputs: one line, exit 2; nothing in common: exit 1
    run python3 "$C" "$TMP/missing.csv" "$TMP/b.csv"
    [ "$RC" = 2 ] && [ "$(grep -c . <<<"$ERR")" = 1 ] && grep -q "cannot read" <<<"$ERR" && ok || bad "missing file: $RC $ERR"
    printf 'a,b\n1,2\n' >"$TMP/x.csv"
    run python3 "$C" "$TMP/x.csv" "$TMP/b.csv"
    [ "$RC" = 2 ] && grep -q "not a parkit results CSV (no column kernel)" <<<"$ERR" && ok || bad "foreign csv: $ERR"
    printf 'kernel,n,mode,ranks,threads,verified,seconds_median\nsum,1,omp,1,2,true,abc\n' >"$TMP/y.csv"
    run python3 "$C" "$TMP/y.csv" "$TMP/b.csv"
    [ "$RC" = 2 ] && grep -q "y.csv:2: seconds are not numbers" <<<"$ERR" && ok || bad "bad number: $ERR"
    printf 'kernel,n,mode,ranks,threads,verified,seconds_median\ncount,1,omp,1,2,true,1\n' >"$TMP/z.csv"
    run python3 "$C" "$TMP/z.csv" "$TMP/b.csv"
    [ "$RC" = 1 ] && grep -q "share no configuration" <<<"$ERR" && ok || bad "nothing in common: $RC $ERR"
    # 6. real rows from this build: two schedules of the same run compare
    "$PARKIT" count 1e6 --schedule static --repeat 5 --results "$TMP/s.csv" --format csv >/dev/null &&
        "$PARKIT" count 1e6 --schedule dynamic --repeat 5 --results "$TMP/d.csv" --format csv >/dev/null
    run python3 "$C" "$TMP/s.csv" "$TMP/d.csv" --format csv
    [ "$RC" = 0 ] && [ "$(python3 -c 'import csv,io,sys; r=next(csv.DictReader(io.StringIO(sys.argv[1]))); print(r["a_samples"], r["b_samples"])' "$OUT")" = "5 5" ] &&
        ok || bad "real rows: $OUT $ERR"
}

"group_$GROUP"
summary
