/* pi(x) by Lagarias-Miller-Odlyzko as a parkit kernel (pi_lmo.h says how the work is cut).
 *
 * Notation: p_1 = 2, p_2 = 3, ...; phi(v, b) counts the n <= v with no prime factor among
 * p_1..p_b.  With y >= cbrt(x), a = pi(y), z = x / y:
 *   pi(x) = S1 + S2 + a - 1 - P2
 *   S1 = sum_{n <= y} mu(n) floor(x / n)
 *   S2 = sum_{b = 0}^{a-1} sum_{m: lpf(m) > p_{b+1}, y < m p_{b+1}, m <= y} -mu(m) phi(x / (m p_{b+1}), b)
 *   P2 = sum_{y < p <= sqrt x} (pi(x / p) - pi(p) + 1)
 * Every phi(v, b) and pi(x / p) above has v <= z.  The sieve of [0, z] keeps odd numbers only
 * (level 1 = multiples of 2 gone) and crosses off from p^2, so at level b it holds
 *   C_b(v) = phi(v, b) + min(b, pi(v))        (the sieving primes stay)
 * and for b >= B = pi(sqrt z), C_b = C_B = 1 + pi(v) on the whole interval.  A leaf reads
 * phi(v, b) = C_L(v) - min(b, pi(v)) with L = min(b, B); C_L(v) = (count before the block) +
 * (count in the block up to v): the first term is the carry that merge supplies.
 * Easy leaves (p_{b+1}^2 > v: phi(v, b) = 1 + pi(v) - min(b, pi(v))) are read from the pi
 * tables, with no sieve and no carry: up to y from pi[], past it up to T = sqrt x from pitab, a
 * bit per number coprime to 30 with counts (Gourdon's observation: every leaf of p > x^(1/4) is
 * easy, and its v < sqrt x).  Among them the trivial ones (v < p_{b+1}: phi = 1, all m > x / p^2) are
 * counted per level in closed form, pi(mhi) - pi(max(mlo, x / p^2)).  Levels whose leaves are
 * all easy (from hb on) are crossed off without keeping counts, for P2's count at the top.
 * Crossing off p >= 7 visits only p k with k coprime to 30 (a mod-30 wheel on k); the other
 * multiples went at a lower level. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "pi_lmo.h"
#include "pk_isa.h"
#include "primes.h"

/* ---- integer roots ---- */

static uint64_t isqrt_u64(uint64_t x)
{
    uint64_t r = (uint64_t)sqrtl((long double)x);
    while (r > 0 && (pk_u128)r * r > x)
        r--;
    while ((pk_u128)(r + 1) * (r + 1) <= x)
        r++;
    return r;
}

static uint64_t icbrt_u64(uint64_t x)
{
    uint64_t r = (uint64_t)cbrtl((long double)x);
    while (r > 0 && (pk_u128)r * r * r > x)
        r--;
    while ((pk_u128)(r + 1) * (r + 1) * (r + 1) <= x)
        r++;
    return r;
}

/* ---- the partial ----
 * header, then cnt[0..B] (uint64_t: numbers left unsieved in the block at level b, sieving
 * primes kept) and sgn[0..B] (int64_t: net sign of the leaves reading the carry of level b). */
typedef struct {
    pk_i128 s;      /* sum of the leaves and P2 terms, counted from the block's start */
    uint64_t k;     /* primes p in (y, sqrt x] with x / p in the block */
    uint64_t pad;
} lmo_head;

static size_t partial_bytes(uint32_t B)
{
    return sizeof(lmo_head) + 2 * sizeof(uint64_t) * ((size_t)B + 1);
}

static uint64_t *p_cnt(void *p) { return (uint64_t *)((char *)p + sizeof(lmo_head)); }
static int64_t *p_sgn(void *p, uint32_t B) { return (int64_t *)(p_cnt(p) + B + 1); }
static const uint64_t *pc_cnt(const void *p) { return (const uint64_t *)((const char *)p + sizeof(lmo_head)); }
static const int64_t *pc_sgn(const void *p, uint32_t B) { return (const int64_t *)(pc_cnt(p) + B + 1); }

static void lmo_identity(const void *vctx, void *partial)
{
    const pk_lmo_ctx *c = vctx;
    memset(partial, 0, partial_bytes(c->B));
}

static pk_status lmo_merge(const void *vctx, void *acc, const void *later)
{
    const pk_lmo_ctx *c = vctx;
    const uint32_t B = c->B;
    lmo_head *ha = acc;
    const lmo_head *hl = later;
    uint64_t *ca = p_cnt(acc);
    int64_t *sa = p_sgn(acc, B);
    const uint64_t *cl = pc_cnt(later);
    const int64_t *sl = pc_sgn(later, B);
    pk_i128 s = ha->s + hl->s;
    for (uint32_t b = 0; b <= B; b++) {
        if (sl[b])
            s += (pk_i128)sl[b] * (pk_i128)ca[b];
        ca[b] += cl[b];
        sa[b] += sl[b];
    }
    ha->s = s;
    ha->k += hl->k;
    return PK_OK;
}

/* ---- one block ---- */

typedef struct {
    uint64_t *bits;       /* odd numbers low+1, low+3, ... */
    uint32_t *ctr;        /* set bits per 8 words */
    uint64_t *next;       /* next multiple to cross off, per sieving prime index */
    unsigned char *wi;    /* p >= 7: the wheel index of next / p (k coprime to 30) */
    unsigned char *p2;    /* P2 prime sieve of a window */
    size_t nwords;
} lmo_work;

/* A counter per 4 words: a count reads at most 4 words past the counters.  4 words instead of
 * 8 took pi(1e16) from 8.53 to 8.34 s and pi(1e15) from 1.99 to 1.87 s at 1 thread (medians
 * of 3 and 4 alternating runs, a gain within the machine's noise; 1% fewer instructions under
 * cachegrind at 1e13); 2 words was no faster. */
#define CHUNK_WORDS 4
#define CHUNK_SHIFT 8   /* bits per counter chunk: 256 */
#define P2_WINDOW 65536

/* A running prefix count over the segment, for queries at increasing v. */
typedef struct {
    const uint64_t *bits;
    const uint32_t *ctr;
    uint64_t low;
    uint64_t ci;      /* counter chunks summed so far */
    uint64_t sum;     /* set bits in chunks [0, ci) */
    uint64_t two;     /* 1 when the integer 2 lies in the segment */
} scan_t;

static void scan_init(scan_t *s, const lmo_work *w, uint64_t low, uint64_t two)
{
    s->bits = w->bits;
    s->ctr = w->ctr;
    s->low = low;
    s->ci = 0;
    s->sum = 0;
    s->two = two;
}

