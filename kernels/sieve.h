/* The segmented sieve of Eratosthenes behind primes (and primorial's enumeration): a mod-30
 * wheel bit array, pre-sieved patterns, and small / medium / bucketed large primes
 * (sieve.c).  Internal to kernels/: primes.c drives it a segment at a time. */
#ifndef PK_SIEVE_H
#define PK_SIEVE_H
#include <stddef.h>
#include <stdint.h>
#include "primes.h"

/* Tuning knobs (first measured on Zen 5, L1d 32 KiB, L2 1 MiB; TINY on the Xeon of
 * results/sieve/ab-adaptive.md); -D them to experiment. */
#ifndef PK_PRIMES_SEG_LOG
#define PK_PRIMES_SEG_LOG 0          /* largest segment 2^k bytes; 0: the L2 cache's size (pk_sieve_seg_log) */
#endif
#ifndef PK_PRIMES_SEG_ROOT
#define PK_PRIMES_SEG_ROOT 2.0       /* automatic segments: at most the smallest 2^k >= this * sqrt(b); 0: off */
#endif
#ifndef PK_PRIMES_CHUNK
#define PK_PRIMES_CHUNK (1 << 15)    /* chunk: 32 KiB, a multiple of 64, <= the smallest segment */
#endif
#ifndef PK_PRIMES_LARGE
#define PK_PRIMES_LARGE 4            /* primes >= 4 segments (<= ~2 multiples / segment): buckets */
#endif
#ifndef PK_PRIMES_SMALL_DIV
#define PK_PRIMES_SMALL_DIV 1        /* primes from segment / this up are medium (few turns a segment) */
#endif
#ifndef PK_PRIMES_TINY
#define PK_PRIMES_TINY 8192          /* primes below this are sieved chunk by chunk */
#endif

enum {
    SEG_LOG_MIN = 15, SEG_LOG_MAX = 20,  /* segments of 32 KiB .. 1 MiB (bucket offsets: 20 bits) */
    /* the largest segment chosen by cache size: on a Xeon with 2 MiB of L2 per core (a VM whose
     * cores other tenants may share) 512 KiB segments beat 1 MiB ones by 3-20% at pi(1e10),
     * 1e14 and 1e18 and tied at 1e16 (results/sieve/ab-seg.md).  The cost: on a Zen 5 host
     * (1 MiB of L2) 512 KiB was the slower one at 2 threads; -DPK_PRIMES_SEG_LOG=20 there. */
    SEG_LOG_AUTO_MAX = 19,
    CHUNK = PK_PRIMES_CHUNK,       /* bytes per pre-sieve / tiny-prime chunk */
    PRESIEVE_MAX = 163,            /* primes 7..163 come from patterns */
    FIX_BYTES = 6,                 /* bytes 0..5 (integers < 180) hold the pattern primes */
    TINY_LIMIT = PK_PRIMES_TINY,   /* p < TINY_LIMIT: unrolled loop, chunk by chunk */
};
_Static_assert(CHUNK % 64 == 0 && CHUNK <= (1 << SEG_LOG_MIN), "sieve geometry");
_Static_assert(PK_PRIMES_SMALL_DIV >= 1 && PK_PRIMES_TINY >= 1, "sieve classes");
_Static_assert(PK_PRIMES_SEG_LOG == 0 ||
               (PK_PRIMES_SEG_LOG >= SEG_LOG_MIN && PK_PRIMES_SEG_LOG <= SEG_LOG_MAX), "segment size");

/* The largest segment used on this machine, 2^k bytes: PK_PRIMES_SEG_LOG when set, else the
 * largest power of two <= the L2 cache (per core), within [2^15, 2^19] (2^18 when unknown).
 * A sieve of [a, b] with the automatic size (ctx->seg_log 0) takes the smallest 2^k >=
 * PK_PRIMES_SEG_ROOT sqrt(b) bytes when that is smaller (at least 2^15).
 * Tiny primes (below PK_PRIMES_TINY) cross off chunk by chunk, small ones (below one segment /
 * PK_PRIMES_SMALL_DIV) cross off eight multiples per turn over the whole segment,
 * medium ones (up to PK_PRIMES_LARGE segments) one at a time from lists sorted by the wheel
 * position they resume at, larger ones go to buckets. */
unsigned pk_sieve_seg_log(void);
/* The segment size a context asks for: ctx->seg_log when set (0 when it is out of range),
 * else pk_sieve_seg_log(). */
