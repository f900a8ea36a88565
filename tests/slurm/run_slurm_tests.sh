#!/bin/bash
# Submit every jobs/slurm/*.sbatch script to a throw-away Slurm cluster and check what they append.
#
#   run_slurm_tests.sh PARKIT SOURCE_DIR
#
# Cluster 1: one node with 2 CPUs  -> strong, weak, omp-sweep, array (+ one job that must fail).
# Cluster 2: two fake nodes n1, n2 with 2 CPUs each -> hybrid across both nodes (parkit where must
#            show ranks on n1 and n2), strong and weak across nodes.
# Every cluster is started from scratch in a temporary folder (tests/slurm/cluster.sh) and stopped
# by an EXIT trap, also when a check fails. Exit 77 (ctest SKIP_RETURN_CODE) when Slurm cannot
# start here. Environment: PK_SLURM_TIMEOUT (seconds per batch of jobs, default 120),
# PK_SLURM_KEEP=1 keeps the temporary folder for inspection.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 PARKIT SOURCE_DIR" >&2; exit 2; }
PARKIT=$(realpath "$1")
SRC=$(realpath "$2")
JOBS=$SRC/jobs/slurm
HERE=$SRC/tests/slurm
TIMEOUT=${PK_SLURM_TIMEOUT:-120}
SKIP=77

skip() { echo "SKIP: $*"; exit "$SKIP"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ -x "$PARKIT" ] || fail "parkit binary not found at $PARKIT"
[ "$(id -u)" = 0 ] || skip "starting munged/slurmd here needs root"
for cmd in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel srun unshare python3 ss; do
    command -v "$cmd" >/dev/null || skip "$cmd not installed (Debian: munge slurmctld slurmd slurm-client util-linux iproute2)"
done
# shellcheck source=tests/slurm/cluster.sh
. "$HERE/cluster.sh"

