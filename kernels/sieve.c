/* The segmented sieve (sieve.h); the method, from primes.c's opening comment:
 * The sieve (PK_PRIMES_SIEVE) is a segmented sieve of Eratosthenes over a mod-30 wheel:
 * byte B of the sieve stands for the eight integers 30B + {1, 7, 11, 13, 17, 19, 23, 29}
 * (the residues prime to 2, 3 and 5), one bit each.  A segment of S bytes (the L2 cache's
 * size, up to 512 KiB: pk_sieve_seg_log) covers 30 S integers.  For each segment:
 *
 *   1. chunk by chunk (32 KiB, in L1): pre-sieve, i.e. AND in the multiples of 7 .. 163 from
 *      pattern buffers (they repeat with short periods), then cross off the tiny primes;
 *   2. small primes (at least a wheel turn per segment) cross off eight multiples per turn at
 *      fixed offsets; medium primes (up to 4 segments: a few multiples per segment) step one
 *      multiple at a time, from lists sorted by the wheel position they resume at;
 *   3. large primes (from 4 segments up: about 2 multiples per segment or fewer) wait in
 *      buckets, one list per segment ahead, so a segment only touches the primes that
 *      actually hit it.  They step on a wheel of 210 (the multiples of 7 are skipped), one
 *      multiple per bucket entry: cross it off, then append the entry to the list of the
 *      segment its next multiple falls in (this segment's list again, drained until empty).
 *      A list is a chain of 8 KiB aligned blocks known by its write pointer (sieve.h);
 *   4. bits outside [a, b] are masked away and popcount counts the survivors.
 *
 * A sieving prime p = 30a + r crosses off p*q for q prime to 30, from q = p (that is p^2):
 * with q = 30k + w the multiple lies in byte pk + aw + floor(rw/30), on the bit of the
 * residue rw mod 30.  Its state is the byte offset of its next multiple (relative to the
 * current segment or chunk) and the wheel index j of w.  The state is computed with one
 * division when the prime becomes active in a run() call (when the sieve reaches p^2) and
 * is then carried along.  Everything lives in the call's own scratch, so run() is
 * thread-safe with a shared read-only context. */
#include "sieve.h"
#include "pk_isa.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

__extension__ typedef unsigned __int128 u128;

/* ---- wheel tables ------------------------------------------------------------------- */

const uint8_t pk_wheel[8] = {1, 7, 11, 13, 17, 19, 23, 29};
#define WH pk_wheel
#define BITOF(x) ((x) == 1 ? 0 : (x) == 7 ? 1 : (x) == 11 ? 2 : (x) == 13 ? 3 : \
                  (x) == 17 ? 4 : (x) == 19 ? 5 : (x) == 23 ? 6 : 7)
/* MASKT[ri][j]: clears the bit of p*w_j for p = WH[ri] (mod 30) */
#define MK(r, w) ((uint8_t)~(1u << BITOF((r) * (w) % 30)))
#define MROW(r) {MK(r, 1), MK(r, 7), MK(r, 11), MK(r, 13), MK(r, 17), MK(r, 19), MK(r, 23), MK(r, 29)}
static const uint8_t MASKT[8][8] = {MROW(1), MROW(7), MROW(11), MROW(13),
                                    MROW(17), MROW(19), MROW(23), MROW(29)};
/* the byte step from multiple w_j to the next one is a * DW[j] + DCT[ri][j] (w_8 = 31) */
static const uint8_t DW[8] = {6, 4, 2, 4, 2, 4, 6, 2};
#define DC(r, w0, w1) ((r) * (w1) / 30 - (r) * (w0) / 30)
#define DROW(r) {DC(r, 1, 7), DC(r, 7, 11), DC(r, 11, 13), DC(r, 13, 17), DC(r, 17, 19), \
                 DC(r, 19, 23), DC(r, 23, 29), DC(r, 29, 31)}
static const uint8_t DCT[8][8] = {DROW(1), DROW(7), DROW(11), DROW(13),
                                  DROW(17), DROW(19), DROW(23), DROW(29)};
