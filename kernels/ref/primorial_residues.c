/* The independent check of primorial (primorial_residues.h): N# mod m by multiplying the
 * primes one at a time in Montgomery form -- no product tree, no packing of primes into
 * words, no GMP -- with the primes from a sieve of its own: the kernel's enumeration
 * (kernels/primes.c, pre-sieve, wheel, buckets) is not trusted here. */
#include <stdlib.h>
#include <string.h>
#include "primorial_residues.h"

__extension__ typedef unsigned __int128 u128;

enum {
    MAXMOD = 8,
    GATHER = 256,             /* primes gathered before they are multiplied in */
    BLOCK = 1 << 18,          /* odd numbers per block: a 256 KiB byte array (in L2) */
    PATTERN = 3 * 5 * 7 * 11 * 13,   /* the odd multiples of 3..13 repeat every 15015 odd numbers */
};
static const unsigned pre_primes[] = {3, 5, 7, 11, 13};

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

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m)
{
    uint64_t r = 1 % m;
    for (b %= m; e; e >>= 1) {
        if (e & 1) r = mulmod(r, b, m);
        b = mulmod(b, b, m);
    }
    return r;
}

typedef struct {
    uint64_t n;
    const uint64_t *m;
    size_t k;
    uint64_t minv[MAXMOD];
    const unsigned char *pattern;   /* [PATTERN]: odd number 2x+1 a multiple of 3..13 */
    const uint32_t *base;   /* odd primes <= sqrt(n) */
    size_t nbase;
    uint64_t *blockres;     /* [block][k]: plain residues of the product of the block's primes */
} res_job;

/* r[j] = r[j] * w mod m[j] (Montgomery-deficient for odd m) */
static inline void mul_in(const res_job *J, uint64_t *r, uint64_t w)
{
    for (size_t j = 0; j < J->k; j++)
        r[j] = J->m[j] & 1 ? redc_mul(r[j], w, J->m[j], J->minv[j]) : mulmod(r[j], w, J->m[j]);
}

/* The primes of odd numbers [2b+1 ... ] of block i: one at a time into k residues. */
static int res_block(void *arg, size_t i)
{
    res_job *J = arg;
    uint64_t first = (uint64_t)i * BLOCK;                 /* odd number 2j+1 is index j */
    uint64_t last = (J->n - 1) / 2;                       /* largest odd <= n has index last */
    uint64_t len = last - first + 1 < BLOCK ? last - first + 1 : BLOCK;
    unsigned char *comp = malloc((size_t)len);
    if (!comp) return 1;
    /* multiples of 3..13 from the pattern, then the other base primes crossed off */
    for (uint64_t x = 0, ph = first % PATTERN; x < len;) {
        uint64_t c = PATTERN - ph < len - x ? PATTERN - ph : len - x;
        memcpy(comp + x, J->pattern + ph, (size_t)c);
        x += c;
        ph = 0;
    }
    if (first == 0) {
        comp[0] = 1;                                      /* 1 is not prime */
        for (size_t t = 0; t < sizeof pre_primes / sizeof pre_primes[0]; t++)
            if ((pre_primes[t] - 1) / 2 < len) comp[(pre_primes[t] - 1) / 2] = 0;   /* 3..13 are */
    }
    for (size_t t = 0; t < J->nbase; t++) {
        uint64_t p = J->base[t], sq = p * p;
        if (p <= 13) continue;
        if (sq > 2 * (first + len - 1) + 1) break;
        /* first odd multiple of p >= max(p^2, 2 first + 1), as an index */
        uint64_t lo = 2 * first + 1, start = sq;
        if (start < lo) {
            start = (lo + p - 1) / p * p;
            if (!(start & 1)) start += p;
        }
        for (uint64_t j = (start - 1) / 2 - first; j < len; j += p) comp[j] = 1;
    }
    /* the primes of the block, gathered 8 flags at a time, then taken two at a time while
     * their product fits a word (half the reductions, few unpredictable branches) */
    uint64_t r[MAXMOD], count = 0, got[GATHER + 8];
    size_t ng = 0;
    for (size_t j = 0; j < J->k; j++) r[j] = 1 % J->m[j];
    for (uint64_t x = 0; x < len; x += 8) {
        uint64_t v = 0x0101010101010101ull;   /* past the end: composite */
        if (len - x >= 8)
            memcpy(&v, comp + x, 8);           /* one load (a variable size stalls it) */
        else
            memcpy(&v, comp + x, (size_t)(len - x));
        v = ~v & 0x0101010101010101ull;       /* flags are 0 or 1: a bit per prime byte */
        for (; v; v &= v - 1)
            got[ng++] = 2 * (first + x + (uint64_t)(__builtin_ctzll(v) >> 3)) + 1;
        if (ng >= GATHER || x + 8 >= len) {
            size_t i = 0;
            for (; i + 1 < ng; i += 2) {
                uint64_t t;
                if (__builtin_mul_overflow(got[i], got[i + 1], &t)) {
                    mul_in(J, r, got[i]);
                    mul_in(J, r, got[i + 1]);
                    count += 2;
                } else {
                    mul_in(J, r, t);
                    count++;
                }
            }
            if (i < ng && x + 8 >= len) {   /* the block's odd one out */
                mul_in(J, r, got[i]);
                count++;
                i++;
            }
            ng = i < ng ? (got[0] = got[i], 1) : 0;   /* an odd one waits for the next batch */
        }
    }
    free(comp);
    /* odd m: r = product * 2^(-64 count); times (2^64 mod m)^count */
    for (size_t j = 0; j < J->k; j++) {
        uint64_t m = J->m[j];
        if ((m & 1) && m > 1)
            r[j] = mulmod(r[j], powmod((uint64_t)(((u128)1 << 64) % m), count, m), m);
        J->blockres[i * J->k + j] = r[j];
    }
    return 0;
}

