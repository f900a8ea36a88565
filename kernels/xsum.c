/* xsum: exact summation of doubles into a carry-save superaccumulator (see xsum.h).
 *
 * Slow path, pk_xsum_add: a double is m * 2^(pos - 1074) with an integer 0 <= m < 2^53 and
 * 0 <= pos <= 2045 (pos = biased exponent - 1, or 0 for subnormals); m is added at bit pos
 * of the fixed-point number, 32 bits at a time.
 *
 * Fast path, pk_xsum_add_array: chunks of CHUNK doubles in XL vector lanes.  For a chunk whose
 * largest magnitude is below 2^(p1-1), with S1 = 1.5 * 2^p1 and S2 = 1.5 * 2^p2, p2 = p1 - 51
 * (Rump, Ogita & Oishi's error-free extraction, with the integer read from the bit pattern):
 *
 *   u1 = fl(v + S1)   v + S1 lies in (2^p1, 2^(p1+1)), so u1 lies in [2^p1, 2^(p1+1)], where
 *                     doubles are spaced 2^(p1-52) and their bit patterns are consecutive
 *                     integers: u1 = S1 + q1 2^(p1-52) with q1 = bits(u1) - bits(S1), |q1| <= 2^51.
 *   t1 = u1 - S1      exact (Sterbenz: S1/2 <= u1 <= 2 S1): v rounded to the grid 2^(p1-52).
 *   r1 = v - t1       exact: |r1| <= 2^(p1-53); if |v| < 2^(p1-53) then t1 = 0 and r1 = v,
 *                     otherwise ulp(v) >= 2^(p1-105) divides both and r1 / ulp(v) <= 2^52.
 *   u2, t2, r2        the same for r1 against S2 (|r1| <= 2^(p2-2)): |q2| <= 2^50, r2 exact.
 *
 * so v = q1 2^(p1-52) + q2 2^(p1-103) + r2 exactly.  Each lane adds at most CHUNK_ITERS = 2^11
 * values of q1 (q2) into a 64-bit integer: |sum| <= 2^62, so sums of the raw bit patterns
 * minus count * bits(S) (mod 2^64) are the exact sums.  Terms with r2 != 0 (those more than
 * ~2^46 below the chunk's largest) are found afterwards and added by the slow path.  A chunk
 * is first tried with one level (values on the grid 2^(p1-52), such as integers, need no more);
 * if any r1 != 0 it is redone with two, and later chunks keep two until a chunk's r1 are all 0
 * again.  The chunk's largest |v| is computed in the same pass; when it is not below 2^(p1-1)
 * (p1 was guessed from a sample or the previous chunk), nothing is added and the chunk is
 * redone with p1 from its true maximum, or by the slow path when that is out of range (huge
 * values, infinities, NaNs).  A redone chunk is read again from cache (CHUNK * 8 = 128 KiB).
 * When more than a quarter of a chunk's terms needed the slow path (data spread over the whole
 * exponent range), the next seven chunks go straight to it.
 * Everything relies on IEEE binary64 round-to-nearest arithmetic (the default mode) with no
 * contraction or reassociation: kernels build with -ffp-contract=off and never with -ffast-math. */
#include <math.h>
#include <string.h>
#include "pk_kernel.h"
#include "pk_isa.h"
#include "xsum.h"

#define DIG PK_XSUM_DIGITS
#define MASK32 ((uint64_t)0xffffffffu)
#define ABS_MASK 0x7fffffffffffffffull
#define NORMALIZE_AT ((uint64_t)1 << 30)   /* (2^30 + 2) * 2^32 < 2^63 */

#define XL 8                       /* vector lanes */
#define CHUNK_ITERS 2048           /* per lane and chunk: 2^11 * 2^51 <= 2^62 */
#define CHUNK ((size_t)XL * CHUNK_ITERS)
#define HEADROOM 3                 /* a guessed scale admits values up to 2^3 x the guess */
#define P1_MIN (-960)              /* S2 = 1.5 * 2^(p1-51) stays normal */
#define P1_MAX 1020                /* S1 = 1.5 * 2^p1 and u1 <= 2^(p1+1) stay finite */