/* multiple w_j lies a * (w_j - 1) + OFT[ri][j] bytes after multiple w_0 = 1 of the same turn */
#define OROW(r) {0, (r) * 7 / 30, (r) * 11 / 30, (r) * 13 / 30, (r) * 17 / 30, (r) * 19 / 30, \
                 (r) * 23 / 30, (r) * 29 / 30}
static const uint8_t OFT[8][8] = {OROW(1), OROW(7), OROW(11), OROW(13),
                                  OROW(17), OROW(19), OROW(23), OROW(29)};
/* residue mod 30 -> wheel index (only meaningful for residues prime to 30) */
static const uint8_t WIDX[30] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 3, 0,
                                 0, 0, 4, 0, 5, 0, 0, 0, 6, 0, 0, 0, 0, 0, 7};
/* residue mod 30 -> distance to the next residue prime to 30 */
static const uint8_t WNEXT[30] = {1, 0, 5, 4, 3, 2, 1, 0, 3, 2, 1, 0, 1, 0, 3,
                                  2, 1, 0, 1, 0, 3, 2, 1, 0, 5, 4, 3, 2, 1, 0};

/* bits of a byte whose integer is >= / <= 30B + r */
static uint8_t mask_ge(unsigned r)
{
    uint8_t m = 0;
    for (unsigned k = 0; k < 8; k++) if (WH[k] >= r) m |= (uint8_t)(1u << k);
    return m;
}
static uint8_t mask_le(unsigned r)
{
    uint8_t m = 0;
    for (unsigned k = 0; k < 8; k++) if (WH[k] <= r) m |= (uint8_t)(1u << k);
    return m;
}

/* floor(sqrt(n)), exact for every n < 2^64 */
uint64_t pk_isqrt64(uint64_t n)
{
    uint64_t r = (uint64_t)sqrt((double)n);
    while (r > 0 && (u128)r * r > n) r--;
    while ((u128)(r + 1) * (r + 1) <= n) r++;
    return r;
}

unsigned pk_sieve_seg_log(void)
{
#if PK_PRIMES_SEG_LOG
    return PK_PRIMES_SEG_LOG;
#else
    /* asked once per process (sysconf may read sysfs); racing first callers store the same value */
    static _Atomic unsigned cached;
    unsigned k = atomic_load_explicit(&cached, memory_order_relaxed);
    if (k) return k;
    long l2 = -1;
#ifdef _SC_LEVEL2_CACHE_SIZE
    l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);   /* glibc: from cpuid on x86, from sysfs elsewhere */
#endif
    if (l2 <= 0) {
        k = 18;
    } else {
        k = SEG_LOG_MIN;
        while (k < SEG_LOG_AUTO_MAX && (2L << k) <= l2) k++;
    }
    atomic_store_explicit(&cached, k, memory_order_relaxed);
    return k;
#endif
}

unsigned pk_sieve_ctx_seg_log(const pk_primes_ctx *ctx)
{
    if (!ctx->seg_log) return pk_sieve_seg_log();
    return ctx->seg_log >= SEG_LOG_MIN && ctx->seg_log <= SEG_LOG_MAX ? ctx->seg_log : 0;
}

/* ---- pre-sieve patterns ---------------------------------------------------------------- */

/* Groups of small primes whose multiples repeat every prod(p) bytes.  Each buffer holds one
 * period plus CHUNK bytes, so that any chunk-long window is contiguous. */
static const uint8_t PATP[NPAT][4] = {
    {7, 11, 13, 17}, {19, 23, 163}, {29, 31}, {37, 41}, {43, 47}, {53, 59}, {61, 67}, {71, 73},
    {79, 83}, {89, 97}, {101, 103}, {107, 109}, {113, 127}, {131, 137}, {139, 149}, {151, 157}};


/* The patterns are the same for every sieve: built once per process (about 750 KB, in one
 * block), read-only after that, so every thread's sieve reads the same copy (one copy in a
 * shared cache, no per-piece build).  NULL after a failed allocation: sieves go without. */
static presieve_t pat;
static const presieve_t *pat_ready;
static pthread_once_t pat_once = PTHREAD_ONCE_INIT;