pk_status pk_primorial_residues(uint64_t n, const uint64_t *m, size_t k, uint64_t *res,
                                const pk_par *par)
{
    if (k > MAXMOD || (k && (!m || !res))) return PK_EINVAL;
    for (size_t j = 0; j < k; j++)
        if (m[j] == 0 || m[j] >> 63) return PK_EINVAL;
    for (size_t j = 0; j < k; j++) res[j] = 1 % m[j];
    if (k == 0 || n < 2) return PK_OK;
    for (size_t j = 0; j < k; j++) res[j] = mulmod(res[j], 2, m[j]);   /* the even prime */
    if (n < 3) return PK_OK;

    res_job J = {.n = n, .m = m, .k = k};
    for (size_t j = 0; j < k; j++) {
        uint64_t inv = m[j];                  /* correct to 3 bits for odd m */
        for (int i = 0; i < 5; i++) inv *= 2 - m[j] * inv;
        J.minv[j] = (uint64_t)0 - inv;
    }
    /* odd base primes <= sqrt(n) by a plain sieve */
    uint64_t r = 1;
    while ((r + 1) * (r + 1) <= n) r++;
    unsigned char *small = calloc((size_t)r + 1, 1);
    uint32_t *base = malloc(((size_t)r / 2 + 1) * sizeof *base);
    uint64_t nblocks = ((n - 1) / 2) / BLOCK + 1;
    J.blockres = malloc((size_t)nblocks * k * sizeof *J.blockres);
    pk_status st = PK_OK;
    unsigned char *pattern = malloc(PATTERN);
    if (!small || !base || !J.blockres || !pattern) {
        st = PK_ENOMEM;
    } else {
        for (uint64_t i = 3; i <= r; i += 2) {
            if (small[i]) continue;
            base[J.nbase++] = (uint32_t)i;
            for (uint64_t j = i * i; j <= r; j += 2 * i) small[j] = 1;
        }
        J.base = base;
        for (size_t x = 0; x < PATTERN; x++) {
            pattern[x] = 0;
            for (size_t t = 0; t < sizeof pre_primes / sizeof pre_primes[0]; t++)
                if ((2 * x + 1) % pre_primes[t] == 0) pattern[x] = 1;
        }
        J.pattern = pattern;
        if (pk_par_run(par, (size_t)nblocks, res_block, &J) != 0)
            st = PK_ENOMEM;
        for (uint64_t b = 0; st == PK_OK && b < nblocks; b++)
            for (size_t j = 0; j < k; j++)
                res[j] = mulmod(res[j], J.blockres[b * k + j], m[j]);
    }
    free(small);
    free(base);
    free(pattern);
    free(J.blockres);
    return st;
}