unsigned pk_sieve_ctx_seg_log(const pk_primes_ctx *ctx);

enum { NPAT = 16 };   /* groups of pre-sieved primes */
typedef struct {
    uint8_t *buf[NPAT];
    uint32_t period[NPAT];
    uint8_t fix[FIX_BYTES];     /* the true bits of bytes 0..5 */
} presieve_t;

typedef struct { uint32_t off, a, j; } sprime;   /* tiny / small prime state (p = 30a + wheel[ri]) */

/* Large primes step over the multiples of 7 too (a wheel of 210): their state is the byte
 * offset of the next multiple p*q and the wheel position w = 48 * ri + (index of q mod 210
 * among the 48 residues prime to 210), where p = 30a + pk_wheel[ri].  Moving on from
 * position w: clear bit mask, add a * factor + correct bytes, go to position next. */
typedef struct { uint8_t mask, factor, correct, pad; uint16_t next, pad2; } wheel210_t;
enum { W210 = 48 * 8 };

/* Bucket entry of a large prime: low 32 bits = offset in its segment | w << 20,
 * high 32 bits = a (< 2^32 / 30).  Entries live in blocks of BK_BYTES,
 * aligned to BK_BYTES: word 0 of a block links to the block filled before it in the same list,
 * words 1.. hold entries.  A list is known by its write pointer alone: the block a pointer
 * falls in (or ends) is found by alignment, and a pointer on a block boundary (or NULL) means
 * "take a fresh block" -- so a push touches one cache line of bucket memory. */
enum { BK_BYTES = 8192, BK_WORDS = BK_BYTES / 8, BK_SLAB = 256 };   /* blocks per slab (2 MiB) */

typedef struct {
    const pk_primes_ctx *ctx;
    uint64_t a, b;              /* integers [a, b] */
    uint64_t B0, B1;            /* their bytes [B0, B1] */
    unsigned seg_log;           /* segments of segbytes = 2^seg_log bytes */
    size_t segbytes;
    uint64_t segno, lastseg;    /* current segment, last segment */
    uint64_t s0;                /* first byte of the current segment */
    size_t len;                 /* bytes in the current segment */
    uint8_t *seg;               /* up to segbytes bytes + 64 bytes of slack */
    const presieve_t *ps;       /* the patterns of 7..163 (built once per process, shared
                                   read-only); NULL: no pre-sieve (not worth it for short ranges) */
    sprime *sp;                 /* tiny and small primes, in 8 runs by residue class ri (p mod 30) */
    size_t rbase[8];            /* run ri starts at sp[rbase[ri]]; its primes are ascending */
    size_t rn[8], rtiny[8];     /* active in run ri; of them tiny */
    uint64_t *mw[2][64];        /* medium primes' lists (write pointers), by 8 ri + position j:
                                   mw[segno & 1] for this segment, the other for the next one */
    size_t next;                /* next index into ctx->small to activate */
    size_t end_tiny, end_small, end_med, end_all;   /* class ends as indices into ctx->small */
    uint64_t **wp;              /* circular: wp[t & nbmask] is the write pointer of segment t's list */
    uint64_t nbmask;
    wheel210_t w210[W210];      /* large primes' wheel (the same for every sieve) */
    uint8_t next210[210], pos210[210];   /* distance to the next residue prime to 210; its index */
    uint64_t *freeb;            /* free blocks, linked through word 0 */
    void **slabs;               /* the slabs the blocks come from */
    size_t nslabs, capslabs;
    pk_status err;
} pk_sieve;

/* Prepare to sieve the integers [a, b]: a <= b, and ctx->small holds every prime <= sqrt(b). */
pk_status pk_sieve_init(pk_sieve *st, const pk_primes_ctx *ctx, uint64_t a, uint64_t b);
/* Sieve the next segment: st->seg holds st->len bytes for the integers from 30 * st->s0 (bit
 * k of a byte: the residue pk_wheel[k]), bits outside [a, b] cleared.  0 when done. */
int pk_sieve_next(pk_sieve *st);
void pk_sieve_free(pk_sieve *st);

/* The residues prime to 30, bit k of a sieve byte standing for 30B + pk_wheel[k]. */
extern const uint8_t pk_wheel[8];
/* floor(sqrt(n)), exact for every n < 2^64. */
uint64_t pk_isqrt64(uint64_t n);
#endif