static inline uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static inline double pow2(int k)   /* 2^k for -1022 <= k <= 1023 */
{
    uint64_t b = (uint64_t)(k + 1023) << 52;
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

void pk_xsum_init(pk_xsum *x)
{
    memset(x, 0, sizeof *x);
}

void pk_xsum_normalize(pk_xsum *x)
{
    int64_t c = 0;
    for (int i = 0; i < DIG - 1; i++) {
        int64_t v = x->d[i] + c;
        c = v >> 32;                    /* floor(v / 2^32): arithmetic shift (GCC, Clang) */
        x->d[i] = v & (int64_t)MASK32;  /* v - c 2^32, in [0, 2^32) */
    }
    x->d[DIG - 1] += c;
    x->pending = 0;
}

/* x += (neg ? -1 : 1) * mag * 2^(pos - 1074).  Every digit gets at most two pieces below 2^32,
 * so |d[i]| <= (pending + 1) (2^32 - 1) holds with pending += 2.  Callers keep the digits
 * touched below the top one: pos <= 2045 with mag < 2^53 reaches digit 65, pos <= 2042 with
 * mag < 2^68 digit 66. */
static void add_mag(pk_xsum *x, int neg, pk_u128 mag, unsigned pos)
{
    unsigned i = pos >> 5, o = pos & 31;
    for (unsigned k = 0; mag; k++, mag >>= 32) {
        uint64_t t = (uint64_t)(mag & MASK32) << o;
        int64_t lo = (int64_t)(t & MASK32), hi = (int64_t)(t >> 32);
        if (neg) {
            x->d[i + k] -= lo;
            x->d[i + k + 1] -= hi;
        } else {
            x->d[i + k] += lo;
            x->d[i + k + 1] += hi;
        }
    }
    x->pending += 2;
    if (x->pending >= NORMALIZE_AT)
        pk_xsum_normalize(x);
}

static void add_i128(pk_xsum *x, pk_i128 v, unsigned pos)
{
    if (v)
        add_mag(x, v < 0, v < 0 ? -(pk_u128)v : (pk_u128)v, pos);
}

void pk_xsum_add(pk_xsum *x, double v)
{
    uint64_t b = bits_of(v);
    unsigned e = (unsigned)(b >> 52) & 0x7ff;
    uint64_t m = b & (((uint64_t)1 << 52) - 1);
    int neg = (int)(b >> 63);
    if (e == 0x7ff) {
        if (m)
            x->nan++;
        else if (neg)
            x->ninf++;
        else
            x->pinf++;
        return;
    }
    if (e)
        m |= (uint64_t)1 << 52;
    else
        e = 1;   /* subnormal: m * 2^-1074 */
    /* m 2^o < 2^84 spans three digits from i = pos / 32, one piece below 2^32 each (branch-free:
     * the slow path is every term's path for data spread over the whole exponent range);
     * pos <= 2045 reaches digit 65 */
    unsigned pos = e - 1, i = pos >> 5;
    pk_u128 t = (pk_u128)m << (pos & 31);
    int64_t sgn = 1 - 2 * (int64_t)neg;
    x->d[i] += sgn * (int64_t)((uint64_t)t & MASK32);
    x->d[i + 1] += sgn * (int64_t)((uint64_t)(t >> 32) & MASK32);
    x->d[i + 2] += sgn * (int64_t)(uint64_t)(t >> 64);
    if (++x->pending >= NORMALIZE_AT)
        pk_xsum_normalize(x);
}

void pk_xsum_merge(pk_xsum *x, const pk_xsum *y)
{
    /* |x.d + y.d| <= (px + 1 + py + 1) (2^32 - 1): pending = px + py + 1 keeps the bound */
    for (int i = 0; i < DIG; i++)
        x->d[i] += y->d[i];
    x->pending += y->pending + 1;
    x->pinf += y->pinf;
    x->ninf += y->ninf;
    x->nan += y->nan;
    if (x->pending >= NORMALIZE_AT)
        pk_xsum_normalize(x);
}

/* ---- rounding -------------------------------------------------------------- */

/* Bit k of a normalised, non-negative accumulator. */
static int bit_at(const pk_xsum *q, unsigned k)
{
    return (int)(((uint64_t)q->d[k >> 5] >> (k & 31)) & 1);
}

static int any_bit_below(const pk_xsum *q, unsigned k)
{
    for (unsigned j = 0; j < k >> 5; j++)
        if (q->d[j])
            return 1;
    return ((uint64_t)q->d[k >> 5] & (((uint64_t)1 << (k & 31)) - 1)) != 0;
}

double pk_xsum_round(const pk_xsum *x)
{
    if (x->nan || (x->pinf && x->ninf))
        return NAN;
    if (x->pinf)
        return INFINITY;
    if (x->ninf)
        return -INFINITY;
    pk_xsum q = *x;
    pk_xsum_normalize(&q);
    int neg = q.d[DIG - 1] < 0;
    if (neg) {   /* the magnitude: negate every digit and propagate again */
        for (int i = 0; i < DIG; i++)
            q.d[i] = -q.d[i];
        pk_xsum_normalize(&q);
    }
    /* now d[i] in [0, 2^32) for every i (the top digit too: |sum| < 2^64 * 2^1024 = 2^2162
     * units of 2^-1074 is below 2^(32 * 67 + 18)) */
    int t = DIG - 1;
    while (t >= 0 && q.d[t] == 0)
        t--;
    if (t < 0)
        return 0.0;
    unsigned hb = 32u * (unsigned)t + 63u - (unsigned)__builtin_clzll((uint64_t)q.d[t]);
    double r;
    if (hb < 53) {   /* below 2^53 units of 2^-1074: exactly representable */
        uint64_t m = (uint64_t)q.d[0] | ((uint64_t)q.d[1] << 32);
        r = ldexp((double)m, -1074);
    } else {
        unsigned sh = hb - 52;   /* keep bits sh .. hb, round on the rest */
        uint64_t m = 0;
        for (int k = 52; k >= 0; k--)
            m = (m << 1) | (uint64_t)bit_at(&q, sh + (unsigned)k);
        if (bit_at(&q, sh - 1) && ((m & 1) || any_bit_below(&q, sh - 1)))
            m++;   /* above half, or a tie to even */
        if (m >> 53) {
            m >>= 1;
            sh++;
        }
        /* m < 2^53 converts exactly; ldexp is exact in the normal range (value >= 2^-1021)
         * and gives inf when m 2^(sh-1074) >= 2^1024, i.e. when the rounded sum overflows */
        r = ldexp((double)m, (int)sh - 1074);
    }
    return neg ? -r : r;
}

/* ---- the fast path ------------------------------------------------------------ */

/* The scale p1 for a chunk whose largest |v| has bit pattern mbits (finite), with
 * 2^h of headroom: |v| < 2^(e+1) <= 2^(p1-1).  May exceed P1_MAX (caller checks). */
static int scale_for(uint64_t mbits, int h)
{
    int e = (int)(mbits >> 52) - 1023;   /* |v| < 2^(e+1); e = -1023 for subnormals and 0 */
    int p1 = e + 2 + h;
    return p1 < P1_MIN ? P1_MIN : p1;
}

static uint64_t limit_bits(int p1)   /* bits(2^(p1-1)) */
{
    return (uint64_t)(p1 - 1 + 1023) << 52;
}

enum { CHUNK_ADDED, CHUNK_TOO_BIG, CHUNK_NEEDS_TWO };

/* One chunk of iters * XL values at scale p1 (P1_MIN <= p1 <= P1_MAX), with one or two levels.
 * *mbits gets the bit pattern of the chunk's largest |v| (NaN and inf patterns are above any
 * finite one).  Adds the chunk's exact sum to x only when that is below 2^(p1-1) and, with one
 * level, every remainder r1 is 0 (integers, or values within 2^52 of the largest): else it adds
 * nothing and says why.  *r1_zero tells whether every r1 was 0 (with two levels: the next chunk
 * may try one).  Remainders are kept negated (t - r, never -0) so that only a nonzero one sets
 * a bit of nz. */
static inline __attribute__((always_inline)) int chunk_levels(pk_xsum *x, const double *a, size_t iters, int p1,
                                                              int levels, uint64_t *mbits, int *r1_zero,
                                                              size_t *nslow)
{
    const double S1 = 1.5 * pow2(p1), S2 = 1.5 * pow2(p1 - 51);
    const uint64_t B1 = bits_of(S1), B2 = bits_of(S2);
    uint64_t s1[XL] = {0}, s2[XL] = {0}, nz1[XL] = {0}, nz2[XL] = {0};
    int64_t mx[XL] = {0};
    for (size_t i = 0; i < iters * XL; i += XL) {
#pragma omp simd
        for (int l = 0; l < XL; l++) {
            double v = a[i + (size_t)l];
            int64_t ab = (int64_t)(bits_of(v) & ABS_MASK);
            mx[l] = ab > mx[l] ? ab : mx[l];
            double u1 = v + S1, t1 = u1 - S1, n1 = t1 - v;   /* n1 = -r1, exact */
            s1[l] += bits_of(u1);
            nz1[l] |= bits_of(n1);
            if (levels == 2) {
                double u2 = S2 - n1, t2 = u2 - S2, n2 = t2 + n1;   /* r1 + S2; n2 = -(r1 - t2) */
                s2[l] += bits_of(u2);
                nz2[l] |= bits_of(n2);
            }
        }
    }
    uint64_t m = 0, any1 = 0, any2 = 0;
    for (int l = 0; l < XL; l++) {
        m = (uint64_t)mx[l] > m ? (uint64_t)mx[l] : m;
        any1 |= nz1[l];
        any2 |= nz2[l];
    }
    *mbits = m;
    *r1_zero = any1 == 0;
    if (m >= limit_bits(p1))
        return CHUNK_TOO_BIG;
    if (levels == 1 && any1)
        return CHUNK_NEEDS_TWO;
    pk_i128 q1 = 0, q2 = 0;
    for (int l = 0; l < XL; l++) {
        q1 += (int64_t)(s1[l] - iters * B1);   /* the exact sum mod 2^64, |sum| <= 2^62 */
        q2 += (int64_t)(s2[l] - iters * B2);
    }
    add_i128(x, q1, (unsigned)(p1 - 52 + 1074));
    if (levels == 2) {
        add_i128(x, q2, (unsigned)(p1 - 103 + 1074));
        if (any2) {   /* the few terms below the two levels: their exact remainders */
            for (size_t i = 0; i < iters * XL; i++) {
                double v = a[i], u1 = v + S1, t1 = u1 - S1, n1 = t1 - v;
                double u2 = S2 - n1, t2 = u2 - S2, n2 = t2 + n1;
                if (n2 != 0) {
                    pk_xsum_add(x, -n2);
                    (*nslow)++;
                }
            }
        }
    }
    return CHUNK_ADDED;
}

PK_HOT static int chunk_one(pk_xsum *x, const double *a, size_t iters, int p1, uint64_t *mbits, int *r1_zero,
                     size_t *nslow)
{
    return chunk_levels(x, a, iters, p1, 1, mbits, r1_zero, nslow);
}

PK_HOT static int chunk_two(pk_xsum *x, const double *a, size_t iters, int p1, uint64_t *mbits, int *r1_zero,
                     size_t *nslow)
{
    return chunk_levels(x, a, iters, p1, 2, mbits, r1_zero, nslow);
}

PK_HOT static uint64_t max_abs_bits(const double *a, size_t n)
{
    uint64_t m = 0;
#pragma omp simd reduction(max : m)
    for (size_t i = 0; i < n; i++) {
        uint64_t ab = bits_of(a[i]) & ABS_MASK;
        m = ab > m ? ab : m;
    }
    return m;
}

PK_HOT static void add_array(pk_xsum *x, const double *a, size_t n)
{
    size_t done = 0;
    int p1 = 0, have_scale = 0, two = 0, spread = 0;
    while (n - done >= XL) {
        size_t len = n - done < CHUNK ? n - done : CHUNK, iters = len / XL, nslow = 0;
        const double *c = a + done;
        if (spread && spread++ % 8) {
            /* data spread over the whole exponent range: most terms fall below the two levels,
             * so the vector passes are skipped (and tried again every 8th chunk) */
            for (size_t i = 0; i < iters * XL; i++)
                pk_xsum_add(x, c[i]);
            done += iters * XL;
            continue;
        }
        if (!have_scale) {   /* guess from a sample of the first chunk */
            uint64_t sm = bits_of(c[len - 1]) & ABS_MASK;
            for (size_t j = 0; j < 8; j++) {
                uint64_t ab = bits_of(c[j * (len / 8)]) & ABS_MASK;
                sm = ab > sm ? ab : sm;
            }
            p1 = scale_for(sm, HEADROOM);
        }
        uint64_t m = 0;
        int r1_zero = 0, st = CHUNK_TOO_BIG;
        if (p1 <= P1_MAX)
            st = two ? chunk_two(x, c, iters, p1, &m, &r1_zero, &nslow)
                     : chunk_one(x, c, iters, p1, &m, &r1_zero, &nslow);
        else
            m = max_abs_bits(c, iters * XL);
        if (st == CHUNK_NEEDS_TWO) {   /* same scale, valid: the second level is needed */
            st = chunk_two(x, c, iters, p1, &m, &r1_zero, &nslow);
        } else if (st == CHUNK_TOO_BIG) {   /* the scale of the true maximum is valid by construction */
            int p = scale_for(m, 0);
            if (m < 0x7ff0000000000000ull && p <= P1_MAX) {
                st = chunk_two(x, c, iters, p, &m, &r1_zero, &nslow);
            } else {
                for (size_t i = 0; i < iters * XL; i++)
                    pk_xsum_add(x, c[i]);
                r1_zero = 0;
            }
        }
        spread = nslow > iters * XL / 4;
        two = !r1_zero;
        p1 = scale_for(m, HEADROOM);
        have_scale = 1;
        done += iters * XL;
    }
    for (; done < n; done++)
        pk_xsum_add(x, a[done]);
}

/* the cloned function is static (pk_isa.h) */
void pk_xsum_add_array(pk_xsum *x, const double *a, size_t n)
{
    add_array(x, a, n);
}
