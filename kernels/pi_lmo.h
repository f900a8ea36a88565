/* pi_lmo: pi(x) for x < 2^64 by the combinatorial method of Lagarias, Miller and Odlyzko
 * (with the easy leaves of Deleglise and Rivat -- v < p^2, phi(v, b) = 1 + pi(v) - b -- read from
 * tables of pi up to sqrt x instead of the sieve, as in Gourdon's variant).
 *
 * pi(x) = phi(x, a) + a - 1 - P2(x, a) with y = alpha * x^(1/3), a = pi(y), z = x / y;
 * phi(x, a) = S1 (ordinary leaves, n <= y) + S2 (special leaves, counted on a sieve of [0, z]).
 *
 * As a parkit kernel: the index range [0, nblocks) is the sieving interval [0, z] cut into
 * blocks of about equal estimated cost (special leaves crowd at the start).  A block sieves
 * itself from scratch with the primes <= sqrt(z) and counts what it finds relative to its own
 * start; its partial carries, per sieve level b <= B = pi(sqrt z), the numbers the block leaves
 * unsieved (cnt[b], primes kept) and the net sign of the leaves that need the count from the
 * start of the interval (sgn[b]); merge(acc, later) adds later.sgn[b] * acc.cnt[b].  The
 * partial is plain bytes of pk_lmo_partial_size(ctx) bytes: use ctx->kernel, whose
 * partial_size is set by setup. */
#ifndef PK_PI_LMO_H
#define PK_PI_LMO_H
#include "pk_kernel.h"

typedef struct {
    double alpha;        /* y = alpha * cbrt(x), clamped to [cbrt x, sqrt x]; 0: by x */
    unsigned seg_log2;   /* log2 of the sieve segment in bits (odd numbers); 0: default */
    unsigned blocks;     /* blocks (pieces) of the interval; 0: by x and memory */
    unsigned workers;    /* with blocks 0: the ranks x threads that will share the blocks (at
                            least 8 each, within the caps of x and memory); 0: 1 */
    uint64_t pitab_max;  /* reach of the pi table past y (easy leaves past it go to the sieve):
                            0: sqrt x within 2^29 integers (64 MiB); at most y: no table */
} pk_lmo_tuning;

typedef struct {
    pk_kernel kernel;    /* pk_lmo_kernel with this context's partial_size */
    uint64_t x, y, z, sqrtx;
    uint32_t a;          /* pi(y) */
    uint32_t B;          /* pi(sqrt z): levels with a count in the partial */
    unsigned seg_log2;
    double alpha;
    uint32_t *primes;    /* primes[1..np] <= y, primes[0] = 0 */
    uint32_t np;
    double *pinv;        /* pinv[i] = 1 / primes[i] (i = 1..np+1), for division by a multiply */
    uint32_t *pi;        /* pi[v] for v <= y */
    uint64_t *pitab;     /* pi up to T beyond y, 240 integers per two words: [2w] the primes
                          * of 240 w + [0, 240) coprime to 30 as bits, [2w + 1] pi(240 w - 1)
                          * for v >= 5 in it (3 for 2, 3, 5 plus the bits before word w); NULL
                          * when T <= y */
    uint64_t mask240[240];  /* the bits of a word for the numbers <= r */
    uint64_t T;          /* pitab's reach: min(sqrt x, a cap on its memory) */
    uint32_t hb;         /* levels b >= hb have no hard leaf (p_{b+1}^4 >= x, x / p_{b+1}^2 <= T):
                          * their counts are never read */
    uint64_t *sqf;       /* squarefree m <= y with lpf(m) > p_pre, ascending: m | (mu lpf) << 32 */
    size_t nsqf;
    int32_t *lpfmu;      /* m <= y: mu(m) * lpf(m) (0 when not squarefree; m = 1: INT32_MAX) */
    uint64_t nblocks;
    uint64_t *bounds;    /* block i is [bounds[i], bounds[i+1]) of the interval [0, z + 1) */
    double *bcost;       /* estimated cost of block i */
    uint32_t pre;        /* level the segment starts at: 6 (pre-sieved by 3..13) or 1 */
    uint64_t *pattern;   /* odd n coprime to 3, 5, 7, 11, 13, periodic in 15015 bits, one
                          * segment plus a period long */
    uint16_t *phi_tab[6];  /* phi(r, b) for r < p_1...p_b (b = 1..5): the levels below pre */
    pk_i128 constant;    /* S1 + the leaves of level 0 + a - 1 */
    uint64_t trivial;    /* x below the method's range: pi(x) itself, nblocks = 1 */
    int is_trivial;
} pk_lmo_ctx;

/* floor(n / d) for d < 2^32 and a quotient below 2^50, from nd = (double)n and inv = 1 / d
 * (both rounded to nearest): three roundings put nd * inv within a relative 3 * 2^-53 of n / d,
 * less than 0.375 in absolute terms below 2^50, so the truncated estimate is off by at most
 * one either way and one signed remainder test mends it.  The leaves divide
 * by primes <= y this way, a multiply instead of a 64-bit division. */
static inline uint64_t pk_div_by_inv(uint64_t n, double nd, uint64_t d, double inv)
{
    uint64_t q = (uint64_t)(nd * inv);
    int64_t r = (int64_t)(n - q * d);
    q -= (uint64_t)(r < 0);
    q += (uint64_t)(r >= (int64_t)d);
    return q;
}

/* Largest x accepted (2^64 - 1). */
#define PK_LMO_MAX UINT64_MAX

/* Setup (not timed with the kernel): primes, pi and mu tables up to y, S1, block cuts.
 * tuning may be NULL.  PK_ENOMEM when the tables do not fit. */
pk_status pk_lmo_setup(pk_lmo_ctx *ctx, uint64_t x, const pk_lmo_tuning *tuning);
void pk_lmo_free(pk_lmo_ctx *ctx);

/* The kernel's index range: [0, ctx->nblocks). */
extern const pk_kernel pk_lmo_kernel;   /* template; the context's copy has the partial size */

/* pi(x) from the merged partial of the whole range. */
uint64_t pk_lmo_result(const pk_lmo_ctx *ctx, const void *partial);

/* pi(x) in one call (serial; for tests and references). */
pk_status pk_lmo_pi(uint64_t x, const pk_lmo_tuning *tuning, uint64_t *pi);
#endif
