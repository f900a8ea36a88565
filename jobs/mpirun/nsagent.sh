#!/bin/bash
# ssh stand-in for Open MPI (--mca plm_rsh_agent) on the fake hosts of jobs/mpirun/netns.sh:
#   nsagent.sh [ssh options] HOST COMMAND...
# HOST is 10.231.0.<i> or node<i>; COMMAND runs through sh inside netns pkh<i>, in a private UTS
# namespace whose hostname is node<i>.
set -euo pipefail
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done   # ssh options such as -x
host=${1:?usage: $0 HOST COMMAND...}
shift
case $host in
    10.231.0.*) i=${host##*.} ;;
    node*) i=${host#node} ;;
    *) echo "nsagent: unknown host \"$host\" (expected 10.231.0.<i> or node<i>)" >&2; exit 255 ;;
esac
exec ip netns exec "pkh$i" unshare --uts sh -c "hostname node$i && $*"
