#define _GNU_SOURCE
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "mpi_env.h"
#ifdef PK_HAVE_MPI
#include <mpi.h>
#endif

int pk_mpi_launched(void)
{
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                                 "MPI_LOCALNRANKS", NULL};
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

#ifdef PK_HAVE_MPI
static int active, rank, size = 1;

int pk_mpi_built(void) { return 1; }

static int owned;   /* parkit called MPI_Init (and so finalises) */
static int ever;    /* MPI was active in this process at some time */

int pk_mpi_init(int *argc, char ***argv)
{
    int provided, already = 0;
    MPI_Initialized(&already);   /* a program on libparkit may have initialised MPI itself */
    if (!already) {
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return -1;
        owned = 1;
    }
    active = ever = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return 0;
}

int pk_mpi_active(void) { return active; }
int pk_mpi_was_active(void) { return ever; }

void pk_mpi_finalize(void)
{
    if (active && owned) {
        int done = 0;
        MPI_Finalized(&done);
        if (!done)
            MPI_Finalize();
    }
    active = owned = 0;
}

int pk_mpi_rank(void) { return active ? rank : pk_launch_rank() > 0 ? pk_launch_rank() : 0; }

int pk_mpi_world(int *r, int *n)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (!init || fin) {
        *r = 0, *n = 1;
        return 0;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, r);
    MPI_Comm_size(MPI_COMM_WORLD, n);
    return 1;
}
int pk_mpi_size(void) { return size; }

const char *pk_mpi_library(void)
{
    static char buf[MPI_MAX_LIBRARY_VERSION_STRING];
    if (!buf[0]) {
        int len = 0;
        MPI_Get_library_version(buf, &len);
        buf[strcspn(buf, "\n,")] = 0;   /* first clause: "Open MPI v4.1.4" */
        /* "MPICH Version:\t4.0.2" (MVAPICH2: "Version      :\t") -> "MPICH 4.0.2" */
        char *v = strstr(buf, " Version");
        if (v) {
            char *colon = v + 8 + strspn(v + 8, " \t");
            if (*colon == ':') {
                char *num = colon + 1 + strspn(colon + 1, " \t");
                memmove(v + 1, num, strlen(num) + 1);
            }
        }
        for (char *t = buf; *t; t++)
            if (*t == '\t')
                *t = ' ';
        for (size_t n = strlen(buf); n > 0 && buf[n - 1] == ' ';)
            buf[--n] = 0;
    }
    return buf;
}

void pk_mpi_barrier(void)
{
    if (active)
        MPI_Barrier(MPI_COMM_WORLD);
}

static int failure_agreed;

int pk_mpi_failure_agreed(void)
{
    return failure_agreed;
}

static int agree(int local_code, const char *local_msg);