static void presieve_build(void)
{
    presieve_t *ps = &pat;
    size_t total = 0;   /* each buffer: its period (the product of its primes) + CHUNK + 64 */
    for (int g = 0; g < NPAT; g++) {
        size_t per = 1;
        for (int k = 0; k < 4 && PATP[g][k]; k++) per *= PATP[g][k];
        total += per + CHUNK + 64;
    }
    uint8_t *store = malloc(total);
    if (!store) return;
    for (int g = 0; g < NPAT; g++) {
        /* one prime alone repeats every p bytes: in 30p integers it has 8 multiples prime to 30 */
        uint8_t one[4][256];
        uint32_t np = 0, per = 1, pos[4] = {0, 0, 0, 0}, pp[4];
        for (int k = 0; k < 4 && PATP[g][k]; k++, np++) {
            uint32_t p = PATP[g][k];
            pp[k] = p;
            per *= p;
            memset(one[k], 0xff, p);
            for (int j = 0; j < 8; j++) {
                uint32_t m = p * WH[j];
                one[k][m / 30] &= (uint8_t)~(1u << WIDX[m % 30]);
            }
        }
        const size_t len = (size_t)per + CHUNK + 64;
        uint8_t *b = store;
        store += len;
        for (size_t t = 0; t < per; t++) {
            uint8_t v = 0xff;
            for (uint32_t k = 0; k < np; k++) {
                v &= one[k][pos[k]];
                if (++pos[k] == pp[k]) pos[k] = 0;
            }
            b[t] = v;
        }
        for (size_t t = per; t < len; t++) b[t] = b[t - per];
        ps->buf[g] = b;
        ps->period[g] = per;
    }
    for (unsigned k = 0; k < FIX_BYTES; k++) {
        uint8_t v = 0;
        for (unsigned j = 0; j < 8; j++) {
            unsigned x = 30 * k + WH[j], d = 2;
            while (d * d <= x && x % d) d++;
            if (x > 1 && d * d > x) v |= (uint8_t)(1u << j);
        }
        ps->fix[k] = v;
    }
    pat_ready = ps;
}

static const presieve_t *presieve_get(void)
{
    pthread_once(&pat_once, presieve_build);
    return pat_ready;
}

/* seg[0, len) = AND of the pattern windows for bytes [s0, s0 + len); len <= CHUNK.  Works in
 * 64-byte blocks and may write up to 63 bytes past len (the caller's buffer has room).
 * PK_HOT: the x86-64-v4 clone (64-byte AND) pre-sieved 3.4x faster than the baseline code on
 * the Zen 5 VM (0.19 vs 0.65 Gcycles over 1e10 integers at 1e12).  pk_sieve_next is not
 * cloned: its x86-64-v3 code sieved 1e10 about 30% slower (results/ab/dispatch-vs-baseline.md). */
PK_HOT static void presieve_apply(const presieve_t *ps, uint8_t *restrict seg, uint64_t s0, size_t len)
{
    const uint8_t *b[NPAT];
    for (int g = 0; g < NPAT; g++) b[g] = ps->buf[g] + s0 % ps->period[g];
    for (size_t t = 0; t < len; t += 64) {
        uint64_t w[8];
        memcpy(w, b[0] + t, 64);
        for (int g = 1; g < NPAT; g++) {
            uint64_t v[8];
            memcpy(v, b[g] + t, 64);
            for (int k = 0; k < 8; k++) w[k] &= v[k];
        }
        memcpy(seg + t, w, 64);
    }
}

/* The patterns cross off the pattern primes themselves (and leave 1): put back the true bits
 * of the first bytes (no sieving prime > PRESIEVE_MAX has a multiple there). */
static void presieve_fix(const presieve_t *ps, uint8_t *seg, uint64_t s0, size_t len)
{
    for (uint64_t B = s0; B < FIX_BYTES && B < s0 + len; B++) seg[B - s0] = ps->fix[B];
}

static size_t first_index_ge(const pk_primes_ctx *ctx, uint64_t v)
{
    size_t lo = 0, hi = ctx->nsmall;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ctx->small[mid] < v) lo = mid + 1; else hi = mid;
    }
    return lo;
}

void pk_sieve_free(pk_sieve *st)
{
    free(st->seg);
    free(st->sp);
    free(st->wp);
    for (size_t k = 0; k < st->nslabs; k++) free(st->slabs[k]);
    free(st->slabs);
    memset(st, 0, sizeof *st);
}

