/* primes: count, sum and enumerate the primes in [A, N] for any N < 2^64.
 *
 * The sieve (PK_PRIMES_SIEVE) is a segmented sieve of Eratosthenes over a mod-30 wheel:
 * byte B of the sieve stands for the eight integers 30B + {1, 7, 11, 13, 17, 19, 23, 29}
 * (the residues prime to 2, 3 and 5), one bit each.  A segment of SEG bytes (256 KiB, in
 * the L2 cache) covers 30 * SEG integers.  For each segment:
 *
 *   1. chunk by chunk (32 KiB, in L1): pre-sieve, i.e. AND in the multiples of 7 .. 163 from
 *      pattern buffers (they repeat with short periods), then cross off the tiny primes;
 *   2. small primes (at least a wheel turn per segment) cross off eight multiples per turn at
 *      fixed offsets; medium primes step one multiple at a time;
 *   3. large primes (about one multiple per segment or fewer) wait in buckets, one list per
 *      segment ahead, so a segment only touches the primes that actually hit it;
 *   4. bits outside [a, b] are masked away and popcount counts the survivors.
 *
 * A sieving prime p = 30a + r crosses off p*q for q prime to 30, from q = p (that is p^2):
 * with q = 30k + w the multiple lies in byte pk + aw + floor(rw/30), on the bit of the
 * residue rw mod 30.  Its state is the byte offset of its next multiple (relative to the
 * current segment or chunk) and the wheel index j of w.  The state is computed with one
 * division when the prime becomes active in a run() call (when the sieve reaches p^2) and
 * is then carried along.  Everything lives in the call's own scratch, so run() is
 * thread-safe with a shared read-only context. */
#include "primes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

__extension__ typedef unsigned __int128 u128;

/* Tuning knobs (measured on Zen 5, L1d 48 KiB, L2 1 MiB); -D them to experiment. */
#ifndef PK_PRIMES_SEG_LOG
#define PK_PRIMES_SEG_LOG 18         /* segment: 256 KiB */
#endif
#ifndef PK_PRIMES_CHUNK
#define PK_PRIMES_CHUNK (1 << 15)    /* chunk: 32 KiB, a multiple of 64, <= segment */
#endif
#ifndef PK_PRIMES_LARGE
#define PK_PRIMES_LARGE 8            /* primes >= 8 segments (<= ~1 multiple / segment): buckets */
#endif
#ifndef PK_PRIMES_TINY
#define PK_PRIMES_TINY 4096          /* primes below this are sieved chunk by chunk */
#endif

enum {
    SEG_LOG = PK_PRIMES_SEG_LOG,
    SEG = 1 << SEG_LOG,            /* bytes per segment */
    CHUNK = PK_PRIMES_CHUNK,       /* bytes per pre-sieve / tiny-prime chunk */
    PRESIEVE_MAX = 163,            /* primes 7..163 come from patterns */
    FIX_BYTES = 6,                 /* bytes 0..5 (integers < 180) hold the pattern primes */
    TINY_LIMIT = PK_PRIMES_TINY,   /* p < TINY_LIMIT: unrolled loop, chunk by chunk */
    SMALL_LIMIT = SEG,             /* p < SMALL_LIMIT: unrolled loop over the whole segment */
    LARGE_LIMIT = PK_PRIMES_LARGE * SEG, /* p >= LARGE_LIMIT: buckets */
    BATCH = 4096,                  /* primes per pk_primes_foreach callback */
};
_Static_assert(CHUNK % 64 == 0 && CHUNK <= SEG && SEG_LOG <= 20, "sieve geometry");

/* ---- wheel tables ------------------------------------------------------------------- */

static const uint8_t WH[8] = {1, 7, 11, 13, 17, 19, 23, 29};
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
static uint64_t isqrt64(uint64_t n)
{
    uint64_t r = (uint64_t)sqrt((double)n);
    while (r > 0 && (u128)r * r > n) r--;
    while ((u128)(r + 1) * (r + 1) <= n) r++;
    return r;
}