void pk_mpi_minmax_int(int v, int *min, int *max)
{
    *min = *max = v;
    if (!active || size == 1)
        return;
    MPI_Allreduce(&v, min, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&v, max, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
}

/* A failure every rank knows of (the same on each), raised at the next agreement that finds
 * no failure of its own: a rank's own error, more precise, goes first. */
static int pending_code;
static const char *pending_msg;

void pk_mpi_fail_at_next_agreement(int code, const char *msg)
{
    pending_code = code;
    pending_msg = msg;
}

int pk_mpi_agree(int local_code, const char *local_msg)
{
    const char *kept = pk_msg_end_defer();
    if (local_code && (!local_msg || !*local_msg))
        local_msg = kept;
    int rc = agree(local_code, local_msg);
    if (rc == 0 && pending_code) {
        const int code = pending_code;
        pending_code = 0;
        rc = agree(code, pending_msg);
    }
    return rc;
}

static int agree(int local_code, const char *local_msg)
{
    if (!active) {
        if (local_code && local_msg && *local_msg)
            pk_print_error(local_msg);
        return local_code;
    }
    /* lowest failing rank, or size when none failed */
    int mine = local_code ? rank : size, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == size)
        return 0;
    failure_agreed = 1;   /* every rank knows: nothing is left to agree on at exit */
    int code = local_code;
    MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
    char msg[PK_MSG_MAX] = "";
    if (rank == first && local_msg)
        pk_msg_fit(msg, sizeof msg, local_msg);
    if (first != 0) {
        if (rank == first)
            MPI_Send(msg, sizeof msg, MPI_CHAR, 0, 77, MPI_COMM_WORLD);
        else if (rank == 0)
            MPI_Recv(msg, sizeof msg, MPI_CHAR, first, 77, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    if (rank == 0 && msg[0]) {   /* an empty one was printed already */
        if (first != 0)
            fprintf(stderr, "parkit: rank %d: %s\n", first, msg);
        else
            fprintf(stderr, "parkit: %s\n", msg);
        fflush(stderr);
    }
    return code;
}
int pk_mpi_gather_lines(const char *mine, size_t len, char **all)
{
    *all = malloc(len * (size_t)size);
    if (!*all && active && size > 1)
        pk_mpi_abort(1, "out of memory (%zu bytes to gather lines)", len * (size_t)size);
    if (!*all)
        return -1;
    if (!active) {
        memcpy(*all, mine, len);
        return 0;
    }
    return MPI_Gather(mine, (int)len, MPI_CHAR, *all, (int)len, MPI_CHAR, 0, MPI_COMM_WORLD) ==
                   MPI_SUCCESS ? 0 : -1;
}
#else
int pk_mpi_built(void) { return 0; }
int pk_mpi_gather_lines(const char *mine, size_t len, char **all)
{
    *all = malloc(len);
    if (!*all)
        return -1;
    memcpy(*all, mine, len);
    return 0;
}
int pk_mpi_init(int *argc, char ***argv) { (void)argc; (void)argv; return -1; }
int pk_mpi_active(void) { return 0; }
int pk_mpi_was_active(void) { return 0; }
void pk_mpi_finalize(void) {}
int pk_mpi_rank(void) { return pk_launch_rank() > 0 ? pk_launch_rank() : 0; }
int pk_mpi_size(void) { return 1; }
const char *pk_mpi_library(void) { return "none"; }
int pk_mpi_world(int *r, int *n)
{
    *r = 0, *n = 1;
    return 0;
}
void pk_mpi_barrier(void) {}
int pk_mpi_failure_agreed(void) { return 0; }
void pk_mpi_minmax_int(int v, int *min, int *max) { *min = *max = v; }
void pk_mpi_fail_at_next_agreement(int code, const char *msg) { (void)code, (void)msg; }
int pk_mpi_agree(int local_code, const char *local_msg)
{
    const char *kept = pk_msg_end_defer();
    if (local_code && (!local_msg || !*local_msg))
        local_msg = kept;
    if (local_code && local_msg && *local_msg)
        pk_print_error(local_msg);
    return local_code;
}
#endif

void pk_mpi_abort(int code, const char *fmt, ...)
{
    static atomic_flag once = ATOMIC_FLAG_INIT;
    if (atomic_flag_test_and_set(&once))   /* another thread is already ending the job */
        for (;;)
            pause();
    /* no heap here: the usual cause of an abort is that memory ran out */
    char msg[PK_MSG_MAX], line[PK_MSG_MAX + 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int many = pk_mpi_active() && pk_mpi_size() > 1;
    if (many)
        snprintf(line, sizeof line, "rank %d: %s", pk_mpi_rank(), msg);
    pk_print_error(many ? line : msg);
#ifdef PK_HAVE_MPI
    if (many) {
        /* the launcher forwards this rank's stderr through a pipe, and an abort tears the job
         * down at once: Hydra was seen to lose the line (about 1 run in 26 when rank 0 aborts).
         * A fifth of a second lets it forward the line first. */
        struct timespec pause_ = {0, 200 * 1000 * 1000};
        nanosleep(&pause_, NULL);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
#endif
    _exit(code);
}

/* ---- the launcher's view, for commands that do not initialise MPI (fetch) ---- */

/* The first of `vars` set to a non-negative integer, or -1. */
static int env_int(const char *const *vars)
{
    for (int i = 0; vars[i]; i++) {
        const char *v = getenv(vars[i]);
        char *end;
        if (!v || !*v)
            continue;
        long x = strtol(v, &end, 10);
        if (*end == '\0' && x >= 0 && x <= 1 << 24)
            return (int)x;
    }
    return -1;
}

int pk_launch_rank(void)
{
    static const char *const vars[] = { "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", NULL };
    return pk_mpi_launched() ? env_int(vars) : -1;
}

int pk_launch_size(void)
{
    static const char *const vars[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS",
                                        "SLURM_NTASKS", NULL };
    return pk_mpi_launched() ? env_int(vars) : -1;
}
