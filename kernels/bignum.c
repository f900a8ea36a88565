/* Big-integer steps for huge results (bignum.h). */
#include "bignum.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifdef PK_FLINT_LIB
#include <dlfcn.h>
#include <pthread.h>
#include <flint/flint.h>
#include <flint/fft.h>
#endif

__extension__ typedef unsigned __int128 u128;

/* ---- one multiplication ------------------------------------------------------------------- */

/* From this size on (both operands, in limbs) FLINT's FFT multiplies faster than mpz_mul:
 * measured here (FLINT 2.9, GMP 6.2, one core, medians of 9-41 runs): mpz_mul's time over
 * FLINT's 0.85 at 4k limbs, 0.99 at 8k, 1.07-1.21 from 16k to 512k. An operand more than
 * MUL_FFT_SKEW times the other's length stays with GMP, which splits unbalanced products
 * itself (FLINT was 0.84-1.04x there). */
enum { MUL_FFT_MIN_LIMBS = 1 << 14, MUL_FFT_SKEW = 4 };

#ifdef PK_FLINT_LIB
/* FLINT is loaded (dlopen) at the first product that needs it, not linked: it brings NTL and
 * the C++ runtime, 60 MB of address space at start-up, to every parkit process, and under an
 * address-space limit an MPI rank then failed inside MPI_Init's shared memory. Missing or
 * unloadable at run time: mpz_mul, and the report says why. */
typedef __typeof__(flint_mpn_mul_fft_main) fft_mul_fn;
typedef __typeof__(__flint_set_memory_functions) set_mem_fn;
static fft_mul_fn *fft_mul;   /* set once by flint_load, read after pthread_once */
static pthread_once_t flint_once = PTHREAD_ONCE_INIT;
static _Atomic int flint_state;   /* 0 never needed, 1 loaded, -1 could not be loaded */
static void *(*mem_alloc)(size_t), *(*mem_calloc)(size_t, size_t), *(*mem_realloc)(void *, size_t);
static void (*mem_free)(void *);