/* A fresh bucket block (from the free list, else from a new slab); NULL when memory runs out. */
static uint64_t *block_get(pk_sieve *st)
{
    uint64_t *b = st->freeb;
    if (b) {
        st->freeb = (uint64_t *)(uintptr_t)b[0];
        return b;
    }
    if (st->nslabs == st->capslabs) {
        size_t cap = st->capslabs ? 2 * st->capslabs : 16;
        void **ns = realloc(st->slabs, cap * sizeof *ns);
        if (!ns) return NULL;
        st->slabs = ns;
        st->capslabs = cap;
    }
    const size_t bytes = (size_t)BK_SLAB * BK_BYTES;
    uint8_t *slab = aligned_alloc(bytes, bytes);
    if (!slab) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(slab, bytes, MADV_HUGEPAGE);
#endif
    st->slabs[st->nslabs++] = slab;
    for (size_t k = 1; k < BK_SLAB; k++) {   /* block 0 is returned, the rest go to the free list */
        uint64_t *f = (uint64_t *)(void *)(slab + k * BK_BYTES);
        f[0] = (uint64_t)(uintptr_t)st->freeb;
        st->freeb = f;
    }
    return (uint64_t *)(void *)slab;
}

static inline void block_put(pk_sieve *st, uint64_t *b)
{
    b[0] = (uint64_t)(uintptr_t)st->freeb;
    st->freeb = b;
}

/* Walking a list from its write pointer p: the block p falls in (or ends), whose entries are
 * b + 1 .. p; then list_done gives that block back and returns the write end of the block
 * filled before it (NULL at the list's start). */
static inline uint64_t *list_block(uint64_t *p)
{
    return (uint64_t *)((uintptr_t)(p - 1) & ~(uintptr_t)(BK_BYTES - 1));
}
static inline uint64_t *list_done(pk_sieve *st, uint64_t *b)
{
    uint64_t *prev = (uint64_t *)(uintptr_t)b[0];
    block_put(st, b);
    return prev ? prev + BK_WORDS : NULL;
}

/* The wheel of 210 for the large primes (sieve.h). */
static void wheel210_init(pk_sieve *st)
{
    uint8_t res[48];
    unsigned n = 0;
    for (unsigned x = 1; x < 210; x++)
        if (x % 2 && x % 3 && x % 5 && x % 7) res[n++] = (uint8_t)x;
    for (unsigned x = 0; x < 210; x++) {
        unsigned d = 0;
        while ((x + d) % 2 == 0 || (x + d) % 3 == 0 || (x + d) % 5 == 0 || (x + d) % 7 == 0) d++;
        st->next210[x] = (uint8_t)d;
        unsigned y = (x + d) % 210, k = 0;
        while (res[k] != y) k++;
        st->pos210[x] = (uint8_t)k;
    }
    for (unsigned ri = 0; ri < 8; ri++)
        for (unsigned k = 0; k < 48; k++) {
            unsigned r = WH[ri], w = res[k], g = k < 47 ? res[k + 1] - w : 211u - w;
            unsigned m = r * w % 30;   /* the multiple's residue mod 30: its bit */
            wheel210_t *e = &st->w210[48 * ri + k];
            e->mask = (uint8_t)~(1u << WIDX[m]);
            e->factor = (uint8_t)g;
            e->correct = (uint8_t)((m + r * g) / 30);
            e->next = (uint16_t)(48 * ri + (k + 1) % 48);
        }
}

