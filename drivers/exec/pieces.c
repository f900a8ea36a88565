/* Pieces and the one fixed merge tree, shared by every backend (pieces.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pieces.h"

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
    if (pc->bounds)
        return i < pc->n ? pc->bounds[2 * i] : pc->hi;
    if (i == 0)
        return pc->lo;
    if (i >= pc->n)
        return pc->hi;
    return pc->origin + (uint64_t)i * pc->grain;
}

uint64_t pk_piece_hi(const pk_pieces *pc, size_t i)
{
    if (pc->bounds)
        return i < pc->n ? pc->bounds[2 * i + 1] : pc->hi;
    return pk_piece_lo(pc, i + 1);
}

void *pk_piece_partial(const pk_pieces *pc, size_t i)
{
    return pc->parts + i * pc->psize;
}

pk_status pk_pieces_alloc(pk_pieces *pc, const pk_kernel *k, const void *ctx)
{
    if (pc->psize && pc->n > SIZE_MAX / pc->psize) {   /* (2^61 pieces of 8 bytes) */
        pc->parts = NULL;
        return PK_ENOMEM;
    }
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

/* ---- the merge tree (serial and OpenMP: the same tree, the same order) ------------------------------------------------------------ */

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

pk_status pk_merge_tree_omp(const pk_kernel *k, const void *ctx, unsigned char *parts,
                            size_t psize, size_t n, int threads)
{
    int err = PK_OK;
    for (size_t s = 1; s < n; s *= 2) {
        const long np = (long)pk_merge_pairs(n, s);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (np > 1)
        for (long p = 0; p < np; p++) {
            pk_status r = pk_merge_pair(k, ctx, parts, psize, s, (size_t)p);
            if (r != PK_OK) {
#pragma omp atomic write
                err = r;
            }
        }
    }
    return (pk_status)err;
}

pk_status pk_compute_pieces_polled(const pk_kernel *k, const void *ctx, pk_pieces *pc,
                                   const pk_exec *local, double *thread_seconds, const pk_poll *poll)
{
    if (local->mode == PK_MODE_OMP)
        return pk_omp_pieces(k, ctx, pc, local, thread_seconds, poll);
    return pk_serial_pieces(k, ctx, pc, local, thread_seconds, poll);
}

pk_status pk_compute_pieces(const pk_kernel *k, const void *ctx, pk_pieces *pc, const pk_exec *local,
                            double *thread_seconds)
{
    return pk_compute_pieces_polled(k, ctx, pc, local, thread_seconds, NULL);
}