/* ---- pre-sieve patterns ---------------------------------------------------------------- */

/* Groups of small primes whose multiples repeat every prod(p) bytes.  Each buffer holds one
 * period plus CHUNK bytes, so that any chunk-long window is contiguous. */
enum { NPAT = 16 };
static const uint8_t PATP[NPAT][4] = {
    {7, 11, 13, 17}, {19, 23, 163}, {29, 31}, {37, 41}, {43, 47}, {53, 59}, {61, 67}, {71, 73},
    {79, 83}, {89, 97}, {101, 103}, {107, 109}, {113, 127}, {131, 137}, {139, 149}, {151, 157}};

typedef struct {
    uint8_t *buf[NPAT];
    uint32_t period[NPAT];
    uint8_t fix[FIX_BYTES];     /* the true bits of bytes 0..5 */
} presieve_t;

static void presieve_free(presieve_t *ps)
{
    for (int g = 0; g < NPAT; g++) free(ps->buf[g]);
    memset(ps, 0, sizeof *ps);
}

static pk_status presieve_init(presieve_t *ps)
{
    memset(ps, 0, sizeof *ps);
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
        size_t len = (size_t)per + CHUNK + 64;
        uint8_t *b = malloc(len);
        if (!b) { presieve_free(ps); return PK_ENOMEM; }
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
    return PK_OK;
}

/* seg[0, len) = AND of the pattern windows for bytes [s0, s0 + len); len <= CHUNK.  Works in
 * 64-byte blocks and may write up to 63 bytes past len (the caller's buffer has room). */
static void presieve_apply(const presieve_t *ps, uint8_t *restrict seg, uint64_t s0, size_t len)
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

/* ---- the segmented sieve ----------------------------------------------------------------- */

typedef struct { uint32_t off, a; uint8_t ri, j; } sprime;   /* small / medium prime state */

/* Bucket entry of a large prime: low 32 bits = offset in its segment | j << 29,
 * high 32 bits = a << 3 | ri (a < 2^32 / 30 < 2^28). */
enum { BK_N = 1022 };
typedef struct bchunk { struct bchunk *next; uint32_t n, pad; uint64_t e[BK_N]; } bchunk;

typedef struct {
    const pk_primes_ctx *ctx;
    uint64_t a, b;              /* integers [a, b] */
    uint64_t B0, B1;            /* their bytes [B0, B1] */
    uint64_t segno, lastseg;    /* current segment, last segment */
    uint64_t s0;                /* first byte of the current segment */
    size_t len;                 /* bytes in the current segment */
    uint8_t *seg;               /* up to SEG bytes + 64 bytes of slack */
    int presieve;               /* pre-sieve 7..163 from patterns (not worth it for short ranges) */
    presieve_t ps;
    sprime *sp;                 /* active small and medium primes, ascending */
    size_t nsp, ntiny, nsmall;  /* active; of them in the tiny / tiny + small classes */
    size_t next;                /* next index into ctx->small to activate */
    size_t end_tiny, end_small, end_med, end_all;   /* class ends as indices into ctx->small */
    bchunk **head;              /* circular: head[t & nbmask] lists the entries for segment t */
    uint64_t nbmask;
    bchunk *freec;
    pk_status err;
} sieve_t;

static size_t first_index_ge(const pk_primes_ctx *ctx, uint64_t v)
{
    size_t lo = 0, hi = ctx->nsmall;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ctx->small[mid] < v) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static void sieve_free(sieve_t *st)
{
    free(st->seg);
    presieve_free(&st->ps);
    free(st->sp);
    if (st->head) {
        for (uint64_t k = 0; k <= st->nbmask; k++)
            for (bchunk *c = st->head[k], *n; c; c = n) { n = c->next; free(c); }
        free(st->head);
    }
    for (bchunk *c = st->freec, *n; c; c = n) { n = c->next; free(c); }
    memset(st, 0, sizeof *st);
}

