/* primorial: N# = the product of all primes <= N, exact, with GMP.
 *
 * run(lo, hi) streams the primes of the integers [lo+1, hi] from pk_primes_foreach and packs
 * consecutive primes into 64-bit words (multiply while the product still fits). Words are
 * collected in a small buffer (a "chunk"); a full chunk is multiplied out with a balanced
 * product tree (linear mpz_mul_ui at the leaves, mpz_mul above). Chunk products go onto a
 * binary-counter stack: two products on the same level are multiplied and carried one level
 * up, so the chunks also form a balanced tree, and memory stays bounded by the product itself
 * rather than by a list of all words. At the end the stack is folded (smallest first) and the
 * result multiplied into the partial.
 *
 * Pieces merge by multiplication; a merge that finds idle threads (ctx->par: the top of the
 * merge tree, where one product is left) splits its product over them (bignum.c).
 *
 * The independent check, N# mod m without the product tree and with primes of its own, is in
 * ref/primorial_residues.c. */
#include "primorial.h"
#include "bignum.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

_Static_assert(ULONG_MAX >= UINT64_MAX, "mpz_*_ui must take a whole 64-bit word");

enum {
    CHUNK_WORDS = 4096,  /* words per chunk product tree (256 Kbit product; 32 KiB buffer) */
    LEAF_WORDS = 16,     /* words multiplied one by one (mpz_mul_ui) at the bottom of the tree */
    TREE_DEPTH = 16,     /* > log2(CHUNK_WORDS / LEAF_WORDS) + 1 */
    STACK_LEVELS = 64,   /* binary counter over chunks: 2^64 chunks never happen */
};

/* ---- setup ----------------------------------------------------------------------------- */

pk_status pk_primorial_setup(pk_primorial_ctx *ctx, pk_primes_algo algo, uint64_t n)
{
    if (!ctx) return PK_EINVAL;
    ctx->par = NULL;
    return pk_primes_setup(&ctx->primes, algo, n, 0);
}

void pk_primorial_free(pk_primorial_ctx *ctx)
{
    if (ctx) pk_primes_free(&ctx->primes);
}

double pk_primorial_bits_estimate(uint64_t n)
{
    /* bits(N#) = floor(theta(N) / ln 2) + 1 and theta(x) < 1.000081 x for all x > 0
     * (Schoenfeld 1976): an over-estimate by about 0.01 % (theta(x) ~ x), plus one word. */
    return 1.000081 * (double)n / 0.69314718055994530942 + 64.0;
}

/* ---- packing primes into words ----------------------------------------------------------- */

/* Multiply p into *cur if the product fits in 64 bits; otherwise return 1 (word full). */
static inline int pack_full(uint64_t *cur, uint64_t p)
{
    uint64_t t;
    if (__builtin_mul_overflow(*cur, p, &t)) return 1;
    *cur = t;
    return 0;
}

/* ---- product accumulator ----------------------------------------------------------------- */

typedef struct {
    uint64_t words[CHUNK_WORDS];
    size_t nw;
    uint64_t cur;                 /* word being filled; 1 = empty */
    uint64_t occupied;            /* bit L set: stack[L] holds a product of 2^L chunks' worth */
    mpz_t x, tmp;                 /* chunk product / carry and scratch */
    mpz_t ta[TREE_DEPTH], tb[TREE_DEPTH];
    mpz_t stack[STACK_LEVELS];
} prod_acc;

static prod_acc *acc_new(void)
{
    prod_acc *A = malloc(sizeof *A);
    if (!A) return NULL;
    A->nw = 0;
    A->cur = 1;
    A->occupied = 0;
    mpz_init(A->x);
    mpz_init(A->tmp);
    for (int d = 0; d < TREE_DEPTH; d++) {
        mpz_init(A->ta[d]);
        mpz_init(A->tb[d]);
    }
    for (int l = 0; l < STACK_LEVELS; l++) mpz_init(A->stack[l]);
    return A;
}

static void acc_free(prod_acc *A)
{
    mpz_clear(A->x);
    mpz_clear(A->tmp);
    for (int d = 0; d < TREE_DEPTH; d++) {
        mpz_clear(A->ta[d]);
        mpz_clear(A->tb[d]);
    }
    for (int l = 0; l < STACK_LEVELS; l++) mpz_clear(A->stack[l]);
    free(A);
}

/* out = w[0] * ... * w[n-1] (n >= 1), balanced; out is never ta[d] / tb[d]. */
static void tree(prod_acc *A, const uint64_t *w, size_t n, mpz_ptr out, int d)
{
    if (n <= LEAF_WORDS) {
        mpz_set_ui(out, w[0]);
        for (size_t i = 1; i < n; i++) mpz_mul_ui(out, out, w[i]);
        return;
    }
    size_t h = n / 2;
    tree(A, w, h, A->ta[d], d + 1);
    tree(A, w + h, n - h, A->tb[d], d + 1);
    mpz_mul(out, A->ta[d], A->tb[d]);
}

/* Multiply the buffered words out and push the product onto the binary-counter stack. */
static void acc_flush(prod_acc *A)
{
    if (A->nw == 0) return;
    tree(A, A->words, A->nw, A->x, 0);
    A->nw = 0;
    int l = 0;
    while (A->occupied & ((uint64_t)1 << l)) {
        pk_mpz_mul(A->tmp, A->stack[l], A->x);
        mpz_swap(A->x, A->tmp);
        A->occupied &= ~((uint64_t)1 << l);
        l++;
    }
    mpz_swap(A->stack[l], A->x);
    A->occupied |= (uint64_t)1 << l;
}