/* Numbers counted in [low, v] (v >= low): set bits <= v, and the 2. */
static inline uint64_t scan_count(scan_t *s, uint64_t v)
{
    uint64_t k = (v - s->low + 1) >> 1;   /* bits with index < k are <= v */
    uint64_t w = k >> 6, r = k & 63;
    /* the whole chunks before v's: a counted loop, which the compiler vectorizes (far
     * leaves walk thousands of counters) */
    const uint64_t ce = w / CHUNK_WORDS;
    uint64_t sum = s->sum;
    for (uint64_t ci = s->ci; ci < ce; ci++)
        sum += s->ctr[ci];
    if (ce > s->ci) {
        s->ci = ce;
        s->sum = sum;
    }
    /* the words of the chunk up to v, by a fixed loop of masked popcounts (no branch on how
     * many; the words past v, even past the segment's end, are masked out) */
    const uint64_t *bw = s->bits + s->ci * CHUNK_WORDS;
    const uint64_t d = w - s->ci * CHUNK_WORDS, part = (1ull << r) - 1;
    uint64_t n = s->sum;
    for (uint64_t j = 0; j < CHUNK_WORDS; j++) {
        /* by masks, not a conditional: gcc made one a branch, mispredicted at every other
         * leaf (3.6 of 13.9 million mispredictions at 1e14 under cachegrind) */
        const uint64_t mk = -(uint64_t)(j < d) | (-(uint64_t)(j == d) & part);
        n += (uint64_t)__builtin_popcountll(bw[j] & mk);
    }
    return n + (s->two && v >= 2);
}

typedef struct {
    const pk_lmo_ctx *c;
    lmo_work *w;
    uint64_t *cnt;
    int64_t *sgn;
    pk_i128 s;
    uint64_t k;
    uint64_t R;        /* counts owed lazily to the levels above the current depth */
    uint32_t depth;    /* levels <= depth hold their true count */
} block_t;

#define PRE_PERIOD 15015u   /* 3 * 5 * 7 * 11 * 13: the pattern's period in odd numbers */
#define PRE_LEVEL 6u
static const uint32_t primorials[6] = {1, 2, 6, 30, 210, 2310};

/* phi(v, b) for b < PRE_LEVEL from the table of one period */
static inline uint64_t phi_small(const pk_lmo_ctx *c, uint64_t v, uint32_t b)
{
    const uint64_t q = primorials[b];
    const uint16_t *t = c->phi_tab[b];
    return (v / q) * t[q - 1] + t[v % q];
}

#ifndef CLUSTER_K
#define CLUSTER_K 4.0   /* easy leaves with m / v >= CLUSTER_K are read in clusters */
#endif

/* The cluster of easy leaves of level b (m = primes[i], v = xp / m <= min(vmax, m)) that
 * starts at index i: the primes m' down to index lo (exclusive) with pi(xp / m') = pi(v).
 * Adds their phi to *se; returns the index below the cluster. */
static inline uint64_t easy_cluster(const pk_lmo_ctx *c, uint64_t xp, double xd, uint64_t vmax,
                                    uint64_t me, uint32_t b, uint64_t i, uint64_t lo, uint64_t *se)
{
    const uint64_t v = pk_div_by_inv(xp, xd, c->primes[i], c->pinv[i]);
    const uint64_t pv = c->pi[v];
    const uint64_t phi = pv < b ? 1 : 1 + pv - b;
    const uint64_t nx = c->primes[pv + 1];   /* the prime after v: v' < nx keeps pi(v') */
    /* m' > mlow: v' < nx (and m' > me: v' <= vmax); mlow < m, so the cluster holds m */
    const uint64_t mlow = nx <= vmax ? pk_div_by_inv(xp, xd, nx, c->pinv[pv + 1]) : me;
    uint64_t j = c->pi[mlow];
    if (j >= i)
        j = i - 1;   /* never: mlow < m; a guard that keeps a bug from looping forever */
    if (j < lo)
        j = lo;
    *se += (i - j) * phi;
    return j;
}

/* pitab's words: bit 8 i + j of word w stands for 240 w + 30 i + wheel_res[j] (j < 8: the
 * residues coprime to 30); c->mask240[r]: the bits of the numbers <= r of a word */
static const unsigned char wheel_res[8] = {1, 7, 11, 13, 17, 19, 23, 29};

/* pi(v) for y < v <= T from pitab (v >= 5: the count of a word starts at 3 for 2, 3 and 5) */
static inline uint64_t pi_big(const pk_lmo_ctx *c, uint64_t v)
{
    const uint64_t *e = c->pitab + 2 * (v / 240);
    return e[1] + (uint64_t)__builtin_popcountll(e[0] & c->mask240[v % 240]);
}

/* min(b, pi(v)) */
static inline uint64_t min_b_pi(const pk_lmo_ctx *c, uint32_t b, uint64_t v)
{
    return v >= c->primes[b] ? b : c->pi[v];
}

/* The carry of level L before this segment, counted from the block's start: a term
 * carry + count - min(b, pi(v)) may be negative here (merge adds the count before the block),
 * so terms are summed as signed values; every count is below z < 2^63. */
static inline uint64_t carry_of(const block_t *k, uint32_t L)
{
    return L <= k->depth ? k->cnt[L] : k->cnt[L] + k->R;
}

/* The leaves of level b (prime p = p_{b+1}) with v in [low, high); the segment is sieved to
 * level min(b, depth).  Returns 0 when level b has no leaf at or after low, nor will any
 * higher level (used to stop). */