BASE=$(mktemp -d "${TMPDIR:-/tmp}/pk-slurm.XXXXXX")
chmod 755 "$BASE"   # munged insists on o+x along the path to its socket
CLUSTER=$BASE/cluster
failures=0
cleanup() {
    local rc=$?
    pk_cluster_down "$CLUSTER"
    if [ "${PK_SLURM_KEEP:-0}" = 1 ] || { [ "$rc" != 0 ] && [ "$rc" != "$SKIP" ]; }; then
        echo "slurm test: files kept in $BASE"
    else
        rm -rf "$BASE"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_cluster() {   # NODES CPUS
    if ! pk_cluster_up "$CLUSTER" "$1" "$2"; then
        tail -n 5 "$CLUSTER"/log/*.log 2>/dev/null || true
        [ "$failures" -eq 0 ] || fail "$failures check(s) failed, then the next cluster did not start"
        skip "could not start a Slurm cluster ($1 node(s)) in $CLUSTER"
    fi
    echo "== Slurm up: $(sinfo -h -o '%N %T %c CPUs' | tr '\n' ' ')"
}

# submit NAME SCRIPT [sbatch options...]: prints the job id. Parameters travel in the environment.
submit() {
    local name=$1 script=$2 id
    shift 2
    id=$(sbatch --parsable --chdir="$WORK" --job-name="$name" --output="$WORK/$name-%j.out" \
        --time=5 "$@" "$JOBS/$script") || fail "sbatch $script was refused"
    echo "${id%%;*}"
}

# wait_jobs ID...: poll squeue (sbatch --wait polls slowly), bounded by TIMEOUT seconds.
wait_jobs() {
    local ids deadline
    ids=$(IFS=,; echo "$*")
    deadline=$((SECONDS + TIMEOUT))
    while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            squeue -j "$ids" || true
            scancel "${@}" 2>/dev/null || true
            fail "jobs $ids still queued or running after ${TIMEOUT}s"
        fi
        sleep 0.5
    done
}

# job_state ID: the distinct final states of a job (every task of an array), e.g. "COMPLETED".
job_state() {
    scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort -u | tr '\n' ' ' | sed 's/ $//'
}

check() {   # NAME COMMAND...: run one check, report it, count failures
    local name=$1
    shift
    if "$@"; then
        echo "PASS: $name"
    else
        echo "FAIL: $name"
        failures=$((failures + 1))
    fi
}

expect_state() {   # ID STATE NAME: the job ended in STATE, else show its output
    local st
    st=$(job_state "$1")
    if [ "$st" != "$2" ]; then
        echo "job $1 ($3) ended $st, expected $2; its output:"
        cat "$WORK/$3"-*.out 2>/dev/null | tail -n 30
        return 1
    fi
}

rows() { python3 "$HERE/check_rows.py" "$@"; }

# ---------------------------------------------------------------- cluster 1: one node, 2 CPUs
WORK=$BASE/one
mkdir -p "$WORK"
start_cluster 1 2
export PARKIT REPEAT=1 WARMUP=0
N=1000000
strong=$(KERNEL=primes N=$N RESULTS=$WORK/strong.csv submit strong strong.sbatch --nodes=1 --ntasks=2 --cpus-per-task=1)
weak=$(KERNEL=count N_PER_WORKER=5e5 RESULTS=$WORK/weak.csv submit weak weak.sbatch --nodes=1 --ntasks=2 --cpus-per-task=1)
sweep=$(KERNEL=sum N=$N RESULTS=$WORK/sweep.csv SCHEDULES="static dynamic" submit sweep omp-sweep.sbatch --nodes=1 --ntasks=1 --cpus-per-task=2)
array=$(KERNELS="count sum primes" SIZES="1e5 10^6" RESULTS=$WORK/array.csv submit array array.sbatch --array=0-5 --ntasks=1 --cpus-per-task=1)
bad=$(KERNEL=no-such-kernel N=100 RANKS=1 SERIAL=0 RESULTS=$WORK/bad.csv submit bad strong.sbatch --nodes=1 --ntasks=1)
echo "== [${SECONDS}s] submitted strong=$strong weak=$weak omp-sweep=$sweep array=$array must-fail=$bad"
wait_jobs "$strong" "$weak" "$sweep" "$array" "$bad"

check "strong.sbatch ran" expect_state "$strong" COMPLETED strong
check "strong.sbatch rows: serial + 1 and 2 ranks, primes($N) right" \
    rows "$WORK/strong.csv" --job-ids "$strong" --nodelist n1 --cpus-per-task 1 \
    --expect "primes:$N:serial:1x1" "primes:$N:hybrid:1x1" "primes:$N:hybrid:2x1"
check "weak.sbatch ran" expect_state "$weak" COMPLETED weak
check "weak.sbatch rows: N grows with the ranks" \
    rows "$WORK/weak.csv" --job-ids "$weak" --nodelist n1 \
    --expect "count:500000:hybrid:1x1" "count:1000000:hybrid:2x1"
check "omp-sweep.sbatch ran" expect_state "$sweep" COMPLETED sweep
check "omp-sweep.sbatch rows: serial, 1 and 2 threads x 2 schedules" \
    rows "$WORK/sweep.csv" --job-ids "$sweep" --cpus-per-task 2 \
    --expect "sum:$N:serial:1x1" "sum:$N:omp:1x1" "sum:$N:omp:1x2" "sum:$N:omp:1x1" "sum:$N:omp:1x2"
check "array.sbatch ran (6 tasks)" expect_state "$array" COMPLETED array
check "array.sbatch rows: one per task, whole lines despite concurrent appends" \
    rows "$WORK/array.csv" --array-tasks 0-5 \
    --expect count:100000:omp:1x1 count:1000000:omp:1x1 sum:100000:omp:1x1 sum:1000000:omp:1x1 \
    primes:100000:omp:1x1 primes:1000000:omp:1x1
check "a job whose parkit run fails ends FAILED (set -e)" expect_state "$bad" FAILED bad
pk_cluster_down "$CLUSTER"
rm -rf "$CLUSTER"

# ------------------------------------------------------- cluster 2: two fake nodes, 2 CPUs each
WORK=$BASE/two
mkdir -p "$WORK"
start_cluster 2 2
# Both fake nodes share this host: keep Open MPI on TCP over loopback (shared-memory segment
# names of ranks on the "two nodes" would collide).
export OMPI_MCA_btl=tcp,self OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
hybrid=$(KERNEL=primes N=$N RESULTS=$WORK/hybrid.csv submit hybrid hybrid.sbatch --nodes=2 --ntasks-per-node=1 --cpus-per-task=2)
strong2=$(KERNEL=sum N=$N RESULTS=$WORK/strong.csv SERIAL=0 submit strong strong.sbatch --nodes=2 --ntasks-per-node=2 --cpus-per-task=1)
weak2=$(KERNEL=primes N_PER_WORKER=250000 RESULTS=$WORK/weak.csv submit weak weak.sbatch --nodes=2 --ntasks-per-node=1 --cpus-per-task=1)
echo "== [${SECONDS}s] submitted hybrid=$hybrid strong=$strong2 weak=$weak2"
wait_jobs "$hybrid" "$strong2" "$weak2"

where_on_both_nodes() {   # every rank x thread listed, rank 0 on n1 and rank 1 on n2
    local out=$WORK/hybrid-$hybrid.out lines
    lines=$(grep -E '^host=' "$out" || true)
    echo "$lines"
    grep -qE '^host=n1 rank=0/2 thread=0/2 ' <<<"$lines" &&
        grep -qE '^host=n1 rank=0/2 thread=1/2 ' <<<"$lines" &&
        grep -qE '^host=n2 rank=1/2 thread=0/2 ' <<<"$lines" &&
        grep -qE '^host=n2 rank=1/2 thread=1/2 ' <<<"$lines" &&
        [ "$(wc -l <<<"$lines")" -eq 4 ]
}
check "hybrid.sbatch ran across n1,n2" expect_state "$hybrid" COMPLETED hybrid
check "hybrid.sbatch: parkit where shows 2 ranks x 2 threads on n1 and n2" where_on_both_nodes
check "hybrid.sbatch rows: 2 ranks x 2 threads on n[1-2]" \
    rows "$WORK/hybrid.csv" --job-ids "$hybrid" --nodelist "n[1-2]" --cpus-per-task 2 \
    --expect "primes:$N:hybrid:2x2"
check "strong.sbatch across 2 nodes ran" expect_state "$strong2" COMPLETED strong
check "strong.sbatch across 2 nodes: 1, 2, 4 ranks" \
    rows "$WORK/strong.csv" --job-ids "$strong2" --nodelist "n[1-2]" \
    --expect "sum:$N:hybrid:1x1" "sum:$N:hybrid:2x1" "sum:$N:hybrid:4x1"
check "weak.sbatch across 2 nodes ran" expect_state "$weak2" COMPLETED weak
check "weak.sbatch across 2 nodes: 1 and 2 ranks" \
    rows "$WORK/weak.csv" --job-ids "$weak2" --nodelist "n[1-2]" \
    --expect "primes:250000:hybrid:1x1" "primes:500000:hybrid:2x1"

[ "$failures" -eq 0 ] || fail "$failures Slurm check(s) failed"
echo "slurm tests: all checks passed in ${SECONDS}s"
