/* primes: count, sum and enumerate the primes in [A, N] for any N < 2^64 -- with the
 * segmented sieve of sieve.c (its opening comment explains the method), by trial division,
 * or by the tutorial's naive loop.  run() is thread-safe with a shared read-only context:
 * each call sieves in scratch of its own. */
#include "primes.h"
#include "pi_lmo.h"
#include "pk_isa.h"
#include "sieve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

__extension__ typedef unsigned __int128 u128;

enum { BATCH = 4096 };   /* primes per pk_primes_foreach callback */

/* ---- setup ------------------------------------------------------------------------------ */

static void advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t H = (uintptr_t)2 << 20;
    uintptr_t s = ((uintptr_t)p + H - 1) & ~(H - 1), e = ((uintptr_t)p + n) & ~(H - 1);
    if (e > s) (void)madvise((void *)s, e - s, MADV_HUGEPAGE);
#else
    (void)p; (void)n;
#endif
}

/* The primes >= 7 in [lo, hi] (1 <= lo <= hi <= r), sieved with the base primes <= sqrt(r):
 * the first cap of them into v, their number into *n (it may pass cap). */
static pk_status sieve_into(const uint32_t *base, size_t nb, uint64_t r, uint64_t lo, uint64_t hi,
                            uint32_t *v, size_t cap, size_t *n)
{
    pk_primes_ctx bctx = {PK_PRIMES_SIEVE, 0, r, (uint32_t *)base, nb, 0};
    pk_sieve st;
    size_t k = 0;
    *n = 0;
    pk_status s = pk_sieve_init(&st, &bctx, lo, hi);
    if (s != PK_OK) return s;
    while (pk_sieve_next(&st)) {
        const uint8_t *sg = st.seg;
        uint64_t base30 = 30 * st.s0;
        for (size_t w = 0; w < (st.len + 7) / 8; w++) {
            uint64_t x;
            memcpy(&x, sg + 8 * w, 8);
            while (x) {
                unsigned t = (unsigned)__builtin_ctzll(x);
                x &= x - 1;
                if (k < cap) v[k] = (uint32_t)(base30 + 30 * (8 * w + t / 8) + pk_wheel[t % 8]);
                k++;
            }
        }
    }
    s = st.err;
    pk_sieve_free(&st);
    *n = k;
    return s;
}

/* The parallel setup cuts [1, r] into pieces that sieve at once, each writing its primes
 * where they belong: piece i starts at index pi(from_i - 1), which LMO computes in a few
 * milliseconds (a first parallel pass, one count per cut), and the sieve's count of every piece
 * must match LMO's (a disagreement is a broken kernel, not an answer).  From r = 2^28 on
 * (N >= 7.2e16): at 2 threads it took the setup of N = 1e18 from 0.35 to 0.22 s and of
 * N = 2^64 - 1 from 2.5 to 1.4 s, while at N = 1e16 (r = 1e8, 25 ms serial) the team's start
 * ate the gain. */
#define PAR_SETUP_MIN ((uint64_t)1 << 28)

typedef struct {
    const uint32_t *base;
    size_t nb;
    uint64_t r;
    size_t pieces;
    uint32_t *v;
    uint64_t *at;      /* piece i fills v[at[i] .. at[i + 1]); at[0] = 3 (2, 3, 5 first) */
    pk_status *err;    /* per piece */
} upto_job;

static uint64_t piece_from(const upto_job *J, size_t i)
{
    if (i == 0) return 1;
    if (i == J->pieces) return J->r + 1;
    return J->r / J->pieces * i / 30 * 30;   /* >= 30 (r >= 2^28 and pieces <= 256) */
}

static int upto_cut(void *arg, size_t i)   /* the cut before piece i + 1 */
{
    const upto_job *J = arg;
    J->err[i] = pk_lmo_pi(piece_from(J, i + 1) - 1, NULL, &J->at[i + 1]);
    return J->err[i] != PK_OK;
}

static int upto_piece(void *arg, size_t i)
{
    const upto_job *J = arg;
    const uint64_t at = J->at[i], end = J->at[i + 1];
    size_t got = 0;
    pk_status s = end < at ? PK_EKERNEL
                  : sieve_into(J->base, J->nb, J->r, piece_from(J, i), piece_from(J, i + 1) - 1,
                               J->v + at, (size_t)(end - at), &got);
    if (s == PK_OK && got != end - at) s = PK_EKERNEL;
    J->err[i] = s;
    return s != PK_OK;
}