PK_HOT static int leaves(block_t *k, uint32_t b, uint64_t low, uint64_t high, uint64_t two, int *any)
{
    const pk_lmo_ctx *c = k->c;
    const uint64_t x = c->x, y = c->y;
    const uint64_t p = c->primes[b + 1];
    const int small = p * p <= y;
    uint64_t mhi = low ? (x / low) / p : y;
    if (mhi > y)
        mhi = y;
    uint64_t mlo = y / p;                       /* m > mlo */
    if (!small && mlo < p)
        mlo = p;                                /* lpf(m) > p: m a prime above p */
    uint64_t mv = (x / high) / p;               /* v < high  <=>  m > mv */
    if (mv > mlo)
        mlo = mv;
    *any = 0;
    if (mhi <= mlo)
        return small || mhi > p;   /* later (larger) p: mhi shrinks and the floor p grows */
    *any = 1;
    const uint32_t L = b < c->B ? b : c->B;
    const uint64_t carry = carry_of(k, L);
    if (b < c->pre) {   /* below the pre-sieve: phi(v, b) from a table, no sieve */
        pk_i128 s = 0;
        if (small) {
            for (uint64_t m = mhi; m > mlo; m--) {
                int32_t lm = c->lpfmu[m];
                if (lm == 0 || (uint64_t)(lm > 0 ? lm : -(int64_t)lm) <= p)
                    continue;
                uint64_t ph = phi_small(c, x / (p * m), b);
                s += lm > 0 ? -(pk_i128)ph : (pk_i128)ph;
            }
        } else {
            for (uint32_t i = c->pi[mhi]; i > c->pi[mlo]; i--)
                s += (pk_i128)phi_small(c, x / (p * c->primes[i]), b);
        }
        k->s += s;
        return 1;
    }
    scan_t sc;
    scan_init(&sc, k->w, low, two);
    pk_i128 s = 0;
    int64_t sg = 0;
    if (small) {
        /* the squarefree m in (mlo, mhi] with lpf(m) > p_pre, from the list, downwards */
        const uint64_t *sq = c->sqf;
        size_t lo = 0, hi = c->nsqf;   /* first entry with m > mhi */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((uint32_t)sq[mid] <= mhi)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* v = (x / p) / m by a multiply (m < 2^31, v <= z < 2^50): a 64-bit division here
         * cost more than the rest of the leaf */
        const uint64_t xp = x / p;
        const double xd = (double)xp;
        /* The entries with lpf(m) > p are picked out a batch at a time by a count, not a
         * branch (mispredicted often where about half the m pass), then their leaves taken
         * in the same order: v grows, as the scan needs. */
        enum { BATCH = 64 };
        uint64_t pick[BATCH];
        size_t j = lo;
        for (;;) {
            unsigned n = 0;
            for (; j > 0 && (uint32_t)sq[j - 1] > mlo && n < BATCH; j--) {
                const uint64_t e = sq[j - 1];
                const int32_t lm = (int32_t)(uint32_t)(e >> 32);
                pick[n] = e;
                n += (uint64_t)(lm > 0 ? lm : -(int64_t)lm) > p;
            }
            for (unsigned q = 0; q < n; q++) {
                const uint64_t m = (uint32_t)pick[q];
                const int32_t lm = (int32_t)(uint32_t)(pick[q] >> 32);
                const int64_t mu = (int64_t)((lm >> 31) | 1);   /* the sign of lm */
                uint64_t v = pk_div_by_inv(xp, xd, m, 1.0 / (double)m);
                /* easy below p^2 (from the pi tables up to T); v > y is not guaranteed: test */
                if (v <= c->T && p * p > v) {
                    uint64_t pv = v <= y ? c->pi[v] : pi_big(c, v);
                    s -= mu * (int64_t)(1 + pv - (pv < b ? pv : b));
                } else {
                    s -= mu * ((int64_t)(carry + scan_count(&sc, v)) - (int64_t)min_b_pi(c, b, v));
                    sg -= mu;
                }
            }
            if (n < BATCH && !(j > 0 && (uint32_t)sq[j - 1] > mlo))
                break;
        }
    } else {
        /* m prime in (mlo, mhi], mu(m) = -1: the leaf adds +phi.  At decreasing m, v grows:
         * first the trivial leaves (v < p), then the easy ones (v <= vmax), then the hard. */
        const uint64_t ilo = c->pi[mlo], pp = p * p, xp = x / p;
        const double xd = (double)xp;
        const uint32_t *pr = c->primes;
        const double *inv = c->pinv;
        uint64_t i = c->pi[mhi];
        /* trivial leaves: m > x / p^2 gives v < p, phi(v, b) = 1 (only the 1 is left) */
        const uint64_t mt = xp / p;
        if (mt < mhi) {
            uint64_t it = mt > mlo ? c->pi[mt] : ilo;
            s += (pk_i128)(i - it);
            i = it;
        }
        /* easy leaves: v <= vmax, that is m > me; indices (ie, i] */
        const uint64_t vmax = y < pp - 1 ? y : pp - 1;
        const uint64_t me = xp / (vmax + 1);
        uint64_t ie = me <= mlo ? ilo : me >= mhi ? i : c->pi[me];
        if (ie > i)
            ie = i;
        /* The easy leaves in two runs.  Clustered (v <= m / CLUSTER_K, the larger m): the
         * next primes m' < m whose v' = x / (p m') stays below the prime after v have the same
         * pi(v'), so the same phi, and the cluster's end comes from the pi table.  That end
         * depends on the cluster's start through a chain of two divisions and three table
         * reads, so the run is cut into LANES stretches walked side by side: their chains
         * overlap in the core.  Sparse (the rest): one leaf at a time, each independent.  A
         * cluster holds about m / v leaves, and a chain step costs about four independent
         * leaves: clustering from m / v >= 4 on, not from 1, took pi(1e15) and pi(1e16) from
         * 2.45 / 9.2 s to 2.16 / 8.5 s (1 thread, medians of 4 / 3 alternating runs).  The
         * sum of phi over one level's leaves stays below z pi(y) < 2^63. */
        uint64_t se = 0;
        if (i > ie) {
            const uint64_t ms = (uint64_t)sqrt(CLUSTER_K * (double)xp) + 1;   /* clustered iff m >= ms */
            uint64_t ic = ms - 1 >= pr[i] ? i : ms - 1 <= mlo ? ie : c->pi[ms - 1];
            if (ic < ie)
                ic = ie;
            if (i > ic) {
                enum { LANES = 4 };
                uint64_t top[LANES], bot[LANES];
                const uint64_t n = i - ic;
                for (unsigned q = 0; q < LANES; q++) {
                    bot[q] = ic + n * q / LANES;
                    top[q] = ic + n * (q + 1) / LANES;
                }
                for (int act = 1; act;) {
                    act = 0;
                    for (unsigned q = 0; q < LANES; q++)
                        if (top[q] > bot[q]) {
                            top[q] = easy_cluster(c, xp, xd, vmax, me, b, top[q], bot[q], &se);
                            act = 1;
                        }
                }
                i = ic;
            }
            for (; i > ie; i--) {
                const uint64_t pv = c->pi[pk_div_by_inv(xp, xd, pr[i], inv[i])];
                se += pv < b ? 1 : 1 + pv - b;
            }
        }
        /* easy leaves past y: v in (vmax, vbig], from pitab, one at a time (a cluster would
         * need the primes up to v); v > p, so phi(v, b) = 1 + pi(v) - b */
        const uint64_t vbig = c->T < pp - 1 ? c->T : pp - 1;
        if (vbig > vmax && i > ilo) {
            const uint64_t mb = xp / (vbig + 1);   /* v <= vbig  <=>  m > mb */
            uint64_t ib = mb <= mlo ? ilo : mb >= mhi ? i : c->pi[mb];
            if (ib > i)
                ib = i;
            for (; i > ib; i--)
                se += pi_big(c, pk_div_by_inv(xp, xd, pr[i], inv[i])) + 1 - b;
        }
        s += (pk_i128)se;
        /* hard leaves: v > vbig >= y (here p^2 > y, so vmax = y), so v > p_b and
         * min(b, pi(v)) = b */
        int64_t sh = 0;
        for (; i > ilo; i--) {
            const uint64_t v = pk_div_by_inv(xp, xd, pr[i], inv[i]);
            sh += (int64_t)(carry + scan_count(&sc, v)) - (int64_t)b;
            sg++;
        }
        s += (pk_i128)sh;
    }
    k->s += s;
    k->sgn[L] += sg;
    return 1;
}