static void flint_load(void)
{
    static const char *const names[] = {PK_FLINT_LIB, PK_FLINT_PATH};
    void *h = NULL;
    for (size_t i = 0; !h && i < sizeof names / sizeof names[0]; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    void *fs = h ? dlsym(h, "flint_mpn_mul_fft_main") : NULL;
    void *ms = h ? dlsym(h, "__flint_set_memory_functions") : NULL;
    fft_mul_fn *f;
    set_mem_fn *m;
    memcpy(&f, &fs, sizeof f);   /* POSIX: a symbol's address, object or function */
    memcpy(&m, &ms, sizeof m);
    if (!f || !m) {
        if (h)
            dlclose(h);
        atomic_store(&flint_state, -1);
        return;
    }
    if (mem_alloc)
        m(mem_alloc, mem_calloc, mem_realloc, mem_free);
    fft_mul = f;
    atomic_store(&flint_state, 1);
}
#endif

const char *pk_bignum_mul_name(void)
{
#ifdef PK_FLINT_LIB
    switch (atomic_load(&flint_state)) {
    case 1: return "FLINT " FLINT_VERSION " FFT from 16384 limbs, GMP mpz_mul below";
    case -1: return "GMP mpz_mul (FLINT " PK_FLINT_LIB " could not be loaded)";
    default: return "GMP mpz_mul (no product needed FLINT's FFT)";
    }
#else
    return "GMP mpz_mul";
#endif
}

const char *pk_bignum_mul_config(void)
{
#ifdef PK_FLINT_LIB
    return "FLINT " FLINT_VERSION " FFT from 16384 limbs (" PK_FLINT_LIB ", loaded when first needed), GMP mpz_mul below";
#else
    return "GMP mpz_mul (built without FLINT)";
#endif
}

/* *a the longer operand (*na >= *nb limbs), *b the other. */
static void order_operands(mpz_srcptr *a, mpz_srcptr *b, size_t *na, size_t *nb)
{
    *na = mpz_size(*a), *nb = mpz_size(*b);
    if (*na < *nb) {
        mpz_srcptr t = *a;
        *a = *b, *b = t;
        size_t u = *na;
        *na = *nb, *nb = u;
    }
}

void pk_mpz_mul(mpz_ptr r, mpz_srcptr a, mpz_srcptr b)
{
#ifdef PK_FLINT_LIB
    size_t na, nb;
    order_operands(&a, &b, &na, &nb);   /* a the longer */
    if (nb >= MUL_FFT_MIN_LIMBS && na <= nb * MUL_FFT_SKEW && (pthread_once(&flint_once, flint_load), fft_mul)) {
        int sign = mpz_sgn(a) * mpz_sgn(b);
        mpz_t out;   /* r may be a or b: the product goes to a fresh number */
        mpz_init(out);
        size_t nr = na + nb;
        mp_limb_t *rp = mpz_limbs_write(out, (mp_size_t)nr);
        fft_mul(rp, mpz_limbs_read(a), (mp_size_t)na, mpz_limbs_read(b), (mp_size_t)nb);
        if (rp[nr - 1] == 0)   /* the top limbs of a and b are non-zero: one limb at most */
            nr--;
        mpz_limbs_finish(out, sign < 0 ? -(mp_size_t)nr : (mp_size_t)nr);
        mpz_swap(r, out);
        mpz_clear(out);
        return;
    }
#endif
    mpz_mul(r, a, b);
}

void pk_bignum_set_memory_functions(void *(*alloc)(size_t), void *(*calloc_)(size_t, size_t),
                                    void *(*realloc_)(void *, size_t), void (*free_)(void *))
{
#ifdef PK_FLINT_LIB
    mem_alloc = alloc, mem_calloc = calloc_, mem_realloc = realloc_, mem_free = free_;
#else
    (void)alloc, (void)calloc_, (void)realloc_, (void)free_;
#endif
}

/* ---- multiplication over threads ---------------------------------------------------------- */

enum { PAR_MUL_MIN_LIMBS = 1 << 14 };   /* 1 Mbit: below, a product takes ~1 ms, a task start more than it saves */

typedef struct {
    mpz_srcptr small;        /* |the shorter operand| */
    const mp_limb_t *big;    /* limbs of the longer one */
    size_t nb, k;
    mpz_t *prod;
} mul_job;

static size_t piece_cut(size_t nb, size_t k, size_t i)
{
    return (size_t)((u128)nb * i / k);
}

static int mul_piece(void *arg, size_t i)
{
    mul_job *J = arg;
    size_t lo = piece_cut(J->nb, J->k, i), hi = piece_cut(J->nb, J->k, i + 1);
    mpz_t piece;
    mpz_srcptr p = mpz_roinit_n(piece, J->big + lo, (mp_size_t)(hi - lo));
    pk_mpz_mul(J->prod[i], J->small, p);
    return 0;
}

void pk_mpz_mul_par(mpz_ptr r, mpz_srcptr a, mpz_srcptr b, const pk_par *par)
{
    size_t na = mpz_size(a), nb = mpz_size(b);
    int w = pk_par_width(par);
    /* a square is cheaper whole (one transform, not two) than in pieces */
    if (w < 2 || a == b || na < PAR_MUL_MIN_LIMBS || nb < PAR_MUL_MIN_LIMBS) {
        pk_mpz_mul(r, a, b);
        return;
    }
    int sign = mpz_sgn(a) * mpz_sgn(b);
    order_operands(&b, &a, &nb, &na);   /* b the longer: the one cut into pieces */
    size_t k = (size_t)w;
    if (k > nb / (PAR_MUL_MIN_LIMBS / 2))
        k = nb / (PAR_MUL_MIN_LIMBS / 2);
    mpz_t sa;
    mul_job J = {.small = mpz_roinit_n(sa, mpz_limbs_read(a), (mp_size_t)na), .big = mpz_limbs_read(b),
                 .nb = nb, .k = k, .prod = malloc(k * sizeof(mpz_t))};
    if (!J.prod) {
        pk_mpz_mul(r, a, b);
        return;
    }
    for (size_t i = 0; i < k; i++)
        mpz_init(J.prod[i]);
    pk_par_run(par, k, mul_piece, &J);   /* mul_piece cannot fail (GMP aborts when out of memory) */
    mpz_t out;
    mpz_init(out);
    size_t nr = na + nb;
    mp_limb_t *rp = mpz_limbs_write(out, (mp_size_t)nr);
    memset(rp, 0, nr * sizeof *rp);
    for (size_t i = 0; i < k; i++) {
        size_t lo = piece_cut(nb, k, i), sz = mpz_size(J.prod[i]);
        if (sz)   /* lo + sz <= lo + na + (piece length) <= nr: never a carry out */
            mpn_add(rp + lo, rp + lo, (mp_size_t)(nr - lo), mpz_limbs_read(J.prod[i]), (mp_size_t)sz);
        mpz_clear(J.prod[i]);
    }
    free(J.prod);
    mpz_limbs_finish(out, sign < 0 ? -(mp_size_t)nr : (mp_size_t)nr);
    mpz_swap(r, out);
    mpz_clear(out);
}

/* ---- division by a precomputed inverse, over threads ---------------------------------------- */

/* Below these sizes (limbs of the divisor, of the quotient) mpz_tdiv_qr on one thread wins. */
enum { DIV_PAR_MIN_LIMBS = 1 << 15, INV_BASE_BITS = 1 << 20, DIV_GUARD_BITS = 64, DIV_MAX_FIX = 8 };

/* v ~ 2^(2n) / d for d of exactly n bits, within a few units (Newton's iteration; the
 * quotients derived from v are corrected, so v's accuracy decides speed, not the result). */
static void inv_newton(mpz_ptr v, mpz_srcptr d, mp_bitcnt_t n, const pk_par *par)
{
    if (n <= INV_BASE_BITS) {
        mpz_t t;
        mpz_init2(t, 2 * n + 1);
        mpz_setbit(t, 2 * n);
        mpz_tdiv_q(v, t, d);
        mpz_clear(t);
        return;
    }
    mp_bitcnt_t m = n / 2 + DIV_GUARD_BITS;   /* < n as n > 2^20 */
    mpz_t dh, vh, e, p;
    mpz_inits(dh, vh, e, p, NULL);
    mpz_tdiv_q_2exp(dh, d, n - m);                 /* the top m bits of d */
    inv_newton(vh, dh, m, par);                    /* vh ~ 2^(2m) / dh: relative error ~2^-m */
    pk_mpz_mul_par(p, d, vh, par);
    mpz_setbit(e, n + m);
    mpz_sub(e, e, p);                              /* e = 2^(n+m) - d vh: ~n bits, either sign */
    /* v = vh 2^(n-m) + vh e / 2^(2m): e's low m - 8 bits move the correction by < 1/64 */
    mpz_fdiv_q_2exp(e, e, m - 8);
    pk_mpz_mul_par(e, e, vh, par);
    mpz_fdiv_q_2exp(e, e, m + 8);
    mpz_mul_2exp(v, vh, n - m);
    mpz_add(v, v, e);
    mpz_clears(dh, vh, e, p, NULL);
}

/* q = floor(a / d), r = a - q d.  Parallel path (a >= 0, d > 0, both long): the inverse v of
 * d's top n = b + 64 bits once, then the quotient from the top in blocks of b bits (at most d's
 * length): each block's q_j ~ (Y's top bits) v, then Y - q_j d moved into [0, d) by at most
 * DIV_MAX_FIX steps of d (none seen in tests; past that, mpz_tdiv_qr finishes from the exact
 * state a = q d + R).  q and r are written last, after the last read of a and d, so either may
 * be a or d. */
void pk_mpz_tdiv_qr_par(mpz_ptr q, mpz_ptr r, mpz_srcptr a, mpz_srcptr d, const pk_par *par)
{
    size_t na = mpz_size(a), nd = mpz_size(d);
    if (pk_par_width(par) < 2 || mpz_sgn(a) < 0 || mpz_sgn(d) <= 0 || nd < DIV_PAR_MIN_LIMBS ||
        na < nd + DIV_PAR_MIN_LIMBS) {
        mpz_tdiv_qr(q, r, a, d);
        return;
    }
    /* na >= nd + 2^15: the quotient has qbits >= 1 and each block b >= 1 bits */
    mp_bitcnt_t dbits = mpz_sizeinbase(d, 2), qbits = mpz_sizeinbase(a, 2) - dbits + 1;
    mp_bitcnt_t nblocks = (qbits + dbits - 1) / dbits;   /* blocks at most as long as d */
    mp_bitcnt_t b = (qbits + nblocks - 1) / nblocks, n = b + DIV_GUARD_BITS;
    int64_t tsh = (int64_t)dbits - (int64_t)n;           /* d / 2^tsh has exactly n bits */
    mpz_t v, R, Y, low, t, qq, qj;
    mpz_inits(v, R, Y, low, t, qq, qj, NULL);
    if (tsh >= 0)
        mpz_tdiv_q_2exp(t, d, (mp_bitcnt_t)tsh);
    else
        mpz_mul_2exp(t, d, (mp_bitcnt_t)-tsh);
    inv_newton(v, t, n, par);                            /* v ~ 2^(2n) / (d / 2^tsh) */
    mpz_set(R, a);
    int fallback = 0;
    while (!fallback && mpz_cmp(R, d) >= 0) {
        mp_bitcnt_t L = mpz_sizeinbase(R, 2);
        mp_bitcnt_t s = L > dbits + b ? L - dbits - b : 0;
        mpz_tdiv_r_2exp(low, R, s);
        mpz_tdiv_q_2exp(Y, R, s);                /* Y < 2^(dbits+b) <= d 2^(b+1) */
        mp_bitcnt_t ybits = mpz_sizeinbase(Y, 2), u = ybits > n + 2 ? ybits - n - 2 : 0;
        mpz_tdiv_q_2exp(t, Y, u);
        pk_mpz_mul_par(qj, t, v, par);
        mpz_tdiv_q_2exp(qj, qj, (mp_bitcnt_t)((int64_t)(2 * n) + tsh - (int64_t)u));
        pk_mpz_mul_par(t, qj, d, par);
        mpz_sub(Y, Y, t);                        /* Y - q_j d: within a few d of [0, d) */
        int fix = 0;
        for (; fix < DIV_MAX_FIX && mpz_sgn(Y) < 0; fix++) {
            mpz_add(Y, Y, d);
            mpz_sub_ui(qj, qj, 1);
        }
        for (; fix < DIV_MAX_FIX && mpz_cmp(Y, d) >= 0; fix++) {
            mpz_sub(Y, Y, d);
            mpz_add_ui(qj, qj, 1);
        }
        if (mpz_sgn(Y) < 0 || mpz_cmp(Y, d) >= 0)
            fallback = 1;
        mpz_mul_2exp(qj, qj, s);
        mpz_add(qq, qq, qj);
        mpz_mul_2exp(R, Y, s);
        mpz_ior(R, R, low);                      /* a = qq d + R throughout */
    }
    if (fallback) {
        mpz_tdiv_qr(qj, R, R, d);
        mpz_add(qq, qq, qj);
    }
    mpz_swap(q, qq);
    mpz_swap(r, R);
    mpz_clears(v, R, Y, low, t, qq, qj, NULL);
}

/* ---- the decimal summary ------------------------------------------------------------------ */

enum { HEAD_BITS = 256 };   /* bits kept of z and of 5^k: q's bounds are ~2^-180 apart in relative terms */

#define P5_20 95367431640625ull   /* 5^20 < 2^64 */

/* The 20 decimal digits of v < 10^20, zero-padded. */
static void u128_dec20(u128 v, char out[21])
{
    for (int i = 19; i >= 0; i--) {
        out[i] = (char)('0' + (int)(v % 10));
        v /= 10;
    }
    out[20] = '\0';
}

/* |z| mod 10^20 from |z| mod 2^20 (its low limb) and |z| mod 5^20 (one pass), by the CRT. */
static u128 low20(mpz_srcptr z)
{
    uint64_t r2 = mpz_size(z) ? mpz_getlimbn(z, 0) & ((1u << 20) - 1) : 0;
    uint64_t r5 = mpz_fdiv_ui(z, P5_20);   /* fdiv of |z|: the sign is ours to ignore, z >= 0 */
    uint64_t inv = P5_20;                  /* P5_20^-1 mod 2^64 by Newton (correct to 3 bits at start) */
    for (int i = 0; i < 5; i++)
        inv *= 2 - P5_20 * inv;
    uint64_t t = ((r2 - r5) * inv) & ((1u << 20) - 1);   /* x = r5 + 5^20 t, x = r2 mod 2^20 */
    return (u128)r5 + (u128)P5_20 * t;
}

/* Keep the top HEAD_BITS bits of x (x > 0), rounding down or up; *e += bits dropped. */
static void trunc_bits(mpz_ptr x, int64_t *e, int up)
{
    size_t b = mpz_sizeinbase(x, 2);
    if (b <= HEAD_BITS)
        return;
    mp_bitcnt_t s = (mp_bitcnt_t)(b - HEAD_BITS);
    if (up)
        mpz_cdiv_q_2exp(x, x, s);
    else
        mpz_fdiv_q_2exp(x, x, s);
    *e += (int64_t)s;
}

/* lo 2^elo <= 5^k <= hi 2^ehi, with lo, hi of at most HEAD_BITS bits. */
static void pow5_bounds(uint64_t k, mpz_ptr lo, int64_t *elo, mpz_ptr hi, int64_t *ehi)
{
    mpz_set_ui(lo, 1);
    mpz_set_ui(hi, 1);
    *elo = *ehi = 0;
    for (int bit = 63; bit >= 0; bit--) {
        mpz_mul(lo, lo, lo);
        mpz_mul(hi, hi, hi);
        *elo *= 2, *ehi *= 2;
        if ((k >> bit) & 1) {
            mpz_mul_ui(lo, lo, 5);
            mpz_mul_ui(hi, hi, 5);
        }
        trunc_bits(lo, elo, 0);
        trunc_bits(hi, ehi, 1);
    }
}

/* q = floor(a 2^t / b), a >= 0, b > 0 */
static void div_shift(mpz_ptr q, mpz_srcptr a, int64_t t, mpz_srcptr b)
{
    mpz_t x;
    mpz_init(x);
    if (t >= 0) {
        mpz_mul_2exp(q, a, (mp_bitcnt_t)t);
        mpz_fdiv_q(q, q, b);
    } else {
        mpz_mul_2exp(x, b, (mp_bitcnt_t)-t);
        mpz_fdiv_q(q, a, x);
    }
    mpz_clear(x);
}

/* Bounds qlo <= floor(z / 10^k) <= qhi from z's top bits and 5^k's bounds (z > 0). */
static void head_bounds(mpz_srcptr z, uint64_t k, mpz_ptr qlo, mpz_ptr qhi)
{
    mpz_t H, Hh, plo, phi;
    mpz_inits(H, Hh, plo, phi, NULL);
    size_t b = mpz_sizeinbase(z, 2);
    int64_t s = b > HEAD_BITS ? (int64_t)(b - HEAD_BITS) : 0;
    mpz_fdiv_q_2exp(H, z, (mp_bitcnt_t)s);                  /* H 2^s <= z < (H+1) 2^s */
    mpz_add_ui(Hh, H, s > 0 ? 1 : 0);                      /* s = 0: z = H exactly */
    int64_t elo, ehi;
    pow5_bounds(k, plo, &elo, phi, &ehi);                  /* 10^k = 5^k 2^k */
    div_shift(qlo, H, s - ehi - (int64_t)k, phi);          /* z / 10^k >= H 2^s / (phi 2^(ehi+k)) */
    div_shift(qhi, Hh, s - elo - (int64_t)k, plo);         /* z / 10^k <= Hh 2^s / (plo 2^(elo+k)) */
    mpz_clears(H, Hh, plo, phi, NULL);
}

static void set_last(mpz_srcptr z, pk_dec_summary *s)
{
    u128_dec20(low20(z), s->last);
}

/* Small z (at most HEAD_BITS bits, <= 78 digits): convert it whole. */
static void summary_small(mpz_srcptr z, pk_dec_summary *s)
{
    char whole[96];
    mpz_get_str(whole, 10, z);
    size_t d = strlen(whole);
    s->digits = d;
    if (d <= 20) {
        memcpy(s->first, whole, d + 1);
        memcpy(s->last, whole, d + 1);
    } else {
        memcpy(s->first, whole, 20);
        s->first[20] = '\0';
        memcpy(s->last, whole + d - 20, 21);
    }
}

void pk_mpz_dec_summary_exact(mpz_srcptr z0, pk_dec_summary *s)
{
    mpz_t z, t, p10;
    mpz_inits(z, t, p10, NULL);
    mpz_abs(z, z0);
    s->exact_fallback = 1;
    if (mpz_sizeinbase(z, 2) <= HEAD_BITS) {
        summary_small(z, s);
    } else {
        size_t d = mpz_sizeinbase(z, 10);   /* exact or one too many */
        mpz_ui_pow_ui(p10, 10, d - 1);
        if (mpz_cmp(z, p10) < 0)
            d--;
        s->digits = d;
        mpz_ui_pow_ui(p10, 10, d - 20);
        mpz_tdiv_q(t, z, p10);
        mpz_get_str(s->first, 10, t);
        set_last(z, s);
    }
    mpz_clears(z, t, p10, NULL);
}

void pk_mpz_dec_summary(mpz_srcptr z0, pk_dec_summary *s)
{
    mpz_t z;
    mpz_roinit_n(z, mpz_limbs_read(z0), (mp_size_t)mpz_size(z0));   /* |z0|, no copy */
    memset(s, 0, sizeof *s);
    if (mpz_sizeinbase(z, 2) <= HEAD_BITS) {
        summary_small(z, s);
        return;
    }
    mpz_t qlo, qhi, p19, p20;
    mpz_inits(qlo, qhi, p19, p20, NULL);
    mpz_ui_pow_ui(p19, 10, 19);
    mpz_ui_pow_ui(p20, 10, 20);
    size_t d = mpz_sizeinbase(z, 10);   /* GMP's figure: the digit count or one more */
    int decided = 0;
    for (int tries = 0; tries < 2 && !decided; tries++, d--) {
        head_bounds(z, (uint64_t)(d - 20), qlo, qhi);
        if (mpz_cmp(qlo, qhi) != 0)
            break;   /* too close to call */
        if (mpz_cmp(qlo, p20) >= 0)
            break;   /* cannot happen with GMP's figure; let the exact method say */
        if (mpz_cmp(qlo, p19) >= 0) {   /* floor(z / 10^(d-20)) has 20 digits: z has d */
            s->digits = d;
            mpz_get_str(s->first, 10, qlo);
            decided = 1;
        }
    }
    mpz_clears(qlo, qhi, p19, p20, NULL);
    if (!decided) {
        pk_mpz_dec_summary_exact(z, s);
        return;
    }
    set_last(z, s);
}

/* ---- fingerprint -------------------------------------------------------------------------- */

uint64_t pk_mpz_mod_m61(mpz_srcptr z)
{
    return mpz_fdiv_ui(z, PK_M61);   /* of |z| */
}

/* ---- parallel decimal conversion ---------------------------------------------------------- */

enum {
    DEC_PAR_MIN_DIGITS = 1 << 16,   /* below: one mpz_get_str is quicker than a plan */
    DEC_LEAF_MIN_DIGITS = 1 << 14,
    /* leaves per thread: 16 beat 4 at 1e8# (1.36M-digit leaves; each mpz_get_str recomputes
     * its powers of 10, a level of ours costs less than a leaf's share of them) */
    DEC_LEAVES_PER_THREAD = 16,
};

typedef struct {
    mpz_t *pw;         /* pw[i] = 5^(k 2^i) */
    size_t k;          /* digits of a leaf */
    int level_i;       /* the power this level divides by */
    mpz_t *from, *to;  /* segments of this level (from[s]) and the next (to[2s], to[2s+1]) */
    mpz_srcptr top;    /* level 0 reads z itself */
    const pk_dec_sink *sink;
    const pk_par *par;  /* the top split divides over threads (pk_mpz_tdiv_qr_par) */
    size_t digits, nleaves;
    atomic_int err;    /* DEC_ERR_* bits: a leaf too long, a sink that failed */
} dec_job;

enum { DEC_ERR_DIGITS = 1, DEC_ERR_SINK = 2 };

static int dec_split(void *arg, size_t s)
{
    dec_job *J = arg;
    mpz_srcptr x = J->top ? J->top : J->from[s];
    mp_bitcnt_t h = (mp_bitcnt_t)(J->k << J->level_i);   /* digits of the low half */
    mpz_ptr lo = J->to[2 * s], hi = J->to[2 * s + 1];
    mpz_t low;
    mpz_init(low);
    mpz_tdiv_r_2exp(low, x, h);               /* x = 2^h (x >> h) + low */
    mpz_tdiv_q_2exp(hi, x, h);
    /* below the top, one split per thread: mpz_tdiv_qr (a shared inverse per level was
     * measured and lost: GMP's remainder step wraps its product around, ours cannot) */
    pk_mpz_tdiv_qr_par(hi, lo, hi, J->pw[J->level_i], J->par);   /* x >> h = hi 5^h + r: x = hi 10^h + (r 2^h + low) */
    mpz_mul_2exp(lo, lo, h);
    mpz_ior(lo, lo, low);
    mpz_clear(low);
    if (!J->top)
        mpz_clear(J->from[s]);
    return 0;
}

/* Leaf j (counted from the least significant end): its digits, zero-padded to its width,
 * handed to the sink as one piece as soon as they are known. */
static int dec_leaf(void *arg, size_t j)
{
    dec_job *J = arg;
    if (atomic_load_explicit(&J->err, memory_order_relaxed))
        return 1;   /* another leaf failed: the result is lost anyway */
    mpz_srcptr x = J->from[j];
    size_t end = J->digits - j * J->k;
    size_t width = j + 1 == J->nleaves ? end : J->k;
    size_t len = mpz_sizeinbase(x, 10);   /* exact or one too many */
    if (len > width + 1) {
        atomic_fetch_or(&J->err, DEC_ERR_DIGITS);
        return 1;
    }
    char *tmp = malloc((width > len ? width : len) + 2);
    if (!tmp)
        return 1;   /* a failed task without a bit: PK_ENOMEM */
    mpz_get_str(tmp, 10, x);
    len = strlen(tmp);
    int rc = 0;
    if (len > width || (j + 1 == J->nleaves && len != width)) {
        atomic_fetch_or(&J->err, DEC_ERR_DIGITS);   /* z has not `digits` digits */
        rc = 1;
    } else {
        memmove(tmp + width - len, tmp, len);   /* right-aligned in [0, width), zeros before */
        memset(tmp, '0', width - len);
        if (J->sink->put(J->sink->env, end - width, tmp, width) != 0) {
            atomic_fetch_or(&J->err, DEC_ERR_SINK);
            rc = 1;
        }
    }
    free(tmp);
    return rc;
}

pk_status pk_mpz_get_dec_sink(const pk_dec_sink *sink, size_t digits, mpz_srcptr z, const pk_par *par)
{
    if (!sink || !sink->put || digits == 0 || mpz_sgn(z) < 0)
        return PK_EINVAL;
    int w = pk_par_width(par);
    /* leaves: a power of two, about DEC_LEAVES_PER_THREAD per thread, each of many digits */
    size_t nleaves = 1;
    int depth = 0;
    while (depth < 20 && nleaves < (size_t)w * DEC_LEAVES_PER_THREAD &&
           digits / (2 * nleaves) >= DEC_LEAF_MIN_DIGITS) {
        nleaves *= 2;
        depth++;
    }
    if (w < 2 || digits < DEC_PAR_MIN_DIGITS || depth == 0) {
        if (mpz_sizeinbase(z, 10) > digits + 1)
            return PK_EINVAL;
        char *tmp = malloc(mpz_sizeinbase(z, 10) + 2);
        if (!tmp)
            return PK_ENOMEM;
        mpz_get_str(tmp, 10, z);
        pk_status st = strlen(tmp) != digits ? PK_EINVAL
                       : sink->put(sink->env, 0, tmp, digits) != 0 ? PK_EIO : PK_OK;
        free(tmp);
        return st;
    }
    size_t k = (digits + nleaves - 1) / nleaves;   /* (nleaves - 1) k < digits as digits > nleaves^2 */
    if ((nleaves - 1) * k >= digits)
        return PK_EINVAL;
    dec_job J = {.k = k, .sink = sink, .par = par, .digits = digits, .nleaves = nleaves};
    atomic_init(&J.err, 0);
    J.pw = malloc((size_t)depth * sizeof(mpz_t));
    if (!J.pw)
        return PK_ENOMEM;
    mpz_init(J.pw[0]);
    mpz_ui_pow_ui(J.pw[0], 5, k);
    for (int i = 1; i < depth; i++) {
        mpz_init(J.pw[i]);
        pk_mpz_mul(J.pw[i], J.pw[i - 1], J.pw[i - 1]);
    }
    pk_status st = PK_OK;
    size_t nfrom = 0;   /* segments held in J.from */
    J.from = NULL;
    J.top = z;
    for (int lvl = 0; lvl < depth; lvl++) {
        size_t nseg = (size_t)1 << lvl;
        J.to = malloc(2 * nseg * sizeof(mpz_t));
        if (!J.to) {
            st = PK_ENOMEM;
            break;
        }
        for (size_t s = 0; s < 2 * nseg; s++)
            mpz_init(J.to[s]);
        J.level_i = depth - 1 - lvl;
        pk_par_run(par, nseg, dec_split, &J);   /* clears J.from[*] */
        free(J.from);
        J.from = J.to;
        nfrom = 2 * nseg;
        J.top = NULL;
    }
    if (st == PK_OK && pk_par_run(par, nleaves, dec_leaf, &J) != 0) {
        int e = atomic_load(&J.err);
        st = e & DEC_ERR_DIGITS ? PK_EINVAL : e & DEC_ERR_SINK ? PK_EIO : PK_ENOMEM;
    }
    for (size_t j = 0; j < nfrom; j++)
        mpz_clear(J.from[j]);
    free(J.from);
    for (int i = 0; i < depth; i++)
        mpz_clear(J.pw[i]);
    free(J.pw);
    return st;
}

static int put_mem(void *env, size_t pos, const char *s, size_t len)
{
    memcpy((char *)env + pos, s, len);
    return 0;
}

pk_status pk_mpz_get_dec(char *buf, size_t digits, mpz_srcptr z, const pk_par *par)
{
    if (!buf)
        return PK_EINVAL;
    pk_dec_sink mem = {.put = put_mem, .env = buf};
    return pk_mpz_get_dec_sink(&mem, digits, z, par);
}