/* primes_upto's pieces; the primes go to *out, *n of them */
static pk_status upto_par(const uint32_t *base, size_t nb, uint64_t r, const pk_par *par,
                          uint32_t **out, size_t *n)
{
    size_t pieces = 4 * (size_t)pk_par_width(par);
    if (pieces > 256) pieces = 256;
    uint64_t *at = calloc(pieces + 1, sizeof *at);
    pk_status *err = calloc(pieces, sizeof *err);
    uint32_t *v = NULL;
    pk_status s = at && err ? pk_lmo_pi(r, NULL, &at[pieces]) : PK_ENOMEM;
    if (s == PK_OK) {
        at[0] = 3;
        upto_job J = {base, nb, r, pieces, NULL, at, err};
        pk_par_run(par, pieces - 1, upto_cut, &J);
        for (size_t i = 0; i + 1 < pieces && s == PK_OK; i++) s = err[i];
        if (s == PK_OK && !(v = malloc((size_t)at[pieces] * sizeof *v))) s = PK_ENOMEM;
        if (s == PK_OK) {
            advise_huge(v, (size_t)at[pieces] * sizeof *v);
            v[0] = 2, v[1] = 3, v[2] = 5;
            J.v = v;
            pk_par_run(par, pieces, upto_piece, &J);
            for (size_t i = 0; i < pieces && s == PK_OK; i++) s = err[i];
        }
    }
    *n = s == PK_OK ? (size_t)at[pieces] : 0;
    free(at);
    free(err);
    if (s != PK_OK) { free(v); v = NULL; }
    *out = v;
    return s;
}

/* Primes <= r (r < 2^32) into a fresh array: a plain sieve for the base primes up to sqrt(r),
 * then the segmented wheel sieve for the rest, in pieces on par's threads when r is large. */
static pk_status primes_upto(uint64_t r, uint32_t **out, size_t *nout, const pk_par *par)
{
    *out = NULL;
    *nout = 0;
    if (r < 2) return PK_OK;
    uint32_t rr = (uint32_t)pk_isqrt64(r);
    uint8_t *comp = calloc((size_t)rr + 1, 1);
    uint32_t *base = malloc(((size_t)rr / 2 + 4) * sizeof *base);
    if (!comp || !base) { free(comp); free(base); return PK_ENOMEM; }
    size_t nb = 0;
    for (uint32_t i = 2; i <= rr; i++) {
        if (comp[i]) continue;
        base[nb++] = i;
        for (uint32_t j = i * i; j <= rr; j += i) comp[j] = 1;
    }
    free(comp);
    if (pk_par_width(par) >= 2 && r >= PAR_SETUP_MIN) {
        pk_status s = upto_par(base, nb, r, par, out, nout);
        free(base);
        return s;
    }
    /* pi(x) < 1.25506 x / ln x for x > 1 (Rosser & Schoenfeld) */
    size_t cap = r < 1000 ? 200 : (size_t)(1.25506 * (double)r / log((double)r)) + 64;
    uint32_t *v = malloc(cap * sizeof *v);
    if (!v) { free(base); return PK_ENOMEM; }
    advise_huge(v, cap * sizeof *v);
    size_t n = 0;
    static const uint32_t first[3] = {2, 3, 5};
    for (int k = 0; k < 3; k++) if (first[k] <= r) v[n++] = first[k];
    size_t got = 0;
    pk_status s = sieve_into(base, nb, r, 1, r, v + n, cap - n, &got);
    free(base);
    n += got;
    if (s == PK_OK && n > cap) s = PK_ERANGE;   /* cannot happen: the bound is proven */
    if (s != PK_OK) { free(v); return s; }
    *out = v;
    *nout = n;
    return PK_OK;
}

pk_status pk_primes_setup(pk_primes_ctx *ctx, pk_primes_algo algo, uint64_t n_max, int want_sum)
{
    return pk_primes_setup_par(ctx, algo, n_max, want_sum, NULL);
}

pk_status pk_primes_setup_par(pk_primes_ctx *ctx, pk_primes_algo algo, uint64_t n_max, int want_sum,
                              const pk_par *par)
{
    if (!ctx) return PK_EINVAL;
    memset(ctx, 0, sizeof *ctx);
    if (algo != PK_PRIMES_SIEVE && algo != PK_PRIMES_TRIAL && algo != PK_PRIMES_NAIVE)
        return PK_EINVAL;
    ctx->algo = algo;
    ctx->want_sum = want_sum;
    ctx->n_max = n_max;
    if (algo == PK_PRIMES_NAIVE) return PK_OK;   /* the naive test needs no primes */
    return primes_upto(pk_isqrt64(n_max), &ctx->small, &ctx->nsmall, par);
}