/* The multiples p k >= p^2 left to cross off at level j (p = p_j >= 7) have k coprime to 30:
 * when k has a factor 2, 3 or 5, p k went at a lower level.  The wheel walks k through the
 * residues 1, 7, 11, 13, 17, 19, 23, 29 mod 30 (8 of the 15 odd k). */
static const unsigned char wheel_gap[8] = {6, 4, 2, 4, 2, 4, 6, 2};

/* the first k >= k0 coprime to 30, and its wheel index */
static uint64_t wheel_up(uint64_t k0, unsigned char *idx)
{
    uint64_t r = k0 % 30, base = k0 - r;
    for (unsigned i = 0; i < 8; i++)
        if (wheel_res[i] >= r) {
            *idx = (unsigned char)i;
            return base + wheel_res[i];
        }
    *idx = 0;
    return base + 31;
}

/* Clear bit i (branch-free) and its chunk's counter; 1 when it was still set. */
static inline __attribute__((always_inline)) uint64_t clear_odd(uint64_t *bits, uint32_t *ctr, uint64_t i)
{
    uint64_t wd = bits[i >> 6];
    uint64_t was = (wd >> (i & 63)) & 1;
    bits[i >> 6] = wd & ~(1ull << (i & 63));
    ctr[i >> CHUNK_SHIFT] -= (uint32_t)was;
    return was;
}

/* Clear bit i; with count, also its chunk's counter, and 1 when it was still set */
static inline __attribute__((always_inline)) uint64_t clr(uint64_t *bits, uint32_t *ctr, const int count, uint64_t i)
{
    if (count)
        return clear_odd(bits, ctr, i);
    bits[i >> 6] &= ~(1ull << (i & 63));
    return 0;
}

/* Cross off the multiples of p_j >= p_j^2 in [low, high): the level goes from j-1 to j.
 * With count the counters follow and the numbers removed are returned; without, the
 * counters go stale (a level no leaf reads: run_block rebuilds them) and 0 is returned. */
static inline __attribute__((always_inline)) uint64_t cross_off_impl(const pk_lmo_ctx *c, lmo_work *w, uint32_t j,
                                                                     uint64_t low, uint64_t high, const int count)
{
    const uint64_t p = c->primes[j];
    uint64_t m = w->next[j], removed = 0;
    uint64_t *bits = w->bits;
    uint32_t *ctr = w->ctr;
    if (p < 7) {   /* 3 and 5 without the pre-sieve: every odd multiple */
        for (; m < high; m += 2 * p) {
            removed += clr(bits, ctr, count, (m - low) >> 1);
        }
        w->next[j] = m;
        return removed;
    }
    unsigned wi = w->wi[j];
    /* to the start of a wheel turn (k = 1 mod 30) */
    for (; wi != 0 && m < high; m += wheel_gap[wi] * p, wi = (wi + 1) & 7)
        removed += clr(bits, ctr, count, (m - low) >> 1);
    if (wi == 0 && m < high) {
        /* whole turns: k = 30 t + 1, 7, 11, 13, 17, 19, 23, 29 are p k at bit offsets 0, 3p,
         * 5p, 6p, 8p, 9p, 11p, 14p from the turn's first; eight independent clears a turn */
        const uint64_t nbits = (high - low) >> 1;
        uint64_t i = (m - low) >> 1;
        if (nbits > 14 * p) {
            const uint64_t lim = nbits - 14 * p;
            for (; i < lim; i += 15 * p) {
                removed += clr(bits, ctr, count, i) + clr(bits, ctr, count, i + 3 * p) +
                           clr(bits, ctr, count, i + 5 * p) + clr(bits, ctr, count, i + 6 * p) +
                           clr(bits, ctr, count, i + 8 * p) + clr(bits, ctr, count, i + 9 * p) +
                           clr(bits, ctr, count, i + 11 * p) + clr(bits, ctr, count, i + 14 * p);
            }
        }
        m = low + 2 * i + 1;   /* bit i stands for the odd number low + 2 i + 1 */
        for (; m < high; m += wheel_gap[wi] * p, wi = (wi + 1) & 7)
            removed += clr(bits, ctr, count, (m - low) >> 1);
    }
    w->next[j] = m;
    w->wi[j] = (unsigned char)wi;
    return removed;
}

PK_HOT static uint64_t cross_off(const pk_lmo_ctx *c, lmo_work *w, uint32_t j, uint64_t low, uint64_t high)
{
    return cross_off_impl(c, w, j, low, high, 1);
}

PK_HOT static void cross_off_nocount(const pk_lmo_ctx *c, lmo_work *w, uint32_t j, uint64_t low, uint64_t high)
{
    (void)cross_off_impl(c, w, j, low, high, 0);
}

/* P2: the primes p in (y, sqrt x] with x / p in [low, high), at decreasing p (increasing v). */
PK_HOT static void p2_terms(block_t *k, uint64_t low, uint64_t high, uint64_t two)
{
    const pk_lmo_ctx *c = k->c;
    const uint64_t x = c->x;
    uint64_t pl = x / high;   /* p > pl */
    if (pl < c->y)
        pl = c->y;
    uint64_t ph = low ? x / low : c->sqrtx;
    if (ph > c->sqrtx)
        ph = c->sqrtx;
    if (ph <= pl)
        return;
    const uint64_t carry = carry_of(k, c->B);
    scan_t sc;
    scan_init(&sc, k->w, low, two);
    unsigned char *sv = k->w->p2;
    pk_i128 s = 0;
    uint64_t n = 0;
    /* windows [wl, wh] from the top down; pl + 1 >= 3 */
    uint64_t wh = ph;
    for (;;) {
        uint64_t wl = wh - pl >= P2_WINDOW ? wh - P2_WINDOW + 1 : pl + 1;
        memset(sv, 1, (size_t)(wh - wl + 1));
        for (uint32_t j = 1; j <= c->np; j++) {
            uint64_t q = c->primes[j];
            if (q * q > wh)
                break;
            uint64_t st = (wl + q - 1) / q * q;
            if (st < q * q)
                st = q * q;
            for (uint64_t t = st; t <= wh; t += q)
                sv[t - wl] = 0;
        }
        for (uint64_t p = wh;; p--) {
            if (sv[p - wl]) {
                uint64_t v = x / p;
                /* -pi(x/p) = -(C_B(v) - 1) */
                s -= (int64_t)(carry + scan_count(&sc, v)) - 1;
                n++;
            }
            if (p == wl)
                break;
        }
        if (wl == pl + 1)
            break;
        wh = wl - 1;
    }
    k->s += s;
    k->sgn[c->B] -= (int64_t)n;
    k->k += n;
}

/* Set the counters of the segment's nw words from the bits; returns the bits set */
static uint64_t count_chunks(lmo_work *w, size_t nw)
{
    const size_t nch = (nw + CHUNK_WORDS - 1) / CHUNK_WORDS;
    uint64_t total = 0;
    for (size_t i = 0; i < nch; i++) {
        uint32_t n = 0;
        for (size_t j = i * CHUNK_WORDS; j < nw && j < (i + 1) * CHUNK_WORDS; j++)
            n += (uint32_t)__builtin_popcountll(w->bits[j]);
        w->ctr[i] = n;
        total += n;
    }
    return total;
}

