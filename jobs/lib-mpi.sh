# shellcheck shell=bash
# The MPI launcher and its options, for whichever MPI is here: Open MPI's mpirun / mpiexec,
# the Hydra mpiexec of MPICH (and of Intel MPI, MVAPICH), or Slurm's srun. Sourced (not run)
# by tests/lib.sh, jobs/local/lib.sh, jobs/demo.sh and jobs/bench-mpi.sh: the one place that
# knows each launcher's flags. Environment for the ranks is passed as `env VAR=VALUE prog`,
# which every launcher carries to every host (no -x / -genv / --export).
#
#   pk_mpi_launcher [LAUNCHER [NUMPROC_FLAG [PREFLAGS]]]
#       LAUNCHER  a command, arguments allowed ("srun --mpi=pmix"); default $MPIRUN, else
#                 mpiexec, else mpirun on PATH
#       NUMPROC_FLAG, PREFLAGS  CMake's MPIEXEC_NUMPROC_FLAG and MPIEXEC_PREFLAGS (optional)
#     sets PK_MPIEXEC (array: the launcher), PK_MPI_FLAVOUR (openmpi | hydra | srun | unknown),
#     PK_NP (the flag before the number of ranks) and PK_MPI_PREFLAGS (array). Returns 1, with
#     a one-line message, when the launcher is not found.
#   pk_mpi_launcher_for PARKIT
#     the launcher that goes with this parkit build: MPIRUN when set, else MPIEXEC_EXECUTABLE,
#     MPIEXEC_NUMPROC_FLAG and MPIEXEC_PREFLAGS of the CMakeCache.txt beside the binary (or one up) (an
#     MPICH build is not launched by Open MPI's mpirun), else as pk_mpi_launcher
#   pk_mpi_opts WHAT...   sets the array pk_mpi_opts to this launcher's flags for each WHAT:
#       quiet    no banners or notices
#       unbound  ranks bound to no core, and allowed to outnumber the cores
#       core     one core per rank
#       cores:T  T cores per rank (hybrid ranks of T threads)
#     A flavour that cannot do WHAT (an unknown launcher asked for a binding) returns 1.
#   PK_MPI_RANK_SH   a rank's own number under any launcher (0 outside one), as a POSIX sh
#     expression for the wrapper scripts ranks run

# shellcheck disable=SC2034   # the PK_* results are read by the scripts that source this
pk_mpi_launcher() {
    local launcher=${1:-${MPIRUN:-}} version
    if [ -z "$launcher" ]; then
        launcher=$(command -v mpiexec || command -v mpirun) ||
            { echo "$0: no MPI launcher (mpiexec or mpirun) on PATH" >&2; return 1; }
    fi
    read -r -a PK_MPIEXEC <<<"$launcher"
    command -v "${PK_MPIEXEC[0]}" >/dev/null ||
        { echo "$0: MPI launcher \"${PK_MPIEXEC[0]}\" not found" >&2; return 1; }
    PK_NP=${2:--n}
    read -r -a PK_MPI_PREFLAGS <<<"${3:-}"
    version=$("${PK_MPIEXEC[0]}" --version 2>&1) || true
    case "$version" in
        *"Open MPI"* | *OpenRTE*) PK_MPI_FLAVOUR=openmpi ;;
        *HYDRA* | *"Intel(R) MPI"*) PK_MPI_FLAVOUR=hydra ;;
        slurm*) PK_MPI_FLAVOUR=srun ;;
        *) PK_MPI_FLAVOUR=unknown ;;
    esac
    # Open MPI refuses to run as root unless told it is fine (containers, CI)
    if [ "$PK_MPI_FLAVOUR" = openmpi ] && [ "$(id -u)" = 0 ]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
}

pk_mpi_launcher_for() {
    local cache exe
    cache=$(dirname "$1")/CMakeCache.txt
    [ -f "$cache" ] || cache=$(dirname "$1")/../CMakeCache.txt   # build/jobs/commbench
    if [ -z "${MPIRUN:-}" ] && [ -f "$cache" ]; then
        exe=$(sed -n 's/^MPIEXEC_EXECUTABLE:[A-Z]*=//p' "$cache")
        if [ -n "$exe" ] && [ "$exe" = "${exe%NOTFOUND}" ]; then
            pk_mpi_launcher "$exe" "$(sed -n 's/^MPIEXEC_NUMPROC_FLAG:[A-Z]*=//p' "$cache")" \
                "$(sed -n 's/^MPIEXEC_PREFLAGS:[A-Z]*=//p' "$cache" | tr ';' ' ')"
            return
        fi
    fi
    pk_mpi_launcher "${MPIRUN:-}"
}

pk_mpi_opts=()
pk_mpi_opts() {
    pk_mpi_opts=()
    local what t
    for what in "$@"; do
        t=${what#cores:}
        case "$PK_MPI_FLAVOUR:$what" in
            openmpi:quiet) pk_mpi_opts+=(-q) ;;
            openmpi:unbound) pk_mpi_opts+=(--oversubscribe --bind-to none) ;;
            openmpi:core) pk_mpi_opts+=(--map-by core --bind-to core) ;;
            openmpi:cores:*) pk_mpi_opts+=(--map-by "slot:PE=$t" --bind-to core) ;;
            hydra:quiet) ;;                       # Hydra prints no banner
            hydra:unbound) pk_mpi_opts+=(-bind-to none) ;;   # and oversubscribes by default
            hydra:core) pk_mpi_opts+=(-bind-to core) ;;
            hydra:cores:*) pk_mpi_opts+=(-bind-to "core:$t") ;;
            srun:quiet) pk_mpi_opts+=(--quiet) ;;
            srun:unbound) pk_mpi_opts+=(--overcommit --cpu-bind=none) ;;
            srun:core) pk_mpi_opts+=(--cpu-bind=cores) ;;
            srun:cores:*) pk_mpi_opts+=(--cpus-per-task="$t" --cpu-bind=cores) ;;
            unknown:quiet | unknown:unbound) ;;   # nothing known to ask for; the default
            *) return 1 ;;
        esac
    done
}

# shellcheck disable=SC2016,SC2034   # expanded by the wrapper, not here
PK_MPI_RANK_SH='${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-${PMI_RANK:-${SLURM_PROCID:-0}}}}'