static int acc_primes(const uint64_t *p, size_t n, void *arg)
{
    prod_acc *A = arg;
    uint64_t cur = A->cur;
    for (size_t i = 0; i < n; i++) {
        if (pack_full(&cur, p[i])) {
            A->words[A->nw++] = cur;
            if (A->nw == CHUNK_WORDS) acc_flush(A);
            cur = p[i];
        }
    }
    A->cur = cur;
    return 0;
}

/* Fold everything into A->x; returns 0 when there was nothing (product 1). */
static int acc_finish(prod_acc *A)
{
    if (A->cur != 1) {
        A->words[A->nw++] = A->cur;   /* nw < CHUNK_WORDS: a full buffer is flushed at once */
        A->cur = 1;
    }
    acc_flush(A);
    if (!A->occupied) return 0;
    int l = __builtin_ctzll(A->occupied);
    mpz_swap(A->x, A->stack[l]);
    for (l++; l < STACK_LEVELS; l++) {
        if (!(A->occupied & ((uint64_t)1 << l))) continue;
        pk_mpz_mul(A->tmp, A->stack[l], A->x);
        mpz_swap(A->x, A->tmp);
    }
    A->occupied = 0;
    return 1;
}

/* ---- kernel -------------------------------------------------------------------------------- */

static pk_status primorial_run(const void *vctx, uint64_t lo, uint64_t hi, void *vpart)
{
    const pk_primorial_ctx *ctx = vctx;
    mpz_ptr part = vpart;
    if (lo >= hi) return PK_OK;
    if (hi > ctx->primes.n_max) return PK_EINVAL;
    uint64_t a = lo + 1, b = hi;   /* integers [lo+1, hi] */
    if (a < 2) a = 2;
    if (a > b) return PK_OK;
    prod_acc *A = acc_new();
    if (!A) return PK_ENOMEM;
    pk_status st = PK_OK;
    if (pk_primes_foreach(&ctx->primes, a, b, acc_primes, A) != 0) {
        st = PK_ENOMEM;   /* acc_primes never stops early: the enumeration itself failed */
    } else if (acc_finish(A)) {
        if (mpz_cmp_ui(part, 1) == 0)
            mpz_swap(part, A->x);
        else
            pk_mpz_mul(part, part, A->x);
    }
    acc_free(A);
    return st;
}

/* Bits per unit of range are about constant (sum of log p over p <= x is about x), so
 * equal-length pieces carry equal work. Pieces of n/256 give every thread several pieces
 * for dynamic balance, and a deep enough merge tree that only its top multiplication runs
 * alone; the floor keeps each piece's sieve start-up (one offset per sieving prime <= sqrt(n))
 * and allocator traffic small against its product. */
static uint64_t primorial_grain(const void *vctx)
{
    const pk_primorial_ctx *ctx = vctx;
    uint64_t g = ctx->primes.n_max / 256 + 1;   /* 256 pieces of [0, n), not 256 and a sliver */
    const uint64_t floor_ = (uint64_t)1 << 16;
    return g < floor_ ? floor_ : g;
}

static void primorial_identity(const void *ctx, void *p)
{
    (void)ctx;
    mpz_init_set_ui((mpz_ptr)p, 1);
}

static pk_status primorial_merge(const void *vctx, void *acc, const void *later)
{
    const pk_primorial_ctx *ctx = vctx;
    pk_mpz_mul_par((mpz_ptr)acc, (mpz_ptr)acc, (mpz_srcptr)later, ctx->par);
    return PK_OK;
}

static void primorial_release(const void *ctx, void *p)
{
    (void)ctx;
    mpz_clear((mpz_ptr)p);
}

/* Wire format: uint64_t word count c, then c 64-bit words, least significant first, native
 * byte order (mpz_export). The partial is a positive integer (>= 1), so no sign is sent. */
static size_t words_of(mpz_srcptr z)
{
    return mpz_sgn(z) == 0 ? 0 : (mpz_sizeinbase(z, 2) + 63) / 64;
}

static size_t primorial_pack_size(const void *ctx, const void *p)
{
    (void)ctx;
    return sizeof(uint64_t) * (1 + words_of((mpz_srcptr)p));
}

static void primorial_pack(const void *ctx, const void *p, void *buf)
{
    (void)ctx;
    mpz_srcptr z = p;
    uint64_t c = words_of(z);
    memcpy(buf, &c, sizeof c);
    size_t got = 0;
    if (c) mpz_export((unsigned char *)buf + sizeof c, &got, -1, sizeof(uint64_t), 0, 0, z);
}

static pk_status primorial_unpack(const void *ctx, void *p, const void *buf, size_t len)
{
    (void)ctx;
    mpz_ptr z = p;
    uint64_t c;
    if (len < sizeof c) return PK_EINVAL;
    memcpy(&c, buf, sizeof c);
    if (c > (len - sizeof c) / sizeof(uint64_t) || len != sizeof c + c * sizeof(uint64_t))
        return PK_EINVAL;
    mpz_import(z, (size_t)c, -1, sizeof(uint64_t), 0, 0, (const unsigned char *)buf + sizeof c);
    return PK_OK;
}

const pk_kernel pk_primorial_kernel = {
    .name = "primorial",
    .partial_size = sizeof(mpz_t),
    .flags = 0,
    .grain = primorial_grain,
    .identity = primorial_identity,
    .run = primorial_run,
    .merge = primorial_merge,
    .release = primorial_release,
    .cost = NULL,   /* proportional to length: bits per unit range are about constant */
    .pack_size = primorial_pack_size,
    .pack = primorial_pack,
    .unpack = primorial_unpack,
};