PK_HOT static void run_block(block_t *k, uint64_t blo, uint64_t bhi)
{
    const pk_lmo_ctx *c = k->c;
    const uint64_t x = c->x;
    lmo_work *w = k->w;
    const uint32_t B = c->B;
    const uint64_t seg_bits = (uint64_t)1 << c->seg_log2;
    /* first multiples */
    for (uint32_t j = c->pre + 1 > 2 ? c->pre + 1 : 2; j <= B; j++) {
        uint64_t p = c->primes[j];
        uint64_t k = (blo + p - 1) / p;
        if (k < p)
            k = p;
        if (p >= 7)
            k = wheel_up(k, &w->wi[j]);
        else if (!(k & 1))
            k++;
        w->next[j] = k * p;
    }
    k->depth = 0;
    k->R = 0;
    for (uint64_t low = blo; low < bhi;) {
        uint64_t high = bhi - low > 2 * seg_bits ? low + 2 * seg_bits : bhi;
        uint64_t nbits = (high - low) >> 1;
        size_t nw = (size_t)((nbits + 63) >> 6);
        if (c->pre > 1) {   /* the pattern: multiples of 3..13 gone, the primes kept */
            uint64_t off = (low >> 1) % PRE_PERIOD;
            const uint64_t *pt = c->pattern + (off >> 6);
            unsigned sh = (unsigned)(off & 63);
            if (sh)
                for (size_t i = 0; i < nw; i++)
                    w->bits[i] = (pt[i] >> sh) | (pt[i + 1] << (64 - sh));
            else
                memcpy(w->bits, pt, nw * sizeof(uint64_t));
            if (low == 0)
                w->bits[0] |= (1ull << 1) | (1ull << 2) | (1ull << 3) | (1ull << 5) | (1ull << 6);
        } else {
            memset(w->bits, 0xff, nw * sizeof(uint64_t));
        }
        if (nbits & 63)
            w->bits[nw - 1] &= (1ull << (nbits & 63)) - 1;
        const uint64_t two = low <= 2 && 2 < high;
        uint64_t total = two + count_chunks(w, nw);   /* numbers counted at the current level */
        uint32_t depth = (uint32_t)c->pi[isqrt_u64(high - 1)];
        if (depth > B)
            depth = B;
        if (depth < c->pre)
            depth = c->pre;   /* below p^2 all levels from here up look alike */
        for (uint32_t b = k->depth + 1; b <= depth; b++)
            k->cnt[b] += k->R;   /* these levels now keep their own count */
        if (depth > k->depth)
            k->depth = depth;
        /* Levels b >= dead have no leaf at v >= low, here or in any later segment or block:
         * a leaf of prime p = p_{b+1} has m > p, so v < x / p^2, and p^2 > x / low from there
         * on.  Their counts are never read: they are crossed off without the counters, which
         * are rebuilt once after the last level. */
        uint32_t dead = UINT32_MAX;
        if (low) {
            const uint64_t r = isqrt_u64(x / low);
            if (r <= c->y)
                dead = (uint32_t)c->pi[r];
        }
        int any, stale = 0;
        /* Levels b >= hb have leaves, but easy ones only: their counts are not read either.
         * Both thresholds only rise with b, so once the counters go stale no later level
         * needs them until the rebuild. */
        for (uint32_t b = 1; b <= depth; b++) {
            if (b >= dead) {
                if (b > c->pre) {
                    cross_off_nocount(c, w, b, low, high);
                    stale = 1;
                }
                continue;
            }
            const int counted = b < c->hb;
            if (b > c->pre) {
                if (counted)
                    total -= cross_off(c, w, b, low, high);
                else {
                    cross_off_nocount(c, w, b, low, high);
                    stale = 1;
                }
            }
            if (b < c->a)
                leaves(k, b, low, high, two, &any);
            if (b < depth && b >= c->pre && counted)
                k->cnt[b] += total;
        }
        if (stale)
            total = two + count_chunks(w, nw);
        /* the levels above depth: the segment stays as it is */
        for (uint32_t b = depth + 1; b < c->a && b < dead; b++)
            if (!leaves(k, b, low, high, two, &any))
                break;
        p2_terms(k, low, high, two);
        k->cnt[depth] += total;
        if (depth < B)
            k->R += total;
        low = high;
    }
    for (uint32_t b = k->depth + 1; b <= B; b++)
        k->cnt[b] += k->R;
}

static pk_status lmo_run(const void *vctx, uint64_t lo, uint64_t hi, void *partial)
{
    const pk_lmo_ctx *c = vctx;
    if (c->is_trivial || lo >= hi)
        return PK_OK;
    const size_t psize = partial_bytes(c->B);
    lmo_work w = {0};
    const uint64_t seg_bits = (uint64_t)1 << c->seg_log2;
    w.nwords = (size_t)(seg_bits / 64);
    /* a chunk of zero words past the end: a count at the segment's very end reads the whole
     * chunk it stops in (scan_count masks those words out, but reads them) */
    w.bits = calloc(w.nwords + CHUNK_WORDS, sizeof *w.bits);
    w.ctr = malloc((w.nwords / CHUNK_WORDS + 1) * sizeof *w.ctr);
    w.next = malloc(((size_t)c->B + 1) * sizeof *w.next);
    w.wi = malloc((size_t)c->B + 1);
    w.p2 = malloc(P2_WINDOW);
    void *tmp = malloc(psize);
    pk_status st = PK_OK;
    if (!w.bits || !w.ctr || !w.next || !w.wi || !w.p2 || !tmp) {
        st = PK_ENOMEM;
        goto out;
    }
    for (uint64_t i = lo; i < hi && i < c->nblocks; i++) {
        if (c->bounds[i] >= c->bounds[i + 1])
            continue;
        memset(tmp, 0, psize);
        block_t k = {.c = c, .w = &w, .cnt = p_cnt(tmp), .sgn = p_sgn(tmp, c->B)};
        run_block(&k, c->bounds[i], c->bounds[i + 1]);
        lmo_head *h = tmp;
        h->s = k.s;
        h->k = k.k;
        lmo_merge(c, partial, tmp);
    }
out:
    free(w.bits), free(w.ctr), free(w.next), free(w.wi), free(w.p2), free(tmp);
    return st;
}

/* ---- cost model: where the work lies along [0, z] ---- */

