/* Cost-balanced splits of a range: the shares of ranks (exec.h). */
#include <stdlib.h>
#include "exec.h"

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
