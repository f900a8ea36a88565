/* Backend dispatch, piece planning, the fixed merge tree, cost-balanced splits, tasks. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "backend_internal.h"

double pk_wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- pieces ----------------------------------------------------------------- */

#define PK_MAX_PIECES ((uint64_t)1 << 20)

void pk_pieces_plan(pk_pieces *pc, const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                    int workers)
{
    memset(pc, 0, sizeof *pc);
    pc->lo = lo;
    pc->hi = hi;
    pc->psize = k->partial_size;
    uint64_t len = hi > lo ? hi - lo : 0;
    uint64_t g = k->grain ? k->grain(ctx) : 1;
    if (g == 0)
        g = 1;
    if (len == 0) {
        pc->grain = g;
        pc->origin = lo;
        pc->n = 1;   /* one empty piece: the identity */
        return;
    }
    if (k->flags & PK_KERNEL_ORDERED) {
        /* blocks aligned to multiples of g from 0, independent of the workers */
        uint64_t first = lo / g, last = (hi - 1) / g;
        pc->grain = g;
        pc->origin = first * g;
        pc->n = (size_t)(last - first + 1);
        return;
    }
    if (workers > 1 && len / (uint64_t)workers < g)
        g = (len + (uint64_t)workers - 1) / (uint64_t)workers;
    if (len / g >= PK_MAX_PIECES)
        g = len / PK_MAX_PIECES + 1;
    pc->grain = g;
    pc->origin = lo;
    pc->n = (size_t)((len - 1) / g + 1);
}

/* Cut i: lo for the first, hi for the last, origin + i * grain in between. */
uint64_t pk_piece_lo(const pk_pieces *pc, size_t i)
{
    if (i == 0)
        return pc->lo;
    if (i >= pc->n)
        return pc->hi;
    return pc->origin + (uint64_t)i * pc->grain;
}

uint64_t pk_piece_hi(const pk_pieces *pc, size_t i)
{
    return pk_piece_lo(pc, i + 1);
}

void *pk_piece_partial(const pk_pieces *pc, size_t i)
{
    return pc->parts + i * pc->psize;
}

pk_status pk_pieces_alloc(pk_pieces *pc, const pk_kernel *k, const void *ctx)
{
    pc->parts = malloc(pc->n * pc->psize);
    if (!pc->parts)
        return PK_ENOMEM;
    for (size_t i = 0; i < pc->n; i++)
        k->identity(ctx, pk_piece_partial(pc, i));
    return PK_OK;
}

void pk_pieces_free(pk_pieces *pc, const pk_kernel *k, const void *ctx)
{
    if (pc->parts && k->release)
        for (size_t i = 0; i < pc->n; i++)
            k->release(ctx, pk_piece_partial(pc, i));
    free(pc->parts);
    pc->parts = NULL;
}

/* ---- the merge tree ------------------------------------------------------------ */

size_t pk_merge_pairs(size_t n, size_t stride)
{
    /* pairs (i, i + stride) with i a multiple of 2*stride and i + stride < n */
    return n > stride ? (n - stride - 1) / (2 * stride) + 1 : 0;
}

pk_status pk_merge_pair(const pk_kernel *k, const void *ctx, unsigned char *parts, size_t psize,
                        size_t stride, size_t pair)
{
    size_t i = pair * 2 * stride, j = i + stride;
    pk_status s = k->merge(ctx, parts + i * psize, parts + j * psize);
    if (k->release)
        k->release(ctx, parts + j * psize);
    k->identity(ctx, parts + j * psize);   /* keep every slot valid for a later release */
    return s;
}

pk_status pk_merge_tree_serial(const pk_kernel *k, const void *ctx, unsigned char *parts,
                               size_t psize, size_t n)
{
    pk_status st = PK_OK;
    for (size_t s = 1; s < n; s *= 2) {
        size_t np = pk_merge_pairs(n, s);
        for (size_t p = 0; p < np; p++) {
            pk_status r = pk_merge_pair(k, ctx, parts, psize, s, p);
            if (r != PK_OK)
                st = r;
        }
    }
    return st;
}

/* ---- cost-balanced split (ranks) ---------------------------------------------- */

static double range_cost(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return 0;
    return k->cost ? k->cost(ctx, lo, hi) : (double)(hi - lo);
}

void pk_split_by_cost(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi, int parts,
                      uint64_t *cut)
{
    uint64_t g = (k->flags & PK_KERNEL_ORDERED) && k->grain ? k->grain(ctx) : 1;
    double total = range_cost(k, ctx, lo, hi);
    cut[0] = lo;
    for (int r = 1; r < parts; r++) {
        /* smallest x in [cut[r-1], hi] with cost(lo, x) >= total * r / parts (bisection) */
        double want = total * r / parts;
        uint64_t a = cut[r - 1], b = hi;
        while (b - a > 1) {
            uint64_t m = a + (b - a) / 2;
            if (range_cost(k, ctx, lo, m) < want)
                a = m;
            else
                b = m;
        }
        uint64_t x = b;
        if (g > 1) {   /* ordered kernels: cut on the nearest block boundary */
            x = (x + g / 2) / g * g;
            if (x < cut[r - 1])
                x = cut[r - 1];
            if (x > hi)
                x = hi;
        }
        cut[r] = x;
    }
    cut[parts] = hi;
}