/* Relative work per integer of the interval near v: sieving (1), the per-segment passes over
 * the levels with leaves, and the non-trivial leaves with x / (p m) near v.  A leaf of prime p
 * at v has m ~ x / (p v) prime in (max(p, y / p), y], so p lies in (x / (v y), sqrt(x / v)];
 * it is trivial (closed form, no work here) when v < p, easy (pi table) when v < p^2 and
 * v <= y, hard (a count on the sieve) otherwise.  Summed over the primes p of a range (lo, hi]
 * the leaf density is about x / v^2 * (ln ln hi - ln ln lo) / ln m.  The weights were fitted
 * (least squares on relative error) to the CPU times of 128 blocks each at 1e14, 1e15 and
 * 1e16 (modelled and measured cumulative shares within 0.03-0.08; no block above 1.3% of the
 * work at 1e16). */
#ifndef PASS_WEIGHT
#define PASS_WEIGHT 0.8
#endif
#ifndef LEAF_WEIGHT
#define LEAF_WEIGHT 7.0   /* easy leaves: read from the pi table, sparse or in clusters */
#endif
#ifndef BIG_WEIGHT
#define BIG_WEIGHT 9.0    /* easy leaves past y: read from pitab */
#endif
#ifndef HARD_WEIGHT
#define HARD_WEIGHT 34.0  /* hard leaves: a count on the sieve each */
#endif
static double lnln(double a)
{
    return log(log(a > 2.0 ? a : 2.0));
}

/* x / v^2 summed over the primes p in (lo, hi], each over ln m */
static double leaf_density(double x, double v, double lo, double hi)
{
    if (hi <= lo)
        return 0;
    double lm = log(x / (v * sqrt(lo * hi)));
    return x / (v * v) * (lnln(hi) - lnln(lo)) / (lm > 1.1 ? lm : 1.1);
}

static double cost_density(const pk_lmo_ctx *c, double v)
{
    double x = (double)c->x, y = (double)c->y;
    if (v < 2)
        v = 2;
    double f = 1.0;
    const int tab = v <= (double)c->T;   /* leaves below p^2 are easy */
    double top = tab ? fmin(sqrt(v), sqrt(x / v)) : sqrt(x / v);   /* largest p of a hard leaf */
    if (top > y)
        top = y;
    if (top > 2)
        f += PASS_WEIGHT * 4.0 * top / log(top) / 1024.0;
    double plo = x / (v * y), phi = sqrt(x / v);
    if (plo < 2)
        plo = 2;
    if (phi > y)
        phi = y;
    if (tab) {
        double lo = sqrt(v) > plo ? sqrt(v) : plo, hi = v < phi ? v : phi;
        f += (v <= y ? LEAF_WEIGHT : BIG_WEIGHT) * leaf_density(x, v, lo, hi);
    }
    /* hard: those with p^2 <= v, and every leaf past T */
    f += HARD_WEIGHT * leaf_density(x, v, plo, !tab || phi < sqrt(v) ? phi : sqrt(v));
    return f;
}

static double lmo_cost(const void *vctx, uint64_t lo, uint64_t hi)
{
    const pk_lmo_ctx *c = vctx;
    double s = 0;
    for (uint64_t i = lo; i < hi && i < c->nblocks; i++)
        s += c->bcost[i];
    return s;
}

static uint64_t lmo_grain(const void *vctx)
{
    (void)vctx;
    return 1;   /* one block a piece: blocks are cut to about equal cost */
}

/* Cut [0, z + 1) into nblocks of about equal modelled cost, at even boundaries. */
static pk_status cut_blocks(pk_lmo_ctx *c)
{
    const uint64_t end = c->z + 1;
    const uint64_t nb = c->nblocks;
    c->bounds = malloc((nb + 1) * sizeof *c->bounds);
    c->bcost = malloc(nb * sizeof *c->bcost);
    enum { G = 1024 };
    double *gx = malloc((G + 1) * sizeof *gx), *gF = malloc((G + 1) * sizeof *gF);
    if (!c->bounds || !c->bcost || !gx || !gF) {
        free(gx), free(gF);
        return PK_ENOMEM;
    }
    /* cumulative cost F on a geometric grid from 1 to end */
    double lend = log((double)end);
    gx[0] = 0;
    gF[0] = 0;
    double fa = cost_density(c, 0);
    for (int i = 1; i <= G; i++) {
        gx[i] = exp(lend * i / G);
        double a = gx[i - 1], b = gx[i], fb = cost_density(c, b);
        gF[i] = gF[i - 1] + (b - a) * (fa + 4 * cost_density(c, (a + b) / 2) + fb) / 6;
        fa = fb;
    }
    double total = gF[G];
    c->bounds[0] = 0;
    int g = 0;
    for (uint64_t i = 1; i < nb; i++) {
        double want = total * (double)i / (double)nb;
        while (g < G && gF[g + 1] < want)
            g++;
        double f = gF[g + 1] > gF[g] ? (want - gF[g]) / (gF[g + 1] - gF[g]) : 0;
        double xv = gx[g] + f * (gx[g + 1] - gx[g]);
        uint64_t b = xv >= (double)end ? end : (uint64_t)xv & ~(uint64_t)1;
        if (b < c->bounds[i - 1])
            b = c->bounds[i - 1];
        if (b > end)
            b = end;
        c->bounds[i] = b;
    }
    c->bounds[nb] = end;
    /* each block's cost from the same cumulative model, for the exec layer's rank shares */
    g = 0;
    double Fprev = 0;
    for (uint64_t i = 0; i < nb; i++) {
        double hi = (double)c->bounds[i + 1], F;
        while (g < G && gx[g + 1] < hi)
            g++;
        if (g >= G)
            F = total;
        else {
            double f = gx[g + 1] > gx[g] ? (hi - gx[g]) / (gx[g + 1] - gx[g]) : 1;
            F = gF[g] + (f < 0 ? 0 : f > 1 ? 1 : f) * (gF[g + 1] - gF[g]);
        }
        double s = F - Fprev;
        c->bcost[i] = s > 0 ? s : 1e-9;
        Fprev = F > Fprev ? F : Fprev;
    }
    free(gx), free(gF);
    return PK_OK;
}

/* ---- setup ---- */

const pk_kernel pk_lmo_kernel = {
    .name = "pi_lmo",
    .partial_size = sizeof(lmo_head) + 16,
    .grain = lmo_grain,
    .identity = lmo_identity,
    .run = lmo_run,
    .merge = lmo_merge,
    .cost = lmo_cost,
};

static double default_alpha(uint64_t x)
{
    /* measured in alternating runs on the development VM (with the trivial leaves in closed
     * form and the wheel): about 4 at 1e12-1e13, 5-6 at 1e14, 7 at 1e15.  With the sqf list
     * of the composite leaves, larger y pays further out (2-3 runs each): at 1 thread, 1e16
     * 13.0-13.6 s at 10 and 12.8-13.9 s at 14 against 13.5-14.6 s at 7; 1e17 56-61 s at 10,
     * 58.5-58.9 s at 14, 64-67 s at 7, 60-63 s at 20; at 2 threads, 1e17 30.7-32.8 s at 10,
     * 32.0-32.8 s at 8, 32.6-33.6 s at 12.  So the line through 4 at 1e13 and 7 at 1e15 goes
     * on (10 at 1e17), capped at 12: the tables up to y take about 10 bytes per integer
     * (320 MB of peak memory at 2^64 - 1). */
    double l = log10((double)x);
    double a = l <= 13 ? 1.0 + (l - 8) * 0.6 : 4.0 + (l - 13) * 1.5;
    return a < 1 ? 1 : a > 12 ? 12 : a;
}

