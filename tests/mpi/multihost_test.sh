#!/usr/bin/env bash
# shellcheck disable=SC2015  # "A && ok || bad": ok always succeeds
# parkit across several hosts for real: three network namespaces joined by a bridge (in a fourth
# namespace, so the host's own network is untouched), Open MPI launched into them through
# netns_agent.sh, TCP transport only. Every kernel must match the serial answer.
# usage: multihost_test.sh PARKIT [MPIRUN]
set -uo pipefail
PARKIT=${1:?usage: multihost_test.sh PARKIT [MPIRUN]}
MPIRUN=${2:-mpirun}
HERE=$(cd "$(dirname "$0")" && pwd)
HOSTS=3
export PK_NETNS_PREFIX="pkh$$n"
BR="pkh$$sw"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset OMP_NUM_THREADS OMP_PROC_BIND OMP_PLACES
# Under LeakSanitizer: keep Open MPI's plugins loaded and unwind fully, so that its own
# allocations are attributed to its libraries and suppressed (tests/lsan.supp), not ours.
export OMPI_MCA_mca_base_component_disable_dlclose=1
[ -n "${LSAN_OPTIONS:-}" ] && export LSAN_OPTIONS="$LSAN_OPTIONS:fast_unwind_on_malloc=0"

command -v "$MPIRUN" >/dev/null || { echo "SKIP: $MPIRUN not found"; exit 77; }
# shellcheck source=jobs/lib-mpi.sh
. "$HERE/../../jobs/lib-mpi.sh"
pk_mpi_launcher "$MPIRUN"
[ "$PK_MPI_FLAVOUR" = openmpi ] || {
    echo "SKIP: the hosts are reached through Open MPI's rsh agent (--mca plm_rsh_agent); $MPIRUN is $PK_MPI_FLAVOUR, not Open MPI"
    exit 77
}
command -v ip >/dev/null && command -v unshare >/dev/null || { echo "SKIP: needs ip (iproute2) and unshare"; exit 77; }

down() {
    for i in $(seq 1 $HOSTS); do ip netns del "$PK_NETNS_PREFIX$i" 2>/dev/null; done
    ip netns del "$BR" 2>/dev/null
    return 0
}
trap down EXIT

TMP0=$(mktemp)
trap 'down; rm -f "$TMP0"' EXIT
if ! ip netns add "$BR" 2>/dev/null; then
    echo "SKIP: cannot create network namespaces here (needs root and CAP_SYS_ADMIN)"
    exit 77
fi
ip -n "$BR" link set lo up
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up
for i in $(seq 1 $HOSTS); do
    ns=$PK_NETNS_PREFIX$i
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "pkv$$h$i" netns "$ns" type veth peer name "port$i" netns "$BR"
    ip -n "$ns" link set "pkv$$h$i" name eth0
    ip -n "$ns" addr add "10.213.0.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$BR" link set "port$i" master br0
    ip -n "$BR" link set "port$i" up
done
# the hosts see each other
if ! ip netns exec "${PK_NETNS_PREFIX}1" true 2>"$TMP0"; then
    echo "SKIP: cannot run commands inside a network namespace here: $(cat "$TMP0")"
    exit 77
fi
if command -v ping >/dev/null; then
    ip netns exec "${PK_NETNS_PREFIX}1" ping -c 1 -W 2 10.213.0.3 >/dev/null 2>&1 || { echo "FAIL: namespaces cannot reach each other"; exit 1; }
fi

TMP=$(mktemp -d)
trap 'down; rm -rf "$TMP" "$TMP0"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
col() { awk -F, -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i } NR == 2 { print $c }' <<<"$1"; }

# mpirun itself runs on "node1"; orteds are started on the others through the agent
hosts() { local h=""; for i in $(seq 1 $HOSTS); do h="$h,10.213.0.$i:$1"; done; echo "${h#,}"; }
across() {   # across RANKS_PER_HOST parkit-args...
    local ppn=$1; shift
    ip netns exec "${PK_NETNS_PREFIX}1" unshare --uts sh -c 'hostname node1; exec "$@"' sh \
        "$MPIRUN" -q --host "$(hosts "$ppn")" -np $((HOSTS * ppn)) \
        --mca plm_rsh_agent "$HERE/netns_agent.sh" --mca btl tcp,self \
        --mca btl_tcp_if_include 10.213.0.0/24 --mca oob_tcp_if_include 10.213.0.0/24 \
        --bind-to none --mca mpi_yield_when_idle 1 "$PARKIT" "$@"
}

out=$(across 1 where --threads 2 2>"$TMP/err")
nodes=$(printf '%s\n' "$out" | sed -n 's/^host=\([^ ]*\) .*/\1/p' | sort -u | paste -sd,)
[ "$nodes" = "node1,node2,node3" ] && ok || bad "where across hosts: '$nodes' $(head -c 300 "$TMP/err")"

perl -e 'srand(5); print pack("d<*", map { (rand() - 0.5) * 10 ** int(rand(20) - 10) } 1..100001)' >"$TMP/x.f64"
cases=(
    "count 10000019"
    "sum 1000003"
    "sum 1000003 --dtype f64 --distribute local"
    "primes 10000019 --sum"
    "primes 20011 --algo naive"
    "primes 100000000000 --algo lmo"
    "isprime 2 561 3825123056546413051 18446744073709551557"
    "primorial 200003"
)
for c in "${cases[@]}"; do
    # shellcheck disable=SC2086
    ref=$("$PARKIT" $c --mode serial --format csv)
    for ppn in 1 2; do
        # shellcheck disable=SC2086
        out=$(across "$ppn" $c --threads 1 --format csv 2>"$TMP/err")
        if [ "$(col "$out" result)" = "$(col "$ref" result)" ] && [ "$(col "$out" verified)" = true ] &&
           [ "$(col "$out" ranks)" = $((HOSTS * ppn)) ]; then ok
        else bad "$HOSTS hosts x $ppn ranks: $c -> '$(col "$out" result)' want '$(col "$ref" result)' $(head -c 300 "$TMP/err")"; fi
    done
done
# a bad argument across hosts: one message, exit 2, no hang
across 1 count abc >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 2 ] && [ "$(grep -c '^parkit:' "$TMP/err")" = 1 ] && ok || bad "bad argument across hosts: rc=$rc $(cat "$TMP/err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
