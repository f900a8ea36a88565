/* Backends: split an index range into pieces, run a kernel on them, merge the partials.
 * One backend per execution model, shared by every kernel. */
#ifndef PK_BACKEND_H
#define PK_BACKEND_H
#include "pk_kernel.h"
#include "cli.h"

typedef struct pk_run_stats {
    double seconds;          /* wall time of the whole run on this process (compute + merge) */
    double merge_seconds;    /* of which: merging partials on this process */
    double comm_seconds;     /* MPI communication (scatter / reduce), 0 without MPI */
    double *thread_seconds;  /* caller's buffer of exec->threads: compute time per thread */
    double *rank_seconds;    /* MPI, rank 0: caller's buffer of exec->nranks: compute time per rank */
} pk_run_stats;

/* Run k over [lo, hi) as exec says; *result (k->partial_size bytes, uninitialised on entry)
 * receives the merged answer; the caller releases it with k->release.  Under MPI every rank
 * calls this with the same range and rank 0 receives the answer. */
pk_status pk_backend_run(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                         const pk_exec *exec, void *result, pk_run_stats *st);

/* Serial and OpenMP backends over one process. */
pk_status pk_backend_serial(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                            void *result, pk_run_stats *st);
pk_status pk_backend_omp(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                         const pk_exec *exec, void *result, pk_run_stats *st);

/* Split [lo, hi) into `parts` contiguous shares of equal cost (k->cost, or length);
 * cut[0] = lo, cut[parts] = hi.  Cuts for ordered kernels land on grain boundaries. */
void pk_split_by_cost(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                      int parts, uint64_t *cut);

/* Under MPI, combine a byte array that each rank filled for its own indices (zero elsewhere)
 * into rank 0's copy (bytewise maximum); nothing to do in one process. */
pk_status pk_backend_collect_bytes(const pk_exec *exec, unsigned char *buf, size_t len);

/* The share of [lo, hi) rank r of P computes in the MPI backend (cost-balanced; on block
 * boundaries for ordered kernels), so commands can place data where it will be used. */
void pk_rank_share(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi, int r, int P,
                   uint64_t *a, uint64_t *b);

/* Run `n` independent tasks on up to exec->threads threads (the Pool.map analogue). */
typedef int (*pk_task_fn)(void *arg, size_t i);
int pk_run_tasks(const pk_exec *exec, size_t n, pk_task_fn fn, void *arg);

double pk_wtime(void);
#endif
