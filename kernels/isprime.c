/* isprime: deterministic Miller-Rabin for every n < 2^64.
 *
 * Trial division by the primes below 64 settles small n and most composites.  Then a strong
 * probable-prime test to the seven bases {2, 325, 9375, 28178, 450775, 9780504, 1795265022}
 * (J. Sinclair's set, which has no common strong pseudoprime below 2^64; a base that is 0 mod
 * n is skipped).  Arithmetic mod n is Montgomery's (R = 2^64), so a multiplication is three
 * 64x64 products and no division. */
#include "isprime.h"

__extension__ typedef unsigned __int128 u128;

typedef struct {
    uint64_t n, ninv;   /* n odd; ninv = n^-1 mod 2^64 */
    uint64_t one;       /* R mod n */
    uint64_t r2;        /* R^2 mod n */
} mont_t;

static void mont_init(mont_t *m, uint64_t n)
{
    uint64_t inv = n;                       /* correct to 3 bits for odd n */
    for (int k = 0; k < 5; k++) inv *= 2 - n * inv;   /* Newton: 6, 12, 24, 48, 96 bits */
    m->n = n;
    m->ninv = inv;
    m->one = (0 - n) % n;                   /* 2^64 mod n */
    m->r2 = (uint64_t)(((u128)m->one * m->one) % n);
}

/* a * b / R mod n, for a, b < n */
static inline uint64_t mont_mul(const mont_t *m, uint64_t a, uint64_t b)
{
    u128 t = (u128)a * b;
    uint64_t q = (uint64_t)t * m->ninv;     /* q*n = t (mod 2^64) */
    uint64_t th = (uint64_t)(t >> 64), qh = (uint64_t)(((u128)q * m->n) >> 64);
    /* (t - q n) / 2^64 = th - qh, in (-n, n) */
    return th >= qh ? th - qh : th - qh + m->n;
}

/* Strong probable prime to base a (a < n, a != 0), n - 1 = d 2^s with d odd. */
static int sprp(const mont_t *m, uint64_t a, uint64_t d, int s)
{
    uint64_t minus_one = m->n - m->one;
    uint64_t b = mont_mul(m, a, m->r2);     /* a R mod n */
    uint64_t x = m->one;
    for (uint64_t e = d; e; e >>= 1) {      /* x = b^d */
        if (e & 1) x = mont_mul(m, x, b);
        b = mont_mul(m, b, b);
    }
    if (x == m->one || x == minus_one) return 1;
    for (int r = 1; r < s; r++) {
        x = mont_mul(m, x, x);
        if (x == minus_one) return 1;
        if (x == m->one) return 0;
    }
    return 0;
}

int pk_is_prime_u64(uint64_t n)
{
    static const uint8_t sp[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61};
    if (n < 2) return 0;
    for (unsigned i = 0; i < sizeof sp; i++) {
        if (n == sp[i]) return 1;
        if (n % sp[i] == 0) return 0;
    }
    if (n < 67 * 67) return 1;              /* no prime factor below 67 and n < 67^2 */
    static const uint64_t bases[] = {2, 325, 9375, 28178, 450775, 9780504, 1795265022};
    uint64_t d = n - 1;
    int s = __builtin_ctzll(d);
    d >>= s;
    mont_t m;
    mont_init(&m, n);
    for (unsigned i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        uint64_t a = bases[i] % n;
        if (a == 0) continue;
        if (!sprp(&m, a, d, s)) return 0;
    }
    return 1;
}

/* ---- the kernel: index i tests nums[i] ------------------------------------------------------- */

static uint64_t isp_grain(const void *ctx)
{
    (void)ctx;
    return 4096;
}

static void isp_identity(const void *ctx, void *p)
{
    (void)ctx;
    *(uint64_t *)p = 0;
}

static pk_status isp_run(const void *vctx, uint64_t lo, uint64_t hi, void *p)
{
    const pk_isprime_ctx *ctx = vctx;
    if (lo >= hi) return PK_OK;
    if (!ctx || !ctx->nums) return PK_EINVAL;
    uint64_t c = 0;
    for (uint64_t i = lo; i < hi; i++) {
        int v = pk_is_prime_u64(ctx->nums[i]);
        if (ctx->verdict) ctx->verdict[i] = (uint8_t)v;
        c += (uint64_t)v;
    }
    *(uint64_t *)p += c;
    return PK_OK;
}

static pk_status isp_merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)later;
    return PK_OK;
}

const pk_kernel pk_isprime_kernel = {
    .name = "isprime",
    .partial_size = sizeof(uint64_t),
    .flags = 0,
    .grain = isp_grain,
    .identity = isp_identity,
    .run = isp_run,
    .merge = isp_merge,
    .release = NULL,
    .cost = NULL,
};