/* Prepare to sieve the integers [a, b]: a <= b, and ctx->small holds every prime <= sqrt(b). */
pk_status pk_sieve_init(pk_sieve *st, const pk_primes_ctx *ctx, uint64_t a, uint64_t b)
{
    memset(st, 0, sizeof *st);
    st->ctx = ctx;
    st->a = a;
    st->b = b;
    st->B0 = a / 30;
    st->B1 = b / 30;
    st->seg_log = pk_sieve_ctx_seg_log(ctx);
    if (!st->seg_log) return PK_EINVAL;
    if (!ctx->seg_log && PK_PRIMES_SEG_ROOT > 0) {
        /* the automatic size also follows sqrt(b): the smallest 2^k >= 2 sqrt(b) bytes (the
         * 2 sqrt rule is primesieve's).  With few sieving primes a smaller segment is faster,
         * and the largest small prime still makes two turns per segment; far out (b > 6.9e10
         * here) the cache's size decides.  results/sieve/ab-adaptive.md has the figures. */
        const double want = PK_PRIMES_SEG_ROOT * (double)pk_isqrt64(b);
        unsigned k = SEG_LOG_MIN;
        while (k < st->seg_log && (double)((uint64_t)1 << k) < want) k++;
        st->seg_log = k;
    }
    const size_t SEG = st->segbytes = (size_t)1 << st->seg_log;
    st->lastseg = (st->B1 - st->B0) >> st->seg_log;
    uint64_t nbytes = st->B1 - st->B0 + 1;
    /* the patterns' one build per process costs about as much as sieving 2 chunks without
     * them: shorter ranges go without */
    st->ps = nbytes >= 2 * (uint64_t)CHUNK ? presieve_get() : NULL;
    size_t alloc = nbytes < SEG ? (size_t)nbytes : SEG;
    st->seg = aligned_alloc(64, (alloc + 127) / 64 * 64);
    if (!st->seg) {
        pk_sieve_free(st);
        return PK_ENOMEM;
    }
    st->next = first_index_ge(ctx, st->ps ? PRESIEVE_MAX + 1 : 7);
    st->end_all = first_index_ge(ctx, pk_isqrt64(b) + 1);
    if (st->end_all < st->next) st->end_all = st->next;
    st->end_tiny = first_index_ge(ctx, TINY_LIMIT);
    st->end_small = first_index_ge(ctx, SEG / PK_PRIMES_SMALL_DIV);
    st->end_med = first_index_ge(ctx, (uint64_t)PK_PRIMES_LARGE * SEG);
    if (st->end_med > st->end_all) st->end_med = st->end_all;
    if (st->end_small > st->end_med) st->end_small = st->end_med;
    if (st->end_tiny > st->end_small) st->end_tiny = st->end_small;
    if (st->end_small > st->next) {
        /* one run per residue class mod 30, so that the crossing-off loops know it at
         * compile time (no indirect branch per prime): count the class sizes first */
        size_t cnt[8] = {0};
        for (size_t k = st->next; k < st->end_small; k++) cnt[WIDX[ctx->small[k] % 30]]++;
        for (unsigned r = 1; r < 8; r++) st->rbase[r] = st->rbase[r - 1] + cnt[r - 1];
        st->sp = malloc((st->end_small - st->next) * sizeof *st->sp);
        if (!st->sp) { pk_sieve_free(st); return PK_ENOMEM; }
    }
    if (st->end_all > st->end_med) {
        /* a large prime's next multiple is < 11p/30 + 1 bytes ahead on activation and
         * <= p/3 + 11 bytes ahead after a hit: enough lists for the longest jump */
        uint64_t pmax = ctx->small[st->end_all - 1];
        uint64_t jump = (pmax / 2 + 16) / SEG + 2, nb = 1;
        while (nb < jump) nb <<= 1;
        while (nb > 1 && nb / 2 > st->lastseg + 1) nb >>= 1;   /* never more lists than segments */
        st->wp = calloc(nb, sizeof *st->wp);
        if (!st->wp) { pk_sieve_free(st); return PK_ENOMEM; }
        st->nbmask = nb - 1;
        wheel210_init(st);
    }
    st->segno = 0;
    return PK_OK;
}

/* Append entry e to the list whose write pointer is *w. */
static inline void list_push(pk_sieve *st, uint64_t **w, uint64_t e)
{
    uint64_t *p = *w;
    if (!((uintptr_t)p & (BK_BYTES - 1))) {   /* no list yet, or its block is full */
        uint64_t *b = block_get(st);
        if (!b) { st->err = PK_ENOMEM; return; }
        b[0] = (uint64_t)(uintptr_t)(p ? p - BK_WORDS : NULL);
        p = b + 1;
    }
    *p++ = e;
    *w = p;
}

