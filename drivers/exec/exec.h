/* The execution layer: how a kernel's index range is split, run and merged, serially, with
 * OpenMP threads, or over MPI ranks.  A backend never knows what a kernel computes.
 *
 *   dispatch.c        the mode -> backend table, the one mode -> local-execution mapping,
 *                     and the single-process backends (serial, OpenMP)
 *   backend_serial.c  pieces one after another (no OpenMP runtime in the timed path)
 *   backend_omp.c     pieces handed to threads by the user's schedule
 *   backend_mpi.c     rank shares (chunks in turn and on demand for kernels with a cost model), each run
 *                     locally, partials reduced to rank 0
 *   pieces.c          piece planning and the one fixed merge tree        (pieces.h, internal)
 *   clock.c           the wall clock and the progress line               (pieces.h, internal)
 *   split.c           cost-balanced splits and rank shares
 *   tasks.c           independent tasks on threads (the Pool.map analogue)
 *   measure.c         warm-ups, repeats, min / median / max              (measure.h)
 *   mpi_env.c         the MPI environment; agreement and abort           (mpi_env.h)
 *   distribute.c      array data onto ranks: scatter, MPI-IO reads       (distribute.h)
 *
 * Adding a backend: one file, one row in dispatch.c's table, a mode here. */
#ifndef PK_EXEC_H
#define PK_EXEC_H
#include <stddef.h>
#include <stdint.h>
#include "pk_kernel.h"

typedef enum { PK_MODE_AUTO = 0, PK_MODE_SERIAL, PK_MODE_OMP, PK_MODE_MPI, PK_MODE_HYBRID } pk_mode;
typedef enum { PK_SCHED_STATIC = 0, PK_SCHED_DYNAMIC, PK_SCHED_GUIDED } pk_sched;

/* How a run executes: resolved before any command runs. */
typedef struct pk_exec {
    pk_mode mode;       /* never AUTO once resolved */
    int threads;        /* OpenMP threads per rank (1 in serial / mpi mode) */
    pk_sched sched;
    uint64_t chunk;     /* schedule chunk in pieces; 0 = OpenMP's default */
    int rank, nranks;   /* 0 / 1 without MPI */
    int progress;       /* show progress on stderr (rank 0, a terminal) */
} pk_exec;

typedef struct pk_run_stats {
    double seconds;          /* wall time of the whole run on this process (compute + merge) */
    double merge_seconds;    /* of which: merging partials on this process */
    double comm_seconds;     /* MPI communication (scatter / reduce), 0 without MPI */
    double *thread_seconds;  /* caller's buffer of exec->threads: compute time per thread */
    double *rank_seconds;    /* MPI, rank 0: caller's buffer of exec->nranks: compute time per rank */
    int *rank_chunks;        /* NULL, or MPI, rank 0: caller's buffer of exec->nranks: chunks each
                                rank computed, where the range is dealt in chunks (else untouched) */
} pk_run_stats;

typedef pk_status (*pk_backend_fn)(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                                   const pk_exec *exec, void *result, pk_run_stats *st);

/* ---- dispatch.c ---- */

/* Run k over [lo, hi) as exec says; *result (k->partial_size bytes, uninitialised on entry)
 * receives the merged answer; the caller releases it with k->release.  Under MPI every rank
 * calls this with the same range and rank 0 receives the answer.  PK_EINVAL for a mode this
 * build has no backend for. */
pk_status pk_backend_run(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                         const pk_exec *exec, void *result, pk_run_stats *st);
/* The serial backend alone (one thread, no OpenMP): a baseline, and a task inside a pool. */
pk_status pk_backend_serial(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                            void *result, pk_run_stats *st);
/* How one process of this execution computes: serial (mode serial or mpi: one thread) or
 * omp (mode omp or hybrid: exec->threads threads); rank 0 of 1.  The only place that maps
 * modes to local execution. */
pk_exec pk_exec_local(const pk_exec *exec);

/* ---- split.c ---- */

/* Split [lo, hi) into `parts` contiguous shares of equal cost (k->cost, or length);
 * cut[0] = lo, cut[parts] = hi.  Cuts for ordered kernels land on grain boundaries. */
void pk_split_by_cost(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                      int parts, uint64_t *cut);
/* The share of [lo, hi) rank r of P computes in the MPI backend (cost-balanced; on block
 * boundaries for ordered kernels), so commands can place data where it will be used.  Not for
 * kernels with a cost model and no pack: the MPI backend deals those chunks (in turn and on
 * demand). */
void pk_rank_share(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi, int r, int P,
                   uint64_t *a, uint64_t *b);

/* ---- backend_mpi.c ---- */

/* The one exception to the reduction model: isprime writes a verdict per index into a
 * byte array (a side output, not a partial).  Under MPI each rank fills its own indices
 * (zero elsewhere) and this combines them into rank 0's copy (bytewise maximum); nothing
 * to do in one process.  Collective. */
pk_status pk_backend_collect_bytes(const pk_exec *exec, unsigned char *buf, size_t len);

/* ---- tasks.c ---- */

/* Run `n` independent tasks on up to exec->threads threads (the Pool.map analogue);
 * 0, or 1 when any task returned non-zero. */
typedef int (*pk_task_fn)(void *arg, size_t i);
int pk_run_tasks(const pk_exec *exec, size_t n, pk_task_fn fn, void *arg);
/* The same on `threads` threads (below 2: in order, without the OpenMP runtime). */
int pk_run_tasks_on(int threads, size_t n, pk_task_fn fn, void *arg);

/* ---- clock.c ---- */

/* Seconds on the monotonic clock. */
double pk_wtime(void);
#endif
