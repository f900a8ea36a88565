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

_Static_assert(sizeof(unsigned long) == 8, "GMP *_ui calls below assume 64-bit unsigned long");

/* ---- i64 ---------------------------------------------------------------- */

static pk_i128 sum_i64_exact(const int64_t *a, uint64_t n)
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

static void mpz_set_i128(mpz_t r, pk_i128 v)
{
    int neg = v < 0;
    pk_u128 u = neg ? -(pk_u128)v : (pk_u128)v;
    mpz_set_ui(r, (unsigned long)(u >> 64));
    mpz_mul_2exp(r, r, 64);
    mpz_add_ui(r, r, (unsigned long)u);
    if (neg)
        mpz_neg(r, r);
}

/* x = acc * 2^-1074 rounded to the nearest double, ties to even. */
static double round_scaled(const mpz_t acc)
{
    int sign = mpz_sgn(acc);
    if (sign == 0)
        return 0.0;
    mpz_t m, rem, half;
    mpz_inits(m, rem, half, NULL);
    mpz_abs(m, acc);
    size_t bits = mpz_sizeinbase(m, 2);
    double r;
    if (bits <= 53) {
        r = ldexp(mpz_get_d(m), -1074);
    } else {
        mp_bitcnt_t shift = bits - 53;
        mpz_tdiv_r_2exp(rem, m, shift);
        mpz_tdiv_q_2exp(m, m, shift);
        mpz_set_ui(half, 1);
        mpz_mul_2exp(half, half, shift - 1);
        int cmp = mpz_cmp(rem, half);
        if (cmp > 0 || (cmp == 0 && mpz_odd_p(m)))
            mpz_add_ui(m, m, 1);
        r = ldexp(mpz_get_d(m), (int)shift - 1074);
    }
    mpz_clears(m, rem, half, NULL);
    return sign < 0 ? -r : r;
}

int pk_sum_f64_matches(double got, double want)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    return memcmp(&got, &want, sizeof got) == 0;
}

double pk_u128_to_double(pk_u128 v)
{
    mpz_t z;
    mpz_init(z);
    mpz_set_ui(z, (unsigned long)(v >> 64));
    mpz_mul_2exp(z, z, 64);
    mpz_add_ui(z, z, (unsigned long)v);
    mpz_mul_2exp(z, z, 1074);   /* round_scaled works in units of 2^-1074 */
    double r = round_scaled(z);
    mpz_clear(z);
    return r;
}

double pk_sum_f64_exact(const double *a, uint64_t n, pk_sum_nonfinite *nf)
{
    static const int NBINS = 2048;
    pk_i128 bin[2048];   /* bin[e]: sum of the signed integer mantissas of exponent field e */
    memset(bin, 0, sizeof bin);
    pk_sum_nonfinite cnt = {0, 0, 0};
    for (uint64_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &a[i], sizeof bits);
        unsigned e = (unsigned)(bits >> 52) & 0x7ff;
        int64_t m = (int64_t)(bits & (((uint64_t)1 << 52) - 1));
        if (e == 0x7ff) {
            if (m)
                cnt.nan++;
            else if (bits >> 63)
                cnt.ninf++;
            else
                cnt.pinf++;
            continue;
        }
        if (e)
            m |= (int64_t)1 << 52;
        else
            e = 1;   /* subnormal: same scale as the smallest normal exponent */
        bin[e] += (bits >> 63) ? -m : m;   /* value = m * 2^(e - 1075); < 2^75 terms fit */
    }
    if (nf)
        *nf = cnt;
    if (cnt.nan || (cnt.pinf && cnt.ninf))
        return NAN;
    if (cnt.pinf || cnt.ninf)
        return cnt.pinf ? INFINITY : -INFINITY;
    mpz_t acc, t;
    mpz_init(acc);
    mpz_init(t);
    for (int e = NBINS - 1; e >= 1; e--) {
        if (!bin[e])
            continue;
        mpz_set_i128(t, bin[e]);
        mpz_mul_2exp(t, t, (mp_bitcnt_t)(e - 1));   /* in units of 2^-1074 */
        mpz_add(acc, acc, t);
    }
    double r = round_scaled(acc);
    mpz_clear(acc);
    mpz_clear(t);
    return r;
}
