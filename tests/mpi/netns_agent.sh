#!/bin/sh
# Open MPI's rsh/ssh stand-in for fake hosts: "netns_agent.sh [ssh options] HOST CMD..." runs CMD
# inside the network namespace of HOST (10.213.0.<i> -> ${PK_NETNS_PREFIX}<i>), with its own
# hostname (node<i>), as ssh would on a real host.
while [ $# -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done
host=$1
shift
case "$host" in
    10.213.0.*) i=${host##*.} ;;
    node*) i=${host#node} ;;
    *) echo "netns_agent: unknown host $host" >&2; exit 255 ;;
esac
exec ip netns exec "${PK_NETNS_PREFIX:?}$i" unshare --uts sh -c "hostname node$i; $*"
