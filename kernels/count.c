/* count: result += 1, (hi - lo) times.  The empty asm statement tells the compiler the
 * accumulator may have changed behind its back, so the loop cannot be folded into
 * `hi - lo` or vectorised away: the time really grows with N. */
#include "count.h"

uint64_t pk_count_range(uint64_t lo, uint64_t hi)
{
    uint64_t r = 0;
    for (uint64_t i = lo; i < hi; i++) {
        r += 1;
        __asm__ volatile("" : "+r"(r));
    }
    return r;
}

static uint64_t count_grain(const void *ctx)
{
    (void)ctx;
    return (uint64_t)1 << 24;
}

static void count_identity(const void *ctx, void *partial)
{
    (void)ctx;
    *(uint64_t *)partial = 0;
}

static pk_status count_run(const void *ctx, uint64_t lo, uint64_t hi, void *partial)
{
    (void)ctx;
    *(uint64_t *)partial += pk_count_range(lo, hi);
    return PK_OK;
}

static pk_status count_merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)later;
    return PK_OK;
}

const pk_kernel pk_count_kernel = {
    .name = "count",
    .partial_size = sizeof(uint64_t),
    .grain = count_grain,
    .identity = count_identity,
    .run = count_run,
    .merge = count_merge,
};
