#include <math.h>
#include <stdlib.h>
#include "primecount.h"

static uint64_t isqrt_u64(uint64_t x)
{
    uint64_t r = (uint64_t)sqrtl((long double)x);
    while (r > 0 && r > x / r)
        r--;
    while ((r + 1) <= x / (r + 1))
        r++;
    return r;
}

double pk_prime_count_combinatorial_cost(uint64_t x)
{
    return pow((double)x, 0.75) / (log((double)x + 2) + 1) * 4;
}

/* For every v in {x / i}: S(v) starts as the count (sum) of 2..v and loses, for each prime p
 * <= sqrt(v), the numbers whose smallest prime factor is p. lo[i] holds S(i), hi[i] S(x / i). */
pk_status pk_prime_count_combinatorial(uint64_t x, uint64_t *count, pk_u128 *sum)
{
    if (x > 1000000000000000ull)
        return PK_EINVAL;
    if (x < 2) {
        *count = 0;
        if (sum)
            *sum = 0;
        return PK_OK;
    }
    uint64_t r = isqrt_u64(x);
    uint64_t *lo = calloc(r + 2, sizeof *lo), *hi = calloc(r + 2, sizeof *hi);
    pk_u128 *slo = NULL, *shi = NULL;
    if (sum) {
        slo = calloc(r + 2, sizeof *slo);
        shi = calloc(r + 2, sizeof *shi);
    }
    if (!lo || !hi || (sum && (!slo || !shi))) {
        free(lo), free(hi), free(slo), free(shi);
        return PK_ENOMEM;
    }
    for (uint64_t i = 1; i <= r; i++) {
        uint64_t v = x / i;
        lo[i] = i - 1;
        hi[i] = v - 1;
        if (sum) {
            slo[i] = (pk_u128)i * (i + 1) / 2 - 1;
            shi[i] = (pk_u128)v * (v + 1) / 2 - 1;
        }
    }
    for (uint64_t p = 2; p <= r; p++) {
        if (lo[p] == lo[p - 1])
            continue;   /* p is not prime */
        uint64_t sp = lo[p - 1], p2 = p * p;
        pk_u128 ssp = sum ? slo[p - 1] : 0;
        uint64_t lim = x / p2 < r ? x / p2 : r;
        for (uint64_t i = 1; i <= lim; i++) {
            uint64_t d = i * p;
            uint64_t c = d <= r ? hi[d] : lo[x / d];
            hi[i] -= c - sp;
            if (sum) {
                pk_u128 s = d <= r ? shi[d] : slo[x / d];
                shi[i] -= (pk_u128)p * (s - ssp);
            }
        }
        for (uint64_t i = r; i >= p2; i--) {
            lo[i] -= lo[i / p] - sp;
            if (sum)
                slo[i] -= (pk_u128)p * (slo[i / p] - ssp);
        }
    }
    *count = hi[1];
    if (sum)
        *sum = shi[1];
    free(lo), free(hi), free(slo), free(shi);
    return PK_OK;
}