void pk_primes_free(pk_primes_ctx *ctx)
{
    if (!ctx) return;
    free(ctx->small);
    ctx->small = NULL;
    ctx->nsmall = 0;
}

void pk_primes_index_range(uint64_t a, uint64_t n, uint64_t *lo, uint64_t *hi)
{
    *lo = (a > 1 ? a : 1) - 1;
    *hi = n;
}

/* ---- one integer at a time ---------------------------------------------------------------- */

static int is_prime_trial(const pk_primes_ctx *ctx, uint64_t x)
{
    if (x < 2) return 0;
    const uint32_t *P = ctx->small;
    size_t n = ctx->nsmall;
    if (x <= UINT32_MAX) {
        uint32_t y = (uint32_t)x;
        for (size_t k = 0; k < n; k++) {
            uint32_t p = P[k];
            if ((uint64_t)p * p > y) break;
            if (y % p == 0) return 0;
        }
        return 1;
    }
    for (size_t k = 0; k < n; k++) {
        uint64_t p = P[k];
        if (p * p > x) break;
        if (x % p == 0) return 0;
    }
    return 1;
}

/* The tutorial's test, kept exactly as slow as it is: try every j from 2 to i/2. */
static int is_prime_naive(uint64_t i)
{
    if (i < 2) return 0;
    for (uint64_t j = 2; j <= i / 2; j++)
        if (i % j == 0) return 0;
    return 1;
}

static int is_prime_by(const pk_primes_ctx *ctx, uint64_t x)
{
    return ctx->algo == PK_PRIMES_TRIAL ? is_prime_trial(ctx, x) : is_prime_naive(x);
}

/* ---- the kernel --------------------------------------------------------------------------- */

static void count_small(uint64_t a, uint64_t b, int want_sum, pk_primes_partial *acc)
{
    static const uint64_t p235[3] = {2, 3, 5};
    for (int k = 0; k < 3; k++)
        if (a <= p235[k] && p235[k] <= b) {
            acc->count++;
            if (want_sum) acc->sum += p235[k];
        }
}

PK_HOT static pk_status sieve_count(const pk_primes_ctx *ctx, uint64_t a, uint64_t b, pk_primes_partial *acc)
{
    count_small(a, b, ctx->want_sum, acc);
    pk_sieve st;
    pk_status s = pk_sieve_init(&st, ctx, a, b);
    if (s != PK_OK) return s;
    uint64_t count = 0;
    while (pk_sieve_next(&st)) {
        const uint8_t *sg = st.seg;
        size_t nw = (st.len + 7) / 8;
        uint64_t c = 0;
        for (size_t w = 0; w < nw; w++) {
            uint64_t x;
            memcpy(&x, sg + 8 * w, 8);
            c += (uint64_t)__builtin_popcountll(x);
        }
        count += c;
        if (ctx->want_sum) {
            /* bit t of word w is the integer 30 (s0 + 8w + t/8) + pk_wheel[t % 8]: sum by bit planes */
            uint64_t rel = 0;
            for (size_t w = 0; w < nw; w++) {
                uint64_t x;
                memcpy(&x, sg + 8 * w, 8);
                uint64_t byte = (uint64_t)__builtin_popcountll(x & 0xff00ff00ff00ff00ULL) +
                                2 * (uint64_t)__builtin_popcountll(x & 0xffff0000ffff0000ULL) +
                                4 * (uint64_t)__builtin_popcountll(x & 0xffffffff00000000ULL);
                uint64_t res = 0;
                for (unsigned k = 0; k < 8; k++)
                    res += pk_wheel[k] * (uint64_t)__builtin_popcountll(x & (0x0101010101010101ULL << k));
                rel += 30 * (8 * w * (uint64_t)__builtin_popcountll(x) + byte) + res;
            }
            acc->sum += (u128)(30 * st.s0) * c + rel;
        }
    }
    acc->count += count;
    s = st.err;
    pk_sieve_free(&st);
    return s;
}

