/* sum: chunked sums of an array.
 *
 * i64 is exact: each element is split into a signed high and an unsigned low 32-bit half;
 * up to 2^31 halves add in 64-bit registers without overflow, so the loop vectorises like a
 * plain int64 reduction while the total is assembled in 128 bits.
 *
 * f64 is exact too: each block is added into a superaccumulator (xsum.c), partials merge
 * exactly, and the value is rounded once to nearest even -- the correctly rounded sum,
 * whatever the number of workers or the order of merges. */
#include <math.h>
#include <string.h>
#include <gmp.h>
#include "sum.h"
#include "pk_isa.h"

_Static_assert(sizeof(unsigned long) == 8, "GMP *_ui calls below assume 64-bit unsigned long");

/* ---- i64 ---------------------------------------------------------------- */

PK_HOT static pk_i128 sum_i64_exact(const int64_t *a, uint64_t n)
{
    pk_i128 total = 0;
    const uint64_t step = (uint64_t)1 << 31;
    while (n) {
        uint64_t m = n < step ? n : step;
        uint64_t lo = 0;
        int64_t hi = 0;
#pragma omp simd reduction(+ : lo, hi)
        for (uint64_t i = 0; i < m; i++) {
            lo += (uint64_t)a[i] & 0xffffffffu;
            hi += a[i] >> 32;   /* arithmetic shift (GCC, Clang): floor(a / 2^32) */
        }
        total += (pk_i128)hi * ((pk_i128)1 << 32) + (pk_i128)lo;
        a += m;
        n -= m;
    }
    return total;
}

static uint64_t sum_grain(const void *ctx)
{
    (void)ctx;
    return PK_SUM_F64_BLOCK;
}

static void i64_identity(const void *ctx, void *partial)
{
    (void)ctx;
    ((pk_sum_i64_partial *)partial)->s = 0;
}

static pk_status i64_run(const void *vctx, uint64_t lo, uint64_t hi, void *partial)
{
    const pk_sum_ctx *ctx = vctx;
    const int64_t *a = (const int64_t *)ctx->data + (lo - ctx->base);
    ((pk_sum_i64_partial *)partial)->s += sum_i64_exact(a, hi - lo);
    return PK_OK;
}

static pk_status i64_merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    ((pk_sum_i64_partial *)acc)->s += ((const pk_sum_i64_partial *)later)->s;
    return PK_OK;
}

const pk_kernel pk_sum_i64_kernel = {
    .name = "sum",
    .partial_size = sizeof(pk_sum_i64_partial),
    .grain = sum_grain,
    .identity = i64_identity,
    .run = i64_run,
    .merge = i64_merge,
};

/* ---- f64 ---------------------------------------------------------------- */

static void f64_identity(const void *ctx, void *partial)
{
    (void)ctx;
    pk_xsum_init(partial);
}

static pk_status f64_merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    pk_xsum_merge(acc, later);
    return PK_OK;
}

static pk_status f64_run(const void *vctx, uint64_t lo, uint64_t hi, void *partial)
{
    const pk_sum_ctx *ctx = vctx;
    pk_xsum_add_array(partial, (const double *)ctx->data + (lo - ctx->base), (size_t)(hi - lo));
    return PK_OK;
}

/* A partial travels between ranks as its bytes (it owns no memory). */
static size_t f64_pack_size(const void *ctx, const void *partial)
{
    (void)ctx, (void)partial;
    return sizeof(pk_sum_f64_partial);
}

static void f64_pack(const void *ctx, const void *partial, void *buf)
{
    (void)ctx;
    memcpy(buf, partial, sizeof(pk_sum_f64_partial));
}

static pk_status f64_unpack(const void *ctx, void *partial, const void *buf, size_t len)
{
    (void)ctx;
    if (len != sizeof(pk_sum_f64_partial))
        return PK_EINVAL;
    memcpy(partial, buf, len);
    return PK_OK;
}

/* Exact merges make any split and any order give the same answer, so the kernel needs no
 * fixed blocks or merge tree (not PK_KERNEL_ORDERED): under MPI each rank sends one partial. */
const pk_kernel pk_sum_f64_kernel = {
    .name = "sum",
    .partial_size = sizeof(pk_sum_f64_partial),
    .grain = sum_grain,
    .identity = f64_identity,
    .run = f64_run,
    .merge = f64_merge,
    .pack_size = f64_pack_size,
    .pack = f64_pack,
    .unpack = f64_unpack,
};

double pk_sum_f64_value(const pk_sum_f64_partial *p)
{
    return pk_xsum_round(p);
}

/* ---- data and references -------------------------------------------------- */

void pk_sum_fill_i64(int64_t *a, uint64_t base, uint64_t lo, uint64_t hi)
{
    for (uint64_t i = lo; i < hi; i++)
        a[i - base] = (int64_t)(i + 1);
}

void pk_sum_fill_f64(double *a, uint64_t base, uint64_t lo, uint64_t hi)
{
    for (uint64_t i = lo; i < hi; i++)
        a[i - base] = (double)(i + 1);
}

static void fill_identity(const void *ctx, void *partial)
{
    (void)ctx;
    *(unsigned char *)partial = 0;
}

static pk_status fill_run(const void *vctx, uint64_t lo, uint64_t hi, void *partial)
{
    const pk_sum_fill_ctx *ctx = vctx;
    (void)partial;
    if (ctx->dtype == PK_DTYPE_F64)
        pk_sum_fill_f64(ctx->data, ctx->base, lo, hi);
    else
        pk_sum_fill_i64(ctx->data, ctx->base, lo, hi);
    return PK_OK;
}

static pk_status fill_merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    (void)acc;
    (void)later;
    return PK_OK;
}

const pk_kernel pk_sum_fill_kernel = {
    .name = "sum-fill",
    .partial_size = 1,
    .grain = sum_grain,
    .identity = fill_identity,
    .run = fill_run,
    .merge = fill_merge,
};

pk_u128 pk_sum_closed_form(uint64_t n)
{
    pk_u128 m = n;
    return m * (m + 1) / 2;
}