/* Prepare to sieve the integers [a, b]: a <= b, and ctx->small holds every prime <= sqrt(b). */
static pk_status sieve_init(sieve_t *st, const pk_primes_ctx *ctx, uint64_t a, uint64_t b)
{
    memset(st, 0, sizeof *st);
    st->ctx = ctx;
    st->a = a;
    st->b = b;
    st->B0 = a / 30;
    st->B1 = b / 30;
    st->lastseg = (st->B1 - st->B0) >> SEG_LOG;
    uint64_t nbytes = st->B1 - st->B0 + 1;
    /* building the patterns costs about as much as sieving 2 chunks without them */
    st->presieve = nbytes >= 2 * (uint64_t)CHUNK;
    size_t segbytes = nbytes < SEG ? (size_t)nbytes : SEG;
    st->seg = aligned_alloc(64, (segbytes + 127) / 64 * 64);
    if (!st->seg || (st->presieve && presieve_init(&st->ps) != PK_OK)) {
        sieve_free(st);
        return PK_ENOMEM;
    }
    st->next = first_index_ge(ctx, st->presieve ? PRESIEVE_MAX + 1 : 7);
    st->end_all = first_index_ge(ctx, isqrt64(b) + 1);
    if (st->end_all < st->next) st->end_all = st->next;
    st->end_tiny = first_index_ge(ctx, TINY_LIMIT);
    st->end_small = first_index_ge(ctx, SMALL_LIMIT);
    st->end_med = first_index_ge(ctx, LARGE_LIMIT);
    if (st->end_med > st->end_all) st->end_med = st->end_all;
    if (st->end_small > st->end_med) st->end_small = st->end_med;
    if (st->end_tiny > st->end_small) st->end_tiny = st->end_small;
    if (st->end_med > st->next) {
        st->sp = malloc((st->end_med - st->next) * sizeof *st->sp);
        if (!st->sp) { sieve_free(st); return PK_ENOMEM; }
    }
    if (st->end_all > st->end_med) {
        /* a large prime's next multiple is < 7p/30 + 1 bytes ahead on activation and
         * <= p/5 + 6 bytes ahead after a hit: enough lists for the longest jump */
        uint64_t pmax = ctx->small[st->end_all - 1];
        uint64_t jump = (pmax / 4 + 8) / SEG + 2, nb = 1;
        while (nb < jump) nb <<= 1;
        while (nb > 1 && nb / 2 > st->lastseg + 1) nb >>= 1;   /* never more lists than segments */
        st->head = calloc(nb, sizeof *st->head);
        if (!st->head) { sieve_free(st); return PK_ENOMEM; }
        st->nbmask = nb - 1;
    }
    st->segno = 0;
    return PK_OK;
}

static inline void bucket_push(sieve_t *st, uint64_t t, uint64_t e)
{
    bchunk **h = &st->head[t & st->nbmask], *c = *h;
    if (!c || c->n == BK_N) {
        bchunk *nc = st->freec;
        if (nc) st->freec = nc->next;
        else if (!(nc = malloc(sizeof *nc))) { st->err = PK_ENOMEM; return; }
        nc->next = c;
        nc->n = 0;
        *h = c = nc;
    }
    c->e[c->n++] = e;
}

