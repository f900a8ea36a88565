/* Inside the execution layer only: pieces, the fixed merge tree, piece computation and the
 * progress line, shared by the serial, OpenMP and MPI backends (pieces.c, backend_serial.c,
 * backend_omp.c, clock.c). */
#ifndef PK_PIECES_H
#define PK_PIECES_H
#include "exec.h"

/* A range cut into pieces: piece i is [cut(i), cut(i+1)). */
typedef struct pk_pieces {
    uint64_t lo, hi, grain;
    uint64_t origin;          /* interior cut i = origin + i*grain (ordered kernels: a multiple of grain) */
    size_t n;
    unsigned char *parts;     /* n partials of psize bytes */
    size_t psize;
    uint64_t *bounds;         /* NULL, or explicit pieces: piece i is [bounds[2i], bounds[2i+1])
                                 (the MPI backend's chunks); owned by the caller */
} pk_pieces;

/* Plan pieces for `workers` workers: ordered kernels get exactly grain-aligned blocks;
 * others grain-sized pieces, but at least `workers` pieces and at most a bounded count. */
void pk_pieces_plan(pk_pieces *pc, const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                    int workers);
uint64_t pk_piece_lo(const pk_pieces *pc, size_t i);
uint64_t pk_piece_hi(const pk_pieces *pc, size_t i);
void *pk_piece_partial(const pk_pieces *pc, size_t i);
/* Allocate partials and set each to the identity. */
pk_status pk_pieces_alloc(pk_pieces *pc, const pk_kernel *k, const void *ctx);
void pk_pieces_free(pk_pieces *pc, const pk_kernel *k, const void *ctx);

/* The fixed merge tree: level `stride` merges partial i+stride into i for i = 0, 2s, 4s, ...
 * pk_merge_pair does one such merge (and releases the right partial). */
size_t pk_merge_pairs(size_t n, size_t stride);
pk_status pk_merge_pair(const pk_kernel *k, const void *ctx, unsigned char *parts, size_t psize,
                        size_t stride, size_t pair);
/* Serial merge of the whole array into parts[0]. */
pk_status pk_merge_tree_serial(const pk_kernel *k, const void *ctx, unsigned char *parts,
                               size_t psize, size_t n);
/* Parallel (OpenMP) version: the same tree, levels in order, pairs of a level in parallel. */
pk_status pk_merge_tree_omp(const pk_kernel *k, const void *ctx, unsigned char *parts,
                            size_t psize, size_t n, int threads);

/* Something the calling thread does between pieces (the MPI backend's rank 0 answers other
 * ranks' requests for work): called on the thread that called pk_compute_pieces only (MPI is
 * FUNNELED), after each of its pieces, and while it waits for the other threads to finish. */
typedef struct {
    void (*fn)(void *arg);
    void *arg;
} pk_poll;

/* Compute every piece's partial (no merging) as `local` (pk_exec_local) says: OpenMP
 * threads, or one after another; per-thread busy time. */
pk_status pk_compute_pieces(const pk_kernel *k, const void *ctx, pk_pieces *pc, const pk_exec *local,
                            double *thread_seconds);
/* The same with poll->fn called between pieces (poll may be NULL). */
pk_status pk_compute_pieces_polled(const pk_kernel *k, const void *ctx, pk_pieces *pc,
                                   const pk_exec *local, double *thread_seconds, const pk_poll *poll);
/* The two ways pk_compute_pieces uses (backend_omp.c, backend_serial.c). */
pk_status pk_omp_pieces(const pk_kernel *k, const void *ctx, pk_pieces *pc, const pk_exec *exec,
                        double *thread_seconds, const pk_poll *poll);
pk_status pk_serial_pieces(const pk_kernel *k, const void *ctx, pk_pieces *pc,
                           const pk_exec *exec, double *thread_seconds, const pk_poll *poll);

/* Progress on stderr (a terminal, rank 0, after ~2 s): called as pieces complete. */
void pk_progress_start(const pk_exec *exec, const char *what, size_t total);
void pk_progress_tick(size_t done_now);
void pk_progress_end(void);
/* One line over several runs of pieces (the MPI backend's dynamic chunks): between hold and
 * release, start and end change nothing and the ticks add up; the total may be revised. */
void pk_progress_hold(const pk_exec *exec, const char *what, size_t total);
void pk_progress_total(size_t total);
size_t pk_progress_done(void);
void pk_progress_release(void);

#ifdef PK_HAVE_MPI
pk_status pk_backend_mpi(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                         const pk_exec *exec, void *result, pk_run_stats *st);
#endif
#endif