static pk_status primes_run(const void *vctx, uint64_t lo, uint64_t hi, void *vpart)
{
    const pk_primes_ctx *ctx = vctx;
    pk_primes_partial *part = vpart;
    if (lo >= hi) return PK_OK;
    if (ctx->algo != PK_PRIMES_NAIVE && (hi > ctx->n_max || (hi >= 4 && !ctx->nsmall)))
        return PK_EINVAL;              /* the sieving primes do not reach sqrt(hi) */
    uint64_t a = lo + 1, b = hi;       /* index i is the integer i + 1 */
    pk_primes_partial acc = {0, 0};
    if (ctx->algo == PK_PRIMES_SIEVE) {
        pk_status s = sieve_count(ctx, a, b, &acc);
        if (s != PK_OK) return s;
    } else if (ctx->algo == PK_PRIMES_TRIAL || ctx->algo == PK_PRIMES_NAIVE) {
        for (uint64_t x = a;; x++) {
            if (is_prime_by(ctx, x)) {
                acc.count++;
                if (ctx->want_sum) acc.sum += x;
            }
            if (x == b) break;
        }
    } else {
        return PK_EINVAL;
    }
    part->count += acc.count;
    part->sum += acc.sum;
    return PK_OK;
}

static uint64_t primes_grain(const void *vctx)
{
    const pk_primes_ctx *ctx = vctx;
    if (ctx->algo == PK_PRIMES_TRIAL) return (uint64_t)1 << 16;
    if (ctx->algo == PK_PRIMES_NAIVE) return (uint64_t)1 << 8;
    /* sieve: 8 MiB of sieve at least, and enough that activating every sieving prime (one
     * division and a bucket push each) stays a small part of a piece: a prime p near sqrt(n)
     * hits about once in 3.75 p integers, so 128 sqrt(n) gives it ~34 hits per activation
     * (far out this leaves one piece per thread for a range of 1e10); whole segments */
    /* (a context whose segment size is out of range gets the machine's here; run() refuses it) */
    const unsigned lg = pk_sieve_ctx_seg_log(ctx);
    const uint64_t span = (uint64_t)30 << (lg ? lg : pk_sieve_seg_log());
    uint64_t g = (uint64_t)30 << 23, g2 = pk_isqrt64(ctx->n_max) * 128;
    g = (g + span - 1) / span * span;
    if (g2 > g) g = (g2 + span - 1) / span * span;
    return g;
}

static void primes_identity(const void *ctx, void *p)
{
    (void)ctx;
    pk_primes_partial *r = p;
    r->count = 0;
    r->sum = 0;
}

static pk_status primes_merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    pk_primes_partial *a = acc;
    const pk_primes_partial *l = later;
    a->count += l->count;
    a->sum += l->sum;
    return PK_OK;
}

/* Relative cost of the integers (lo, hi]: the sieve's work grows with the length only; trial
 * and naive division spend most of their time on the primes, which get dearer as they grow.
 * Each model is F(hi) - F(lo) for an increasing F, written so that the difference does not
 * cancel catastrophically near 2^64 (hence monotone and additive up to rounding). */
static double primes_cost(const void *vctx, uint64_t lo, uint64_t hi)
{
    const pk_primes_ctx *ctx = vctx;
    if (hi <= lo) return 0.0;
    const double d = (double)(hi - lo), x0 = (double)lo, x1 = (double)hi;
    const double E2 = 7.38905609893065;          /* e^2: keeps L >= 2 */
    const double L0 = log(x0 + E2), L1 = log(x1 + E2);
    const double dL = log1p(d / (x0 + E2));      /* L1 - L0 */
    if (ctx->algo == PK_PRIMES_TRIAL) {
        /* per integer: ~3 divisions for a composite, pi(sqrt x) ~ 2 sqrt(x) / ln x for a prime
         * (density 1 / ln x); antiderivative ~ (4/3) x^1.5 / L^2, increasing since L >= 2 */
        const double s0 = sqrt(x0), s1 = sqrt(x1);
        const double d15 = d * (x1 * x1 + x1 * x0 + x0 * x0) / (x1 * s1 + x0 * s0);  /* x1^1.5 - x0^1.5 */
        double g = d15 / (L1 * L1) - x0 * s0 * dL * (L1 + L0) / (L1 * L1 * L0 * L0);
        if (!(g > 0)) g = 0;
        return 3.0 * d + (4.0 / 3.0) * g;
    }
    if (ctx->algo == PK_PRIMES_NAIVE) {
        /* per integer: ~2 divisions for a composite, x / 2 for a prime (density 1 / ln x);
         * antiderivative ~ x^2 / (4 L), increasing since L >= 2 */
        double g = (d * (x1 + x0) / L1 - x0 * x0 * dL / (L1 * L0)) / 4.0;
        if (!(g > 0)) g = 0;
        return 2.0 * d + g;
    }
    return d;
}