/* Append entry e to the list of segment t. */
static inline void bucket_push(pk_sieve *st, uint64_t t, uint64_t e)
{
    list_push(st, &st->wp[t & st->nbmask], e);
}

/* Activate the primes whose square is <= h (the largest integer of the current segment). */
static void activate(pk_sieve *st, uint64_t h)
{
    const uint32_t *P = st->ctx->small;
    const uint64_t lo30 = 30 * st->s0;
    while (st->next < st->end_med) {
        uint64_t p = P[st->next];
        if (p * p > h) break;
        uint64_t q;
        if (p * p >= lo30) q = p;
        else { q = lo30 / p; if (q * p != lo30) q++; }
        q += WNEXT[q % 30];
        /* p*q - 30 s0 < 7p (or p^2 when q = p), so the wrapping product is exact here */
        uint64_t off = (p * q - lo30) / 30;
        const unsigned r = WIDX[p % 30];
        if (st->next >= st->end_small) {   /* medium: to the list of its class and position */
            list_push(st, &st->mw[st->segno & 1][8 * r + WIDX[q % 30]], off | (p / 30) << 32);
            st->next++;
            continue;
        }
        sprime *e = &st->sp[st->rbase[r] + st->rn[r]++];
        e->off = (uint32_t)off;
        e->a = (uint32_t)(p / 30);
        e->j = WIDX[q % 30];
        if (st->next < st->end_tiny) st->rtiny[r]++;
        st->next++;
    }
    while (st->next < st->end_all) {   /* large primes: wheel 210, into the buckets */
        uint64_t p = P[st->next];
        if (p * p > h) break;
        uint64_t q;
        if (p * p >= lo30) q = p;
        else { q = lo30 / p; if (q * p != lo30) q++; }
        unsigned qm = (unsigned)(q % 210);
        q += st->next210[qm];
        /* p*q - 30 s0 < 11p (or p^2 when q = p), so the wrapping product is exact here */
        uint64_t off = (p * q - lo30) / 30;
        uint64_t w = 48u * WIDX[p % 30] + st->pos210[qm];
        uint64_t t = st->segno + (off >> st->seg_log);
        if (t <= st->lastseg)
            bucket_push(st, t, (off & (st->segbytes - 1)) | w << 20 | (p / 30) << 32);
        st->next++;
    }
}

/* Small prime, residue class ri known at compile time: eight multiples per turn.  The entry
 * (at wheel index j) and the way out go through one chain of single steps: a jump into it
 * and one exit branch, as primesieve's EratSmall does. */
#define STEP_BODY(J) \
        if (i >= len) { j = J; goto out; } \
        s[i] &= MASKT[ri][J]; \
        i += a * DW[J] + DCT[ri][J]
#define STEP(J) s##J: STEP_BODY(J)
/* the labelled steps 1..7 of the chain; the step at 0 (labelled or not) comes before them */
#define STEPS_1_TO_7 STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6); STEP(7)
static inline __attribute__((always_inline)) void
cross_small_ri(uint8_t *restrict s, uint64_t len, sprime *e, const unsigned ri)
{
    const uint64_t a = e->a, p = 30 * a + WH[ri];
    const uint64_t o1 = a * 6 + OFT[ri][1], o2 = a * 10 + OFT[ri][2], o3 = a * 12 + OFT[ri][3],
                   o4 = a * 16 + OFT[ri][4], o5 = a * 18 + OFT[ri][5], o6 = a * 22 + OFT[ri][6],
                   o7 = a * 28 + OFT[ri][7];
    const uint64_t lim = len > o7 ? len - o7 : 0;
    uint64_t i = e->off;
    unsigned j = e->j;
    switch (j) {
    case 1: goto s1;
    case 2: goto s2;
    case 3: goto s3;
    case 4: goto s4;
    case 5: goto s5;
    case 6: goto s6;
    case 7: goto s7;
    default: break;   /* 0: a turn starts here */
    }
turn:
    for (; i < lim; i += p) {
        s[i] &= MASKT[ri][0];
        s[i + o1] &= MASKT[ri][1];
        s[i + o2] &= MASKT[ri][2];
        s[i + o3] &= MASKT[ri][3];
        s[i + o4] &= MASKT[ri][4];
        s[i + o5] &= MASKT[ri][5];
        s[i + o6] &= MASKT[ri][6];
        s[i + o7] &= MASKT[ri][7];
    }
    STEP_BODY(0);
    STEPS_1_TO_7;
    goto turn;
out:
    e->off = (uint32_t)(i - len);
    e->j = j;
}