/* Activate the primes whose square is <= h (the largest integer of the current segment). */
static void activate(sieve_t *st, uint64_t h)
{
    const uint32_t *P = st->ctx->small;
    const uint64_t lo30 = 30 * st->s0;
    while (st->next < st->end_all) {
        uint64_t p = P[st->next];
        if (p * p > h) break;
        uint64_t q;
        if (p * p >= lo30) q = p;
        else { q = lo30 / p; if (q * p != lo30) q++; }
        q += WNEXT[q % 30];
        /* p*q - 30 s0 < 7p (or p^2 when q = p), so the wrapping product is exact here */
        uint64_t off = (p * q - lo30) / 30;
        uint32_t a = (uint32_t)(p / 30);
        uint8_t ri = WIDX[p % 30], j = WIDX[q % 30];
        if (st->next < st->end_med) {
            sprime *e = &st->sp[st->nsp++];
            e->off = (uint32_t)off;
            e->a = a;
            e->ri = ri;
            e->j = j;
            if (st->next < st->end_small) st->nsmall++;
            if (st->next < st->end_tiny) st->ntiny++;
        } else {
            uint64_t t = st->segno + (off >> SEG_LOG);
            if (t <= st->lastseg)
                bucket_push(st, t, (off & (SEG - 1)) | (uint64_t)j << 29 |
                                   ((uint64_t)a << 3 | ri) << 32);
        }
        st->next++;
    }
}

/* Small prime, residue class ri known at compile time: eight multiples per turn. */
static inline __attribute__((always_inline)) void
cross_small_ri(uint8_t *restrict s, uint64_t len, sprime *e, const unsigned ri)
{
    const uint64_t a = e->a;
    uint64_t i = e->off;
    unsigned j = e->j;
    while (j != 0) {                  /* step to the start of a wheel turn */
        if (i >= len) goto out;
        s[i] &= MASKT[ri][j];
        i += a * DW[j] + DCT[ri][j];
        j = (j + 1) & 7;
    }
    {
        const uint64_t p = 30 * a + WH[ri];
        const uint64_t o1 = a * 6 + OFT[ri][1], o2 = a * 10 + OFT[ri][2], o3 = a * 12 + OFT[ri][3],
                       o4 = a * 16 + OFT[ri][4], o5 = a * 18 + OFT[ri][5], o6 = a * 22 + OFT[ri][6],
                       o7 = a * 28 + OFT[ri][7];
        if (len > o7) {
            const uint64_t lim = len - o7;
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
        }
        while (i < len) {
            s[i] &= MASKT[ri][j];
            i += a * DW[j] + DCT[ri][j];
            j = (j + 1) & 7;
        }
    }
out:
    e->off = (uint32_t)(i - len);
    e->j = (uint8_t)j;
}

static void cross_small(uint8_t *restrict s, uint64_t len, sprime *sp, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        switch (sp[k].ri) {
        case 0: cross_small_ri(s, len, &sp[k], 0); break;
        case 1: cross_small_ri(s, len, &sp[k], 1); break;
        case 2: cross_small_ri(s, len, &sp[k], 2); break;
        case 3: cross_small_ri(s, len, &sp[k], 3); break;
        case 4: cross_small_ri(s, len, &sp[k], 4); break;
        case 5: cross_small_ri(s, len, &sp[k], 5); break;
        case 6: cross_small_ri(s, len, &sp[k], 6); break;
        default: cross_small_ri(s, len, &sp[k], 7); break;
        }
    }
}

static void cross_medium(uint8_t *restrict s, uint64_t len, sprime *sp, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        sprime *e = &sp[k];
        uint64_t i = e->off;
        if (i < len) {
            const uint64_t a = e->a;
            const uint8_t *mk = MASKT[e->ri], *dc = DCT[e->ri];
            unsigned j = e->j;
            do {
                s[i] &= mk[j];
                i += a * DW[j] + dc[j];
                j = (j + 1) & 7;
            } while (i < len);
            e->j = (uint8_t)j;
        }
        e->off = (uint32_t)(i - len);
    }
}

