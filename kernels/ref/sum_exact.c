/* The independent reference for sum --dtype f64 (sum_exact.h): another method than the
 * kernel's accumulator -- every double's integer mantissa into a 128-bit bin per exponent,
 * the bins combined exactly with GMP, rounded once. */
#include <math.h>
#include <string.h>
#include <gmp.h>
#include "sum_exact.h"

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