/* The primes of class `cls` (0 tiny, 1 small), run by run. */
#define RUN(R) \
    case R: \
        for (size_t k = lo; k < hi; k++) cross_small_ri(s, len, &sp[k], R); \
        break
static inline __attribute__((always_inline)) void
cross_class(const pk_sieve *st, uint8_t *restrict s, uint64_t len, const int cls)
{
    for (unsigned r = 0; r < 8; r++) {
        sprime *sp = st->sp + st->rbase[r];
        size_t lo = cls == 0 ? 0 : st->rtiny[r];
        size_t hi = cls == 0 ? st->rtiny[r] : st->rn[r];
        switch (r) {
        RUN(0); RUN(1); RUN(2); RUN(3); RUN(4); RUN(5); RUN(6); default: RUN(7);
        }
    }
}
#undef RUN

PK_HOT static void cross_tiny(const pk_sieve *st, uint8_t *restrict s, uint64_t len)
{
    cross_class(st, s, len, 0);
}
PK_HOT static void cross_small(const pk_sieve *st, uint8_t *restrict s, uint64_t len)
{
    cross_class(st, s, len, 1);
}
/* Medium primes (a few multiples per segment), in the way primesieve's EratMedium works:
 * they wait in 64 lists, one per residue class ri and wheel position J of the next multiple,
 * so the chain of single steps is entered at a position known at compile time (a jump on a
 * prime's own j would be mispredicted for nearly every prime); one exit branch per prime and
 * segment remains.  On the way out a prime joins the list of its new position in the other
 * generation of lists, the next segment's.  An entry is the offset of the next multiple (low
 * 32 bits; < one segment past this one, as p < PK_PRIMES_LARGE segments) and a = p / 30. */
static inline __attribute__((always_inline)) void
cross_mlist(pk_sieve *st, uint8_t *restrict s, uint64_t len, uint64_t *p, uint64_t **nxt,
            const unsigned ri, const unsigned J)
{
    while (p) {
        uint64_t *b = list_block(p);
        for (const uint64_t *q = b + 1; q < p; q++) {
            const uint64_t e = *q, a = e >> 32;
            uint64_t i = (uint32_t)e;
            unsigned j;
            switch (J) {   /* a constant: a direct jump */
            case 0: goto s0;
            case 1: goto s1;
            case 2: goto s2;
            case 3: goto s3;
            case 4: goto s4;
            case 5: goto s5;
            case 6: goto s6;
            default: goto s7;
            }
            STEP(0);
            STEPS_1_TO_7;
            goto s0;
out:
            list_push(st, &nxt[8 * ri + j], (i - len) | a << 32);
        }
        p = list_done(st, b);
    }
}
#undef STEPS_1_TO_7
#undef STEP
#undef STEP_BODY

#define MLIST(K) \
    case K: cross_mlist(st, s, len, p, nxt, (K) / 8, (K) % 8); break
/* (not cloned per ISA: scalar code, and 64 loops of it) */
static void cross_medium(pk_sieve *st, uint8_t *restrict s, uint64_t len)
{
    uint64_t **cur = st->mw[st->segno & 1], **nxt = st->mw[(st->segno & 1) ^ 1];
    for (unsigned k = 0; k < 64; k++) {
        uint64_t *p = cur[k];
        if (!p) continue;
        cur[k] = NULL;
        switch (k) {
        MLIST(0); MLIST(1); MLIST(2); MLIST(3); MLIST(4); MLIST(5); MLIST(6); MLIST(7);
        MLIST(8); MLIST(9); MLIST(10); MLIST(11); MLIST(12); MLIST(13); MLIST(14); MLIST(15);
        MLIST(16); MLIST(17); MLIST(18); MLIST(19); MLIST(20); MLIST(21); MLIST(22); MLIST(23);
        MLIST(24); MLIST(25); MLIST(26); MLIST(27); MLIST(28); MLIST(29); MLIST(30); MLIST(31);
        MLIST(32); MLIST(33); MLIST(34); MLIST(35); MLIST(36); MLIST(37); MLIST(38); MLIST(39);
        MLIST(40); MLIST(41); MLIST(42); MLIST(43); MLIST(44); MLIST(45); MLIST(46); MLIST(47);
        MLIST(48); MLIST(49); MLIST(50); MLIST(51); MLIST(52); MLIST(53); MLIST(54); MLIST(55);
        MLIST(56); MLIST(57); MLIST(58); MLIST(59); MLIST(60); MLIST(61); MLIST(62); default: MLIST(63);
        }
    }
}
#undef MLIST