static void cross_large(sieve_t *st, uint8_t *restrict s, uint64_t len)
{
    bchunk **h = &st->head[st->segno & st->nbmask];
    bchunk *c = *h;
    *h = NULL;
    const int last = st->segno == st->lastseg;
    while (c) {
        for (uint32_t k = 0; k < c->n; k++) {
            uint64_t e = c->e[k];
            uint64_t i = (uint32_t)e & (SEG - 1);
            unsigned j = (unsigned)(e >> 29) & 7;
            uint32_t hi = (uint32_t)(e >> 32);
            uint64_t a = hi >> 3;
            unsigned ri = hi & 7;
            while (i < len) {   /* (the last segment may be shorter than SEG) */
                s[i] &= MASKT[ri][j];
                i += a * DW[j] + DCT[ri][j];
                j = (j + 1) & 7;
            }
            if (!last) {   /* len == SEG here, so i >= SEG: the target is a later segment */
                uint64_t t = st->segno + (i >> SEG_LOG);
                if (t <= st->lastseg)
                    bucket_push(st, t, (i & (SEG - 1)) | (uint64_t)j << 29 | (uint64_t)hi << 32);
            }
        }
        bchunk *n = c->next;
        c->next = st->freec;
        st->freec = c;
        c = n;
    }
}

/* Sieve the next segment into st->seg (bytes [s0, s0 + len)); 0 when there is none.
 * Bits outside [a, b] are cleared, and so are the bytes from len up to a multiple of 8. */
static int sieve_next(sieve_t *st)
{
    if (st->segno > st->lastseg) return 0;
    st->s0 = st->B0 + (st->segno << SEG_LOG);
    uint64_t left = st->B1 - st->s0 + 1;
    size_t len = left < SEG ? (size_t)left : SEG;
    st->len = len;
    uint64_t h = st->segno == st->lastseg ? st->b : 30 * (st->s0 + len) - 1;
    uint8_t *s = st->seg;
    activate(st, h);
    for (size_t c = 0; c < len; c += CHUNK) {
        size_t n = len - c < CHUNK ? len - c : CHUNK;
        if (st->presieve) presieve_apply(&st->ps, s + c, st->s0 + c, n);
        else memset(s + c, 0xff, n);
        cross_small(s + c, n, st->sp, st->ntiny);
    }
    if (st->presieve) presieve_fix(&st->ps, s, st->s0, len);
    else if (st->s0 == 0) s[0] &= 0xfe;   /* 1 is not prime */
    cross_small(s, len, st->sp + st->ntiny, st->nsmall - st->ntiny);
    cross_medium(s, len, st->sp + st->nsmall, st->nsp - st->nsmall);
    if (st->head) cross_large(st, s, len);
    if (st->segno == 0) s[0] &= mask_ge((unsigned)(st->a - 30 * st->B0));
    if (st->segno == st->lastseg) s[len - 1] &= mask_le((unsigned)(st->b - 30 * st->B1));
    memset(s + len, 0, 64);
    st->segno++;
    return 1;
}

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

/* Primes <= r (r < 2^32) into a fresh array: a plain sieve for the base primes up to sqrt(r),
 * then the segmented wheel sieve for the rest. */
static pk_status primes_upto(uint64_t r, uint32_t **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (r < 2) return PK_OK;
    uint32_t rr = (uint32_t)isqrt64(r);
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
    /* pi(x) < 1.25506 x / ln x for x > 1 (Rosser & Schoenfeld) */
    size_t cap = r < 1000 ? 200 : (size_t)(1.25506 * (double)r / log((double)r)) + 64;
    uint32_t *v = malloc(cap * sizeof *v);
    if (!v) { free(base); return PK_ENOMEM; }
    advise_huge(v, cap * sizeof *v);
    size_t n = 0;
    static const uint32_t first[3] = {2, 3, 5};
    for (int k = 0; k < 3; k++) if (first[k] <= r) v[n++] = first[k];
    pk_primes_ctx bctx = {PK_PRIMES_SIEVE, 0, r, base, nb};
    sieve_t st;
    pk_status s = sieve_init(&st, &bctx, 1, r);
    if (s != PK_OK) { free(base); free(v); return s; }
    while (sieve_next(&st)) {
        const uint8_t *sg = st.seg;
        uint64_t base30 = 30 * st.s0;
        for (size_t w = 0; w < (st.len + 7) / 8; w++) {
            uint64_t x;
            memcpy(&x, sg + 8 * w, 8);
            while (x) {
                unsigned t = (unsigned)__builtin_ctzll(x);
                x &= x - 1;
                if (n < cap) v[n] = (uint32_t)(base30 + 30 * (8 * w + t / 8) + WH[t % 8]);
                n++;
            }
        }
    }
    s = st.err;
    sieve_free(&st);
    free(base);
    if (s == PK_OK && n > cap) s = PK_ERANGE;   /* cannot happen: the bound is proven */
    if (s != PK_OK) { free(v); return s; }
    *out = v;
    *nout = n;
    return PK_OK;
}