const pk_kernel pk_primes_kernel = {
    .name = "primes",
    .partial_size = sizeof(pk_primes_partial),
    .flags = 0,
    .grain = primes_grain,
    .identity = primes_identity,
    .run = primes_run,
    .merge = primes_merge,
    .release = NULL,
    .cost = primes_cost,
};

/* ---- enumeration ---------------------------------------------------------------------------- */

int pk_primes_foreach(const pk_primes_ctx *ctx, uint64_t a, uint64_t b, pk_primes_cb cb, void *arg)
{
    if (!ctx || !cb) return -1;
    if (a > b) return 0;
    if (ctx->algo != PK_PRIMES_NAIVE && (b > ctx->n_max || (b >= 4 && !ctx->nsmall))) return -1;
    uint64_t *buf = malloc(BATCH * sizeof *buf);
    if (!buf) return -1;
    size_t n = 0;
    int r = 0;
    if (ctx->algo == PK_PRIMES_SIEVE) {
        static const uint64_t p235[3] = {2, 3, 5};
        for (int k = 0; k < 3; k++)
            if (a <= p235[k] && p235[k] <= b) buf[n++] = p235[k];
        pk_sieve st;
        if (pk_sieve_init(&st, ctx, a, b) != PK_OK) { free(buf); return -1; }
        while (!r && pk_sieve_next(&st)) {
            const uint8_t *sg = st.seg;
            uint64_t base30 = 30 * st.s0;
            for (size_t w = 0; !r && w < (st.len + 7) / 8; w++) {
                uint64_t x;
                memcpy(&x, sg + 8 * w, 8);
                while (x) {
                    unsigned t = (unsigned)__builtin_ctzll(x);
                    x &= x - 1;
                    buf[n++] = base30 + 30 * (8 * w + t / 8) + pk_wheel[t % 8];
                    if (n == BATCH) {
                        r = cb(buf, n, arg);
                        n = 0;
                        if (r) break;
                    }
                }
            }
        }
        if (!r && st.err != PK_OK) r = -1;
        pk_sieve_free(&st);
    } else if (ctx->algo == PK_PRIMES_TRIAL || ctx->algo == PK_PRIMES_NAIVE) {
        for (uint64_t x = a; !r; x++) {
            if (is_prime_by(ctx, x)) {
                buf[n++] = x;
                if (n == BATCH) { r = cb(buf, n, arg); n = 0; }
            }
            if (x == b) break;
        }
    } else {
        r = -1;
    }
    if (!r && n) r = cb(buf, n, arg);
    free(buf);
    return r;
}

/* ---- known values ------------------------------------------------------------------------------ */

int pk_primes_known_pi(uint64_t x, uint64_t *pi)
{
    static const struct { uint64_t x, pi; } t[] = {
        /* pi(10^k), k = 0..19 */
        {1ULL, 0ULL},
        {10ULL, 4ULL},
        {100ULL, 25ULL},
        {1000ULL, 168ULL},
        {10000ULL, 1229ULL},
        {100000ULL, 9592ULL},
        {1000000ULL, 78498ULL},
        {10000000ULL, 664579ULL},
        {100000000ULL, 5761455ULL},
        {1000000000ULL, 50847534ULL},
        {10000000000ULL, 455052511ULL},
        {100000000000ULL, 4118054813ULL},
        {1000000000000ULL, 37607912018ULL},
        {10000000000000ULL, 346065536839ULL},
        {100000000000000ULL, 3204941750802ULL},
        {1000000000000000ULL, 29844570422669ULL},
        {10000000000000000ULL, 279238341033925ULL},
        {100000000000000000ULL, 2623557157654233ULL},
        {1000000000000000000ULL, 24739954287740860ULL},
        {10000000000000000000ULL, 234057667276344607ULL},
        /* pi(2^k) */
        {1ULL << 10, 172ULL},
        {1ULL << 16, 6542ULL},
        {1ULL << 20, 82025ULL},
        {1ULL << 24, 1077871ULL},
        {1ULL << 30, 54400028ULL},
        {1ULL << 31, 105097565ULL},
        {1ULL << 32, 203280221ULL},
        {1ULL << 33, 393615806ULL},
        {1ULL << 34, 762939111ULL},
        {1ULL << 35, 1480206279ULL},
        {1ULL << 36, 2874398515ULL},
        {1ULL << 37, 5586502348ULL},
        {1ULL << 38, 10866266172ULL},
        {UINT64_MAX, 425656284035217743ULL},     /* pi(2^64 - 1) = pi(2^64) */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].x == x) {
            if (pi) *pi = t[i].pi;
            return 1;
        }
    return 0;
}