PK_HOT static void cross_large(pk_sieve *st, uint8_t *restrict s, uint64_t len)
{
    uint64_t **w = &st->wp[st->segno & st->nbmask];
    const wheel210_t *W = st->w210;
    const unsigned seg_log = st->seg_log;
    const uint32_t segmask = (uint32_t)st->segbytes - 1;
    if (st->segno == st->lastseg) {   /* the last segment: no pushes, len may be < a segment */
        uint64_t *p = *w;
        *w = NULL;
        while (p) {
            uint64_t *b = list_block(p);
            for (const uint64_t *q = b + 1; q < p; q++) {
                uint64_t e = *q, i = (uint32_t)e & segmask, a = e >> 32;
                unsigned k = ((uint32_t)e >> 20) & 511;
                while (i < len) {
                    s[i] &= W[k].mask;
                    i += a * W[k].factor + W[k].correct;
                    k = W[k].next;
                }
            }
            p = list_done(st, b);
        }
        return;
    }
    /* a whole segment: one multiple per entry, then on to the list of the segment it falls in --
     * this one again when it falls here (the loop runs until this list stays empty) */
    const uint64_t segno = st->segno, lastseg = st->lastseg;
    uint64_t *p;
    while ((p = *w) != NULL) {
        *w = NULL;
        while (p) {
            uint64_t *b = list_block(p);
            for (const uint64_t *q = b + 1; q < p; q++) {
                uint64_t e = *q, i = (uint32_t)e & segmask, a = e >> 32;
                unsigned k = ((uint32_t)e >> 20) & 511;
                s[i] &= W[k].mask;
                i += a * W[k].factor + W[k].correct;
                k = W[k].next;
                uint64_t t = segno + (i >> seg_log);
                if (t <= lastseg)
                    bucket_push(st, t, (i & segmask) | (uint64_t)k << 20 | a << 32);
            }
            p = list_done(st, b);
        }
    }
}

/* Sieve the next segment into st->seg (bytes [s0, s0 + len)); 0 when there is none.
 * Bits outside [a, b] are cleared, and so are the bytes from len up to a multiple of 8. */
int pk_sieve_next(pk_sieve *st)
{
    if (st->segno > st->lastseg) return 0;
    st->s0 = st->B0 + (st->segno << st->seg_log);
    uint64_t left = st->B1 - st->s0 + 1;
    size_t len = left < st->segbytes ? (size_t)left : st->segbytes;
    st->len = len;
    uint64_t h = st->segno == st->lastseg ? st->b : 30 * (st->s0 + len) - 1;
    uint8_t *s = st->seg;
    activate(st, h);
    for (size_t c = 0; c < len; c += CHUNK) {
        size_t n = len - c < CHUNK ? len - c : CHUNK;
        if (st->ps) presieve_apply(st->ps, s + c, st->s0 + c, n);
        else memset(s + c, 0xff, n);
        cross_tiny(st, s + c, n);
    }
    if (st->ps) presieve_fix(st->ps, s, st->s0, len);
    else if (st->s0 == 0) s[0] &= 0xfe;   /* 1 is not prime */
    cross_small(st, s, len);
    cross_medium(st, s, len);
    if (st->wp) cross_large(st, s, len);
    if (st->segno == 0) s[0] &= mask_ge((unsigned)(st->a - 30 * st->B0));
    if (st->segno == st->lastseg) s[len - 1] &= mask_le((unsigned)(st->b - 30 * st->B1));
    memset(s + len, 0, 64);
    st->segno++;
    return 1;
}