void pk_rank_share(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi, int r, int P,
                   uint64_t *a, uint64_t *b)
{
    uint64_t *cut = malloc(((size_t)P + 1) * sizeof *cut);
    if (!cut) {   /* fall back to equal lengths */
        *a = lo + (hi - lo) / (uint64_t)P * (uint64_t)r;
        *b = r == P - 1 ? hi : lo + (hi - lo) / (uint64_t)P * (uint64_t)(r + 1);
        return;
    }
    pk_split_by_cost(k, ctx, lo, hi, P, cut);
    *a = cut[r];
    *b = cut[r + 1];
    free(cut);
}

/* ---- progress ------------------------------------------------------------------ */

static struct {
    int on;
    const char *what;
    size_t total;
    double t0, last;
    atomic_size_t done;
    atomic_flag busy;
    int shown;
} prog = {.busy = ATOMIC_FLAG_INIT};

void pk_progress_start(const pk_exec *exec, const char *what, size_t total)
{
    prog.on = exec->progress && exec->rank == 0;
    prog.what = what;
    prog.total = total;
    prog.t0 = prog.last = pk_wtime();
    atomic_store(&prog.done, 0);
    prog.shown = 0;
}

void pk_progress_tick(size_t done_now)
{
    if (!prog.on)
        return;
    size_t d = atomic_fetch_add(&prog.done, done_now) + done_now;
    if (atomic_flag_test_and_set(&prog.busy))
        return;   /* another thread is printing */
    double now = pk_wtime();
    if (now - prog.t0 > 2.0 && now - prog.last > 0.5) {
        fprintf(stderr, "\rparkit %s: %5.1f%% (%zu/%zu pieces), %.1f s", prog.what,
                100.0 * (double)d / (double)prog.total, d, prog.total, now - prog.t0);
        prog.last = now;
        prog.shown = 1;
    }
    atomic_flag_clear(&prog.busy);
}

void pk_progress_end(void)
{
    if (prog.on && prog.shown)
        fputs("\r\033[K", stderr);
    prog.on = 0;
}

pk_status pk_compute_pieces(const pk_kernel *k, const void *ctx, pk_pieces *pc, const pk_exec *exec,
                            double *thread_seconds)
{
    if (exec->mode == PK_MODE_SERIAL || exec->mode == PK_MODE_MPI)
        return pk_serial_pieces(k, ctx, pc, exec, thread_seconds);
    return pk_omp_pieces(k, ctx, pc, exec, thread_seconds);
}

/* ---- one process: serial or OpenMP ------------------------------------------ */

/* Plan pieces, compute them (serially or with OpenMP), merge them in the fixed tree and move
 * the answer into *result. The two single-process backends differ only in those two steps. */
static pk_status run_local(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                           const pk_exec *exec, void *result, pk_run_stats *st)
{
    int omp = exec->mode != PK_MODE_SERIAL;
    pk_pieces pc;
    double t0 = pk_wtime();
    pk_pieces_plan(&pc, k, ctx, lo, hi, omp ? exec->threads : 1);
    pk_status err = pk_pieces_alloc(&pc, k, ctx);
    if (err == PK_OK)
        err = pk_compute_pieces(k, ctx, &pc, exec, st ? st->thread_seconds : NULL);
    double t1 = pk_wtime();
    if (err == PK_OK)
        err = omp ? pk_merge_tree_omp(k, ctx, pc.parts, pc.psize, pc.n, exec->threads)
                  : pk_merge_tree_serial(k, ctx, pc.parts, pc.psize, pc.n);
    if (err == PK_OK) {
        memcpy(result, pc.parts, pc.psize);   /* the answer moves out of slot 0 */
        k->identity(ctx, pc.parts);
    } else {
        k->identity(ctx, result);
    }
    pk_pieces_free(&pc, k, ctx);
    if (st) {
        st->seconds = pk_wtime() - t0;
        st->merge_seconds = st->seconds - (t1 - t0);
        st->comm_seconds = 0;
    }
    return err;
}

pk_status pk_backend_serial(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                            void *result, pk_run_stats *st)
{
    pk_exec one = {.mode = PK_MODE_SERIAL, .threads = 1, .nranks = 1};
    return run_local(k, ctx, lo, hi, &one, result, st);
}

pk_status pk_backend_omp(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                         const pk_exec *exec, void *result, pk_run_stats *st)
{
    return run_local(k, ctx, lo, hi, exec, result, st);
}

/* ---- dispatch ------------------------------------------------------------------ */

pk_status pk_backend_run(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                         const pk_exec *exec, void *result, pk_run_stats *st)
{
    switch (exec->mode) {
    case PK_MODE_SERIAL:
        return run_local(k, ctx, lo, hi, exec, result, st);
    case PK_MODE_MPI:
    case PK_MODE_HYBRID:
#ifdef PK_HAVE_MPI
        return pk_backend_mpi(k, ctx, lo, hi, exec, result, st);
#else
        return PK_EINVAL;
#endif
    case PK_MODE_AUTO:
    case PK_MODE_OMP:
        break;
    }
    return pk_backend_omp(k, ctx, lo, hi, exec, result, st);
}

#ifndef PK_HAVE_MPI
pk_status pk_backend_collect_bytes(const pk_exec *exec, unsigned char *buf, size_t len)
{
    (void)exec, (void)buf, (void)len;
    return PK_OK;
}
#endif