pk_status pk_primes_setup(pk_primes_ctx *ctx, pk_primes_algo algo, uint64_t n_max, int want_sum)
{
    if (!ctx) return PK_EINVAL;
    memset(ctx, 0, sizeof *ctx);
    if (algo != PK_PRIMES_SIEVE && algo != PK_PRIMES_TRIAL && algo != PK_PRIMES_NAIVE)
        return PK_EINVAL;
    ctx->algo = algo;
    ctx->want_sum = want_sum;
    ctx->n_max = n_max;
    if (algo == PK_PRIMES_NAIVE) return PK_OK;   /* the naive test needs no primes */
    return primes_upto(isqrt64(n_max), &ctx->small, &ctx->nsmall);
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

static pk_status sieve_count(const pk_primes_ctx *ctx, uint64_t a, uint64_t b, pk_primes_partial *acc)
{
    count_small(a, b, ctx->want_sum, acc);
    sieve_t st;
    pk_status s = sieve_init(&st, ctx, a, b);
    if (s != PK_OK) return s;
    uint64_t count = 0;
    while (sieve_next(&st)) {
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
            /* bit t of word w is the integer 30 (s0 + 8w + t/8) + WH[t % 8]: sum by bit planes */
            uint64_t rel = 0;
            for (size_t w = 0; w < nw; w++) {
                uint64_t x;
                memcpy(&x, sg + 8 * w, 8);
                uint64_t byte = (uint64_t)__builtin_popcountll(x & 0xff00ff00ff00ff00ULL) +
                                2 * (uint64_t)__builtin_popcountll(x & 0xffff0000ffff0000ULL) +
                                4 * (uint64_t)__builtin_popcountll(x & 0xffffffff00000000ULL);
                uint64_t res = 0;
                for (unsigned k = 0; k < 8; k++)
                    res += WH[k] * (uint64_t)__builtin_popcountll(x & (0x0101010101010101ULL << k));
                rel += 30 * (8 * w * (uint64_t)__builtin_popcountll(x) + byte) + res;
            }
            acc->sum += (u128)(30 * st.s0) * c + rel;
        }
    }
    acc->count += count;
    s = st.err;
    sieve_free(&st);
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
    /* sieve: 128 segments at least, and enough that activating every sieving prime
     * (one division each) stays a small part of a piece; whole segments */
    const uint64_t span = (uint64_t)30 * SEG;
    uint64_t g = (uint64_t)30 << 23, g2 = (uint64_t)ctx->nsmall * 128;   /* 8 MiB of sieve */
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
        sieve_t st;
        if (sieve_init(&st, ctx, a, b) != PK_OK) { free(buf); return -1; }
        while (!r && sieve_next(&st)) {
            const uint8_t *sg = st.seg;
            uint64_t base30 = 30 * st.s0;
            for (size_t w = 0; !r && w < (st.len + 7) / 8; w++) {
                uint64_t x;
                memcpy(&x, sg + 8 * w, 8);
                while (x) {
                    unsigned t = (unsigned)__builtin_ctzll(x);
                    x &= x - 1;
                    buf[n++] = base30 + 30 * (8 * w + t / 8) + WH[t % 8];
                    if (n == BATCH) {
                        r = cb(buf, n, arg);
                        n = 0;
                        if (r) break;
                    }
                }
            }
        }
        if (!r && st.err != PK_OK) r = -1;
        sieve_free(&st);
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
