#!/bin/bash
# Fake hosts for multi-host mpirun on one machine: network namespaces pkh1..pkhN (10.231.0.i/24)
# joined by a bridge in its own namespace (pkbr); the root namespace is left untouched. Needs root
# and iproute2.
#
#   jobs/mpirun/netns.sh up 2            # create pkh1, pkh2
#   jobs/mpirun/netns.sh run 2 1 prog..  # mpirun -np 2 (1 rank per host) across them, from pkh1
#   jobs/mpirun/netns.sh down 2
#
# `run` starts mpirun inside pkh1 (its daemons must reach it on 10.231.0.0/24) and lets Open MPI
# reach the other hosts through jobs/mpirun/nsagent.sh instead of ssh. Ranks run with hostname
# node<i>, TCP between hosts, no binding, and yield when idle (more ranks than cores here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?usage: $0 up|down N | run N RANKS_PER_HOST PROG [ARGS...]}
n=${2:?usage: $0 up|down N | run N RANKS_PER_HOST PROG [ARGS...]}

case $cmd in
up)
    ip netns add pkbr
    ip -n pkbr link set lo up
    ip -n pkbr link add br0 type bridge
    ip -n pkbr link set br0 up
    for i in $(seq 1 "$n"); do
        ip netns add "pkh$i"
        ip -n "pkh$i" link set lo up
        ip link add "pkv$i" netns "pkh$i" type veth peer name "pkp$i" netns pkbr
        ip -n "pkh$i" link set "pkv$i" name eth0
        ip -n "pkh$i" addr add "10.231.0.$i/24" dev eth0
        ip -n "pkh$i" link set eth0 up
        ip -n pkbr link set "pkp$i" master br0
        ip -n pkbr link set "pkp$i" up
    done
    echo "netns: hosts pkh1..pkh$n up on 10.231.0.0/24"
    ;;
down)
    for i in $(seq 1 "$n"); do ip netns del "pkh$i" 2>/dev/null || true; done
    ip netns del pkbr 2>/dev/null || true
    echo "netns: removed pkh1..pkh$n"
    ;;
run)
    ppn=${3:?usage: $0 run N RANKS_PER_HOST PROG [ARGS...]}
    shift 3
    hosts=""
    for i in $(seq 1 "$n"); do hosts+="10.231.0.$i:$ppn,"; done
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    set -x
    exec ip netns exec pkh1 unshare --uts sh -c 'hostname node1 && exec "$@"' sh \
        mpirun --host "${hosts%,}" -np $((n * ppn)) --mca plm_rsh_agent "$here/nsagent.sh" \
        --mca btl tcp,self --mca btl_tcp_if_include 10.231.0.0/24 --mca oob_tcp_if_include 10.231.0.0/24 \
        --bind-to none --mca mpi_yield_when_idle 1 "$@"
    ;;
*)
    echo "$0: unknown command \"$cmd\" (expected up, down or run)" >&2
    exit 2
    ;;
esac