void pk_lmo_free(pk_lmo_ctx *c)
{
    free(c->primes), free(c->pinv), free(c->pi), free(c->pitab), free(c->sqf), free(c->lpfmu), free(c->bounds), free(c->bcost), free(c->pattern);
    for (int b = 0; b < 6; b++)
        free(c->phi_tab[b]);
    memset(c, 0, sizeof *c);
}

/* The pi table past y (pitab): up to sqrt x, the largest v of an easy leaf, within
 * PITAB_CAP integers (16 bytes per 240 of them: 64 MiB); leaves past it are counted on the
 * sieve like the hard ones.  Against a bit per odd number (16 bytes per 128) it halves the
 * table that each rank of a node holds. */
#ifndef PITAB_CAP
#define PITAB_CAP ((uint64_t)1006632960)   /* 2^22 words of 240 */
#endif

/* r coprime to 30: its bit in a block of 30 (index in wheel_res); else 8 */
static const unsigned char res_bit[30] = {8, 0, 8, 8, 8, 8, 8, 1, 8, 8, 8, 2, 8, 3, 8,
                                          8, 8, 4, 8, 5, 8, 8, 8, 6, 8, 8, 8, 8, 8, 7};

static int pitab_set(const uint64_t *primes, size_t n, void *arg)
{
    uint64_t *t = arg;
    for (size_t i = 0; i < n; i++) {
        const uint64_t q = primes[i], r = q % 240;
        if (q > 5)
            t[2 * (q / 240)] |= 1ull << (8 * (r / 30) + res_bit[r % 30]);
    }
    return 0;
}

static pk_status pitab_build(pk_lmo_ctx *c, uint64_t cap)
{
    c->T = c->y;
    uint64_t T = c->sqrtx < cap ? c->sqrtx : cap;
    if (T <= c->y)
        return PK_OK;
    uint64_t m = 0;
    for (unsigned r = 0; r < 240; r++) {
        if (res_bit[r % 30] < 8)
            m |= 1ull << (8 * (r / 30) + res_bit[r % 30]);
        c->mask240[r] = m;
    }
    const size_t nw = (size_t)(T / 240) + 1;
    c->pitab = calloc(2 * nw, sizeof *c->pitab);
    if (!c->pitab)
        return PK_ENOMEM;
    pk_primes_ctx pc;
    pk_status st = pk_primes_setup(&pc, PK_PRIMES_SIEVE, T, 0);
    if (st != PK_OK)
        return st;
    int r = pk_primes_foreach(&pc, 7, T, pitab_set, c->pitab);
    pk_primes_free(&pc);
    if (r != 0)
        return PK_ENOMEM;
    uint64_t run = 3;   /* 2, 3 and 5 */
    for (size_t i = 0; i < nw; i++) {
        c->pitab[2 * i + 1] = run;
        run += (uint64_t)__builtin_popcountll(c->pitab[2 * i]);
    }
    c->T = T;
    return PK_OK;
}

/* pi(x) for tiny x, by trial division */
static uint64_t tiny_pi(uint64_t x)
{
    uint64_t n = 0;
    for (uint64_t v = 2; v <= x; v++) {
        int pr = 1;
        for (uint64_t d = 2; d * d <= v; d++)
            if (v % d == 0) {
                pr = 0;
                break;
            }
        n += (uint64_t)pr;
    }
    return n;
}

