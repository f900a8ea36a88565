/* The independent check of primorial (primorial_residues.h): N# mod m by multiplying the
 * primes one at a time in Montgomery form -- no product tree, no packing of primes into
 * words, no GMP. */
#include <stdlib.h>
#include "primorial_residues.h"

__extension__ typedef unsigned __int128 u128;

typedef struct {
    const uint64_t *m;
    size_t k;
    uint64_t *r;        /* odd m: Montgomery-deficient residue (times R^-count); even m: plain */
    uint64_t *minv;     /* odd m: -m^-1 mod 2^64 */
    uint64_t count;     /* primes multiplied in */
} res_acc;

/* a * b * 2^-64 mod m for odd m < 2^63, a < m, any b < 2^64 (so a*b < m * 2^64). */
static inline uint64_t redc_mul(uint64_t a, uint64_t b, uint64_t m, uint64_t minv)
{
    u128 t = (u128)a * b;
    uint64_t u = (uint64_t)t * minv;
    u128 s = t + (u128)u * m;   /* < 2 m 2^64 < 2^128; low 64 bits are 0 */
    uint64_t r = (uint64_t)(s >> 64);
    return r >= m ? r - m : r;
}

static inline uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
    return (uint64_t)((u128)a * b % m);
}

static void res_word(res_acc *R, uint64_t w)
{
    for (size_t j = 0; j < R->k; j++) {
        uint64_t m = R->m[j];
        if (m & 1)
            R->r[j] = redc_mul(R->r[j], w, m, R->minv[j]);
        else
            R->r[j] = mulmod(R->r[j], w, m);
    }
    R->count++;
}

static int res_primes(const uint64_t *p, size_t n, void *arg)
{
    res_acc *R = arg;
    for (size_t i = 0; i < n; i++)
        res_word(R, p[i]);   /* one prime at a time: nothing shared with the kernel's packing */
    return 0;
}

pk_status pk_primorial_residues(const pk_primes_ctx *ctx, uint64_t n, const uint64_t *m, size_t k,
                                uint64_t *res)
{
    if (!ctx || (k && (!m || !res))) return PK_EINVAL;
    if (n > ctx->n_max) return PK_EINVAL;
    for (size_t j = 0; j < k; j++)
        if (m[j] == 0 || m[j] >> 63) return PK_EINVAL;
    if (k == 0) return PK_OK;

    uint64_t *minv = malloc(k * sizeof *minv);
    if (!minv) return PK_ENOMEM;
    res_acc R = {.m = m, .k = k, .r = res, .minv = minv, .count = 0};
    for (size_t j = 0; j < k; j++) {
        res[j] = 1 % m[j];
        if (m[j] & 1) {
            uint64_t inv = m[j];              /* correct to 3 bits for odd m */
            for (int i = 0; i < 5; i++) inv *= 2 - m[j] * inv;
            minv[j] = (uint64_t)0 - inv;
        }
    }
    pk_status st = PK_OK;
    if (n >= 2) {
        if (pk_primes_foreach(ctx, 2, n, res_primes, &R) != 0) st = PK_ENOMEM;
    }
    if (st == PK_OK) {
        /* Odd m: res = prod * 2^(-64 count); multiply by (2^64 mod m)^count. */
        for (size_t j = 0; j < k; j++) {
            if (!(m[j] & 1) || m[j] == 1) continue;
            uint64_t base = (uint64_t)(((u128)1 << 64) % m[j]), f = 1 % m[j];
            for (uint64_t e = R.count; e; e >>= 1) {
                if (e & 1) f = mulmod(f, base, m[j]);
                base = mulmod(base, base, m[j]);
            }
            res[j] = mulmod(res[j], f, m[j]);
        }
    }
    free(minv);
    return st;
}
