#!/usr/bin/env bash
# `parkit fetch` under mpirun (issue 9, items 3 and 12): every rank would download the whole
# list into the same folder, so fetch refuses -- the message printed once (by rank 0), every
# rank exiting non-zero, nothing requested; errors print once too; one rank works as usual.
#   mpi_fetch.sh PATH/TO/parkit PATH/TO/pk_testserver [MPIRUN]
set -u
PARKIT=$1
SERVER=$2
# the launcher and its flavour's flags: Open MPI, MPICH's Hydra or srun (jobs/lib-mpi.sh)
# shellcheck source=jobs/lib-mpi.sh
. "$(dirname "$0")/../../jobs/lib-mpi.sh"
pk_mpi_launcher "${3:-}" || { echo "SKIP: no MPI launcher (above)"; exit 77; }
pk_mpi_opts quiet unbound
export OMPI_MCA_rmaps_base_oversubscribe=1
# shellcheck source=tests/io/server.sh
. "$(dirname "$0")/server.sh"
start_server "$SERVER" 120 mpi
pass=0
fail=0
checkx() { if eval "$2"; then pass=$((pass + 1)); echo "ok - $1"; else fail=$((fail + 1)); echo "FAIL - $1"; sed 's/^/    err: /' "$W/err" | head -10; sed 's/^/    codes: /' "$W/codes" 2>/dev/null; fi; }

# mpi NP ARGS...: parkit fetch ARGS on NP ranks (at most 60 s); each rank appends its exit
# code to $W/codes; stderr in $W/err.
mpi() {
    local np=$1
    shift
    : >"$W/codes"
    timeout 60 "${PK_MPIEXEC[@]}" "${pk_mpi_opts[@]}" "$PK_NP" "$np" \
        bash -c '"$0" fetch "$@"; echo $? >>"'"$W/codes"'"' "$PARKIT" "$@" >"$W/out" 2>"$W/err"
}
every_rank_exits() { [ "$(wc -l <"$W/codes")" -eq "$1" ] && ! grep -qx 0 "$W/codes"; }
lines() { grep -c '^parkit: ' "$W/err"; }

before=$(wc -l <"$W/server.log")
mpi 2 "$B/f/mpi/a.bin?size=1000" -o "$W/d2"
checkx "mpirun -np 2 fetch: refused, the message printed once" '[ "$(lines)" -eq 1 ] && grep -q "ranks" "$W/err"'
checkx "mpirun -np 2 fetch: every rank exits non-zero" 'every_rank_exits 2'
checkx "mpirun -np 2 fetch: nothing requested, nothing written" '[ "$(wc -l <"$W/server.log")" -eq "$before" ] && [ ! -e "$W/d2/a.bin" ]'
mpi 3 "$B/f/mpi/a.bin?size=1000" -o "$W/d3" -j 0
checkx "mpirun -np 3 fetch -j 0: the usage error printed once, every rank exits non-zero" '[ "$(lines)" -eq 1 ] && every_rank_exits 3'
mpi 2 "http//bad" -o "$W/d4"
checkx "mpirun -np 2 fetch BAD-URL: printed once, every rank exits non-zero" '[ "$(lines)" -eq 1 ] && every_rank_exits 2'
mpi 1 "$B/f/mpi/one.bin?size=1000" -o "$W/d1"
checkx "mpirun -np 1 fetch: downloads as usual" '[ "$(cat "$W/codes")" = 0 ] && [ "$(stat -c %s "$W/d1/one.bin" 2>/dev/null)" = 1000 ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