pk_status pk_lmo_setup(pk_lmo_ctx *c, uint64_t x, const pk_lmo_tuning *t)
{
    memset(c, 0, sizeof *c);
    c->kernel = pk_lmo_kernel;
    c->x = x;
    c->alpha = t && t->alpha > 0 ? t->alpha : default_alpha(x);
    /* 2^20 bits (128 KiB, in L2) ran faster than L1-sized 2^18 from 1e13 on (fewer segments,
     * each visiting every level); small x keeps 2^18 */
    c->seg_log2 = t && t->seg_log2 ? t->seg_log2 : x >= 1000000000000ull ? 20 : 18;
    if (c->seg_log2 < 9 || c->seg_log2 > 26)
        return PK_EINVAL;
    if (x < 100) {
        c->is_trivial = 1;
        c->trivial = tiny_pi(x);
        c->nblocks = 1;
        c->kernel.partial_size = partial_bytes(0);
        return PK_OK;
    }
    uint64_t cb = icbrt_u64(x), sq = isqrt_u64(x);
    double yd = c->alpha * (double)cb;
    uint64_t y = yd >= (double)sq ? sq : (uint64_t)yd;
    if (y <= cb)
        y = cb + 1;   /* y^3 > x: sqrt(z) < y, so the tables up to y reach sqrt(z) */
    if (y > sq)
        y = sq;
    if (y > ((uint64_t)1 << 31) - 2)
        return PK_EINVAL;
    c->y = y;
    c->z = x / y;
    c->sqrtx = sq;

    /* lpf, mu, primes, pi up to y */
    c->lpfmu = calloc(y + 1, sizeof *c->lpfmu);
    c->pi = malloc((y + 1) * sizeof *c->pi);
    if (!c->lpfmu || !c->pi) {
        pk_lmo_free(c);
        return PK_ENOMEM;
    }
    int32_t *lm = c->lpfmu;
    for (uint64_t p = 2; p <= y; p++) {
        if (lm[p])
            continue;
        for (uint64_t m = p; m <= y; m += p)
            if (!lm[m])
                lm[m] = (int32_t)p;
    }
    uint32_t np = 0;
    for (uint64_t v = 0; v <= y; v++) {
        if (v >= 2 && lm[v] == (int32_t)v)
            np++;
        c->pi[v] = np;
    }
    c->np = np;
    c->primes = malloc(((size_t)np + 2) * sizeof *c->primes);
    if (!c->primes) {
        pk_lmo_free(c);
        return PK_ENOMEM;
    }
    c->primes[0] = 0;
    for (uint64_t v = 2, i = 1; v <= y; v++)
        if (lm[v] == (int32_t)v)
            c->primes[i++] = (uint32_t)v;
    c->primes[np + 1] = UINT32_MAX;
    c->pinv = malloc(((size_t)np + 2) * sizeof *c->pinv);
    if (!c->pinv) {
        pk_lmo_free(c);
        return PK_ENOMEM;
    }
    c->pinv[0] = 0;
    for (uint64_t i = 1; i <= (uint64_t)np + 1; i++)
        c->pinv[i] = 1.0 / (double)c->primes[i];
    lm[1] = INT32_MAX;
    for (uint64_t m = 2; m <= y; m++) {
        int32_t p = lm[m];
        uint64_t q = m / (uint64_t)p;
        if (q % (uint64_t)p == 0)
            lm[m] = 0;
        else
            lm[m] = lm[q] > 0 ? -p : lm[q] < 0 ? p : 0;   /* mu(m) = -mu(m / p) */
    }
    c->a = np;
    if (pitab_build(c, t && t->pitab_max ? t->pitab_max : PITAB_CAP) != PK_OK) {
        pk_lmo_free(c);
        return PK_ENOMEM;
    }
    /* hb: the first level whose leaves are all easy (v < x / p^2 <= min(p^2, T)) */
    c->hb = np;
    for (uint32_t b = 0; b < np; b++) {
        const uint64_t p = c->primes[b + 1];
        if ((pk_u128)p * p * p * p >= x && x / (p * p) <= c->T) {
            c->hb = b;
            break;
        }
    }
    c->B = c->pi[isqrt_u64(c->z)];
    c->pre = 1;
    if (c->B >= PRE_LEVEL && c->a > PRE_LEVEL) {
        uint64_t seg = (uint64_t)1 << c->seg_log2;
        if (seg > c->z / 2 + 128)
            seg = c->z / 2 + 128;   /* no segment is longer than the interval */
        size_t nw = (size_t)((PRE_PERIOD + seg) / 64 + 4);
        c->pattern = calloc(nw, sizeof *c->pattern);
        for (uint32_t b = 1; b < PRE_LEVEL; b++)
            c->phi_tab[b] = malloc(primorials[b] * sizeof(uint16_t));
        int ok = c->pattern != NULL;
        for (uint32_t b = 1; b < PRE_LEVEL; b++)
            ok = ok && c->phi_tab[b];
        if (!ok) {
            pk_lmo_free(c);
            return PK_ENOMEM;
        }
        /* one period and a word bit by bit, then word by word from a period back */
        const size_t first = PRE_PERIOD / 64 + 2;
        for (size_t i = 0; i < first * 64; i++) {
            uint64_t n = 2 * (uint64_t)i + 1;
            if (n % 3 && n % 5 && n % 7 && n % 11 && n % 13)
                c->pattern[i >> 6] |= 1ull << (i & 63);
        }
        for (size_t i = first; i < nw; i++) {
            uint64_t q = (uint64_t)i * 64 - PRE_PERIOD;
            unsigned sh = (unsigned)(q & 63);
            const uint64_t *pt = c->pattern + (q >> 6);
            c->pattern[i] = sh ? (pt[0] >> sh) | (pt[1] << (64 - sh)) : pt[0];
        }
        for (uint32_t b = 1; b < PRE_LEVEL; b++) {
            uint16_t run = 0;
            for (uint32_t r = 0; r < primorials[b]; r++) {
                int coprime = r > 0;
                for (uint32_t j = 1; j <= b && coprime; j++)
                    coprime = r % c->primes[j] != 0;
                run = (uint16_t)(run + coprime);
                c->phi_tab[b][r] = run;
            }
        }
        c->pre = PRE_LEVEL;
    }

    /* the squarefree m <= y with lpf(m) > p_pre (the m of the composite leaves at levels
     * b >= pre): m in the low half, mu(m) lpf(m) in the high half */
    {
        const int64_t floor_p = c->primes[c->pre];
        size_t n = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (uint64_t m = 2; m <= y; m++) {
                int32_t v = lm[m];
                if (v == 0 || (v > 0 ? v : -(int64_t)v) <= floor_p)
                    continue;
                if (pass)
                    c->sqf[n] = m | (uint64_t)(uint32_t)v << 32;
                n++;
            }
            if (!pass) {
                c->sqf = malloc((n ? n : 1) * sizeof *c->sqf);
                if (!c->sqf) {
                    pk_lmo_free(c);
                    return PK_ENOMEM;
                }
                c->nsqf = n;
                n = 0;
            }
        }
    }

    /* S1 and the leaves of level 0 (phi(v, 0) = v) */
    pk_i128 s1 = 0;
    for (uint64_t n = 1; n <= y; n++) {
        int32_t v = lm[n];
        if (v)
            s1 += v > 0 ? (pk_i128)(x / n) : -(pk_i128)(x / n);
    }
    for (uint64_t m = y / 2 + 1; m <= y; m++) {
        int32_t v = lm[m];
        if (v && (m & 1))
            s1 -= v > 0 ? (pk_i128)(x / (2 * m)) : -(pk_i128)(x / (2 * m));
    }
    c->constant = s1 + (pk_i128)c->a - 1;

    c->kernel.partial_size = partial_bytes(c->B);
    uint64_t nseg = c->z / ((uint64_t)2 << c->seg_log2) + 1;
    /* 128 blocks by default; 8 per worker where more share them (a rank gets half its share
     * in one pass: 4 pieces per thread) */
    uint64_t nb = t && t->blocks ? t->blocks : 128;
    if (!(t && t->blocks) && t && (uint64_t)t->workers * 8 > nb)
        nb = (uint64_t)t->workers * 8;
    uint64_t memcap = ((uint64_t)256 << 20) / c->kernel.partial_size;
    if (!(t && t->blocks) && nb > memcap)
        nb = memcap < 8 ? 8 : memcap;
    if (!(t && t->blocks) && nb > nseg)
        nb = nseg;
    if (nb > c->z / 2 + 1)
        nb = c->z / 2 + 1;
    if (nb < 1)
        nb = 1;
    c->nblocks = nb;
    if (cut_blocks(c) != PK_OK) {
        pk_lmo_free(c);
        return PK_ENOMEM;
    }
    return PK_OK;
}

uint64_t pk_lmo_result(const pk_lmo_ctx *c, const void *partial)
{
    if (c->is_trivial)
        return c->trivial;
    const lmo_head *h = partial;
    pk_i128 k = (pk_i128)h->k;
    /* pi(x) = S1 + S2 + a - 1 - P2, P2 = sum pi(x/p) - sum (pi(p) - 1); the primes p in
     * (y, sqrt x] are p_{a+1}..p_{a+k}: sum (pi(p) - 1) = k (a - 1) + k (k + 1) / 2 */
    pk_i128 r = c->constant + h->s + k * ((pk_i128)c->a - 1) + k * (k + 1) / 2;
    return (uint64_t)r;
}

pk_status pk_lmo_pi(uint64_t x, const pk_lmo_tuning *t, uint64_t *pi)
{
    pk_lmo_ctx c;
    pk_status s = pk_lmo_setup(&c, x, t);
    if (s != PK_OK)
        return s;
    void *p = malloc(c.kernel.partial_size);
    if (!p) {
        pk_lmo_free(&c);
        return PK_ENOMEM;
    }
    lmo_identity(&c, p);
    s = lmo_run(&c, 0, c.nblocks, p);
    if (s == PK_OK)
        *pi = pk_lmo_result(&c, p);
    free(p);
    pk_lmo_free(&c);
    return s;
}
