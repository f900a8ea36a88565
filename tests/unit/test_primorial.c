/* Unit tests for kernels/primorial.c: the primorial kernel against GMP's mpz_primorial_ui, piece
 * splits and merge orders, the three prime-finding algorithms, MPI transport (pack / unpack),
 * the independent residue check and the size estimate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmp.h>

#include "primorial.h"
#include "primorial_residues.h"
#include "testutil.h"

static const pk_kernel *K = &pk_primorial_kernel;

static void setup_ctx(pk_primorial_ctx *ctx, pk_primes_algo algo, uint64_t n)
{
    assert_int_equal(pk_primorial_setup(ctx, algo, n), PK_OK);
}

/* out = product of the primes in integers [lo+1, hi], one piece. */
static void one_piece(const pk_primorial_ctx *ctx, uint64_t lo, uint64_t hi, mpz_t out)
{
    mpz_t p;
    K->identity(ctx, p);
    assert_int_equal(K->run(ctx, lo, hi, p), PK_OK);
    mpz_set(out, p);
    K->release(ctx, p);
}

/* Cut [lo, hi) at the given sorted cut points, run every piece, then merge adjacent partials in
 * an order drawn from *seed (or left to right when seed is NULL). */
static void split_product(const pk_primorial_ctx *ctx, uint64_t lo, uint64_t hi, const uint64_t *cuts,
                          size_t ncuts, uint64_t *seed, mpz_t out)
{
    size_t np = ncuts + 1;
    mpz_t *part = malloc(np * sizeof *part);
    assert_non_null(part);
    for (size_t i = 0; i < np; i++) {
        uint64_t a = i == 0 ? lo : cuts[i - 1], b = i == ncuts ? hi : cuts[i];
        K->identity(ctx, part[i]);
        assert_int_equal(K->run(ctx, a, b, part[i]), PK_OK);
    }
    while (np > 1) {
        size_t i = seed ? (size_t)(rng_next(seed) % (np - 1)) : 0;
        assert_int_equal(K->merge(ctx, part[i], part[i + 1]), PK_OK);
        K->release(ctx, part[i + 1]);
        memmove(&part[i + 1], &part[i + 2], (np - i - 2) * sizeof *part);
        np--;
    }
    mpz_set(out, part[0]);
    K->release(ctx, part[0]);
    free(part);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ---- values ------------------------------------------------------------------------------ */

static void test_known_small(void **state)
{
    (void)state;
    static const struct { uint64_t n; unsigned long v; } t[] = {
        {0, 1}, {1, 1}, {2, 2}, {3, 6}, {4, 6}, {5, 30}, {6, 30}, {7, 210}, {10, 210},
        {11, 2310}, {12, 2310}, {13, 30030}, {29, 6469693230UL}, {30, 6469693230UL},
        {52, 614889782588491410UL},   /* 47#, the largest primorial below 2^64 */
    };
    pk_primorial_ctx ctx;
    setup_ctx(&ctx, PK_PRIMES_SIEVE, 100);
    mpz_t z;
    mpz_init(z);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        one_piece(&ctx, 0, t[i].n, z);
        assert_true(mpz_cmp_ui(z, t[i].v) == 0);
    }
    mpz_clear(z);
    pk_primorial_free(&ctx);
}

static void test_every_n_to_2000(void **state)
{
    (void)state;
    pk_primorial_ctx ctx;
    setup_ctx(&ctx, PK_PRIMES_SIEVE, 2000);
    mpz_t z, g;
    mpz_inits(z, g, NULL);
    for (uint64_t n = 0; n <= 2000; n++) {
        one_piece(&ctx, 0, n, z);
        mpz_primorial_ui(g, n);
        if (mpz_cmp(z, g) != 0) fail_msg("primorial(%llu) differs from GMP", (unsigned long long)n);
    }
    mpz_clears(z, g, NULL);
    pk_primorial_free(&ctx);
}

static void test_large_vs_gmp(void **state)
{
    (void)state;
    static const uint64_t ns[] = {50328, 100000, 1000000, 2000003};
    mpz_t z, g;
    mpz_inits(z, g, NULL);
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint64_t n = ns[i];
        pk_primorial_ctx ctx;
        setup_ctx(&ctx, PK_PRIMES_SIEVE, n);
        mpz_primorial_ui(g, n);
        one_piece(&ctx, 0, n, z);
        assert_true(mpz_cmp(z, g) == 0);
        /* The way a backend runs it: pieces of grain() and a pairwise merge tree. */
        uint64_t grain = K->grain(&ctx);
        assert_true(grain > 0);
        size_t np = (size_t)((n + grain - 1) / grain);
        uint64_t *cuts = malloc((np ? np : 1) * sizeof *cuts);
        assert_non_null(cuts);
        size_t nc = 0;
        for (uint64_t c = grain; c < n; c += grain) cuts[nc++] = c;
        split_product(&ctx, 0, n, cuts, nc, NULL, z);
        assert_true(mpz_cmp(z, g) == 0);
        free(cuts);
        pk_primorial_free(&ctx);
    }
    mpz_clears(z, g, NULL);
}

static void test_random_splits_and_orders(void **state)
{
    (void)state;
    uint64_t seed = 20240601;
    static const uint64_t ns[] = {100, 4099, 30030, 1000000};
    mpz_t whole, z;
    mpz_inits(whole, z, NULL);
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint64_t n = ns[i];
        pk_primorial_ctx ctx;
        setup_ctx(&ctx, PK_PRIMES_SIEVE, n);
        for (int rep = 0; rep < 6; rep++) {
            /* Sub-ranges too, not only [0, n). */
            uint64_t lo = rep % 2 ? rng_next(&seed) % (n / 2) : 0;
            uint64_t hi = rep % 3 ? n - rng_next(&seed) % (n / 4) : n;
            one_piece(&ctx, lo, hi, whole);
            size_t nc = 1 + (size_t)(rng_next(&seed) % 40);
            uint64_t cuts[64];
            for (size_t c = 0; c < nc; c++) cuts[c] = lo + rng_next(&seed) % (hi - lo + 1);
            if (rep == 0) { cuts[0] = lo; cuts[nc - 1] = hi; }   /* empty first / last pieces */
            qsort(cuts, nc, sizeof cuts[0], cmp_u64);            /* duplicates: empty pieces */
            split_product(&ctx, lo, hi, cuts, nc, &seed, z);
            assert_true(mpz_cmp(z, whole) == 0);
        }
        pk_primorial_free(&ctx);
    }
    mpz_clears(whole, z, NULL);
}

/* run() multiplies into a partial that already holds a value. */
static void test_run_accumulates(void **state)
{
    (void)state;
    pk_primorial_ctx ctx;
    setup_ctx(&ctx, PK_PRIMES_SIEVE, 200000);
    mpz_t p, g;
    mpz_init(g);
    K->identity(&ctx, p);
    assert_int_equal(K->run(&ctx, 0, 70000, p), PK_OK);
    assert_int_equal(K->run(&ctx, 70000, 70001, p), PK_OK);
    assert_int_equal(K->run(&ctx, 70001, 70001, p), PK_OK);   /* empty */
    assert_int_equal(K->run(&ctx, 70001, 200000, p), PK_OK);
    mpz_primorial_ui(g, 200000);
    assert_true(mpz_cmp(p, g) == 0);
    K->release(&ctx, p);
    mpz_clear(g);
    pk_primorial_free(&ctx);
}

static void test_algorithms_agree(void **state)
{
    (void)state;
    pk_primorial_ctx cs, ct, cn;
    setup_ctx(&cs, PK_PRIMES_SIEVE, 3000);
    setup_ctx(&ct, PK_PRIMES_TRIAL, 3000);
    setup_ctx(&cn, PK_PRIMES_NAIVE, 3000);
    mpz_t a, b, c;
    mpz_inits(a, b, c, NULL);
    static const uint64_t ns[] = {0, 1, 2, 3, 4, 5, 10, 97, 100, 1000, 2999, 3000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        one_piece(&cs, 0, ns[i], a);
        one_piece(&ct, 0, ns[i], b);
        one_piece(&cn, 0, ns[i], c);
        assert_true(mpz_cmp(a, b) == 0);
        assert_true(mpz_cmp(a, c) == 0);
    }
    one_piece(&cs, 1000, 2500, a);
    one_piece(&ct, 1000, 2500, b);
    one_piece(&cn, 1000, 2500, c);
    assert_true(mpz_cmp(a, b) == 0);
    assert_true(mpz_cmp(a, c) == 0);
    mpz_clears(a, b, c, NULL);
    pk_primorial_free(&cs);
    pk_primorial_free(&ct);
    pk_primorial_free(&cn);
}

static void test_domain(void **state)
{
    (void)state;
    pk_primorial_ctx ctx;
    setup_ctx(&ctx, PK_PRIMES_SIEVE, 1000);
    mpz_t p;
    K->identity(&ctx, p);
    assert_int_equal(K->run(&ctx, 0, 1001, p), PK_EINVAL);   /* beyond n_max */
    assert_int_equal(K->run(&ctx, 500, 400, p), PK_OK);      /* empty */
    assert_true(mpz_cmp_ui(p, 1) == 0);
    K->release(&ctx, p);
    assert_true(K->grain(&ctx) > 0);
    assert_string_equal(K->name, "primorial");
    assert_int_equal(K->partial_size, sizeof(mpz_t));
    pk_primorial_free(&ctx);
    /* Pieces of grain() are about n/256 for large n: enough for both balance and the tree. */
    setup_ctx(&ctx, PK_PRIMES_SIEVE, 100000000);
    uint64_t g = K->grain(&ctx);
    assert_true(100000000 / g >= 64 && 100000000 / g <= 4096);
    pk_primorial_free(&ctx);
}

/* ---- transport ----------------------------------------------------------------------------- */

static void roundtrip(const pk_primorial_ctx *ctx, mpz_srcptr v, size_t offset)
{
    size_t len = K->pack_size(ctx, v);
    assert_true(len >= sizeof(uint64_t));
    unsigned char *buf = malloc(len + offset);
    assert_non_null(buf);
    K->pack(ctx, v, buf + offset);
    mpz_t q;
    K->identity(ctx, q);
    mpz_set_ui(q, 12345);   /* unpack overwrites whatever the partial held */
    assert_int_equal(K->unpack(ctx, q, buf + offset, len), PK_OK);
    assert_true(mpz_cmp(q, v) == 0);
    /* Wrong lengths are refused. */
    assert_int_equal(K->unpack(ctx, q, buf + offset, len - 1), PK_EINVAL);
    assert_int_equal(K->unpack(ctx, q, buf + offset, 3), PK_EINVAL);
    if (len > sizeof(uint64_t))
        assert_int_equal(K->unpack(ctx, q, buf + offset, len - sizeof(uint64_t)), PK_EINVAL);
    K->release(ctx, q);
    free(buf);
}

static void test_pack_roundtrip(void **state)
{
    (void)state;
    pk_primorial_ctx ctx;
    setup_ctx(&ctx, PK_PRIMES_SIEVE, 100000);
    mpz_t v;
    K->identity(&ctx, v);                       /* the empty partial, 1 */
    assert_int_equal(K->pack_size(&ctx, v), 2 * sizeof(uint64_t));
    roundtrip(&ctx, v, 0);
    roundtrip(&ctx, v, 1);
    mpz_set_ui(v, UINT64_MAX);
    roundtrip(&ctx, v, 0);
    mpz_add_ui(v, v, 1);                        /* 2^64: two words */
    assert_int_equal(K->pack_size(&ctx, v), 3 * sizeof(uint64_t));
    roundtrip(&ctx, v, 3);
    mpz_set_ui(v, 0);                           /* not a partial, but must not break */
    roundtrip(&ctx, v, 0);
    mpz_set_ui(v, 1);
    assert_int_equal(K->run(&ctx, 0, 100000, v), PK_OK);
    roundtrip(&ctx, v, 0);
    roundtrip(&ctx, v, 5);
    K->release(&ctx, v);
    pk_primorial_free(&ctx);
}

/* ---- residues ------------------------------------------------------------------------------ */

static void test_residues(void **state)
{
    (void)state;
    enum { K_PRIMES = 6 };
    uint64_t m[K_PRIMES + 10];
    size_t k = 0;
    /* 63-bit primes from a fixed seed, plus the largest prime below 2^63. */
    uint64_t seed = 7;
    mpz_t t;
    mpz_init(t);
    for (int i = 0; i < K_PRIMES - 1; i++) {
        mpz_set_ui(t, (rng_next(&seed) >> 2) | ((uint64_t)1 << 61));
        mpz_nextprime(t, t);
        assert_true(mpz_sizeinbase(t, 2) <= 63);
        m[k++] = mpz_get_ui(t);
    }
    m[k++] = 9223372036854775783ULL;   /* 2^63 - 25 */
    /* Composite, even, tiny and prime-below-N moduli take the same path as the driver could. */
    m[k++] = 9223372036854775807ULL;   /* 2^63 - 1, odd composite */
    m[k++] = (uint64_t)1 << 62;
    m[k++] = 1000000;
    m[k++] = 1;
    m[k++] = 2;
    m[k++] = 3;
    m[k++] = 999983;                   /* prime below 1e6: residue 0 for N >= it */
    m[k++] = 1000003;                  /* prime just above 1e6 */

    static const uint64_t ns[] = {0, 1, 2, 3, 10, 53, 2000, 50328, 1000000};
    uint64_t res[sizeof m / sizeof m[0]];
    mpz_t g;
    mpz_init(g);
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        mpz_primorial_ui(g, ns[i]);
        assert_int_equal(pk_primorial_residues(ns[i], m, 8, res, NULL), PK_OK);
        for (size_t j = 0; j < 8; j++) assert_true(mpz_fdiv_ui(g, m[j]) == res[j]);
        assert_int_equal(pk_primorial_residues(ns[i], m + 8, k - 8, res + 8, NULL), PK_OK);
        for (size_t j = 0; j < k; j++) {
            mpz_set_ui(t, m[j]);
            mpz_mod(t, g, t);
            assert_true(mpz_cmp_ui(t, res[j]) == 0);
            assert_true(mpz_fdiv_ui(g, m[j]) == res[j]);
        }
    }
    /* Every n near the sieve's block edges and small n: against GMP. */
    static const uint64_t edge[] = {2 * (1u << 19) - 1, 2 * (1u << 19), 2 * (1u << 19) + 1,
                                    2 * (1u << 19) + 2, 4 * (1u << 19) + 1, 3000017};
    for (uint64_t n = 0; n < 400; n++) {
        mpz_primorial_ui(g, n);
        assert_int_equal(pk_primorial_residues(n, m, 8, res, NULL), PK_OK);
        for (size_t j = 0; j < 8; j++) assert_true(mpz_fdiv_ui(g, m[j]) == res[j]);
    }
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        mpz_primorial_ui(g, edge[i]);
        assert_int_equal(pk_primorial_residues(edge[i], m, 8, res, NULL), PK_OK);
        for (size_t j = 0; j < 8; j++) assert_true(mpz_fdiv_ui(g, m[j]) == res[j]);
    }
    /* Domain. */
    uint64_t bad[2] = {0, (uint64_t)1 << 63};
    assert_int_equal(pk_primorial_residues(100, bad, 1, res, NULL), PK_EINVAL);
    assert_int_equal(pk_primorial_residues(100, bad + 1, 1, res, NULL), PK_EINVAL);
    assert_int_equal(pk_primorial_residues(100, m, 9, res, NULL), PK_EINVAL);   /* k <= 8 */
    assert_int_equal(pk_primorial_residues(100, m, 0, res, NULL), PK_OK);
    mpz_clears(g, t, NULL);
}

/* The check as the driver makes it (residues of the answer against the reference's) rejects
 * wrong answers: one prime missing, one too many, off by one, N# of a neighbouring N. */
static int check(uint64_t n, mpz_srcptr z)
{
    static const uint64_t m[] = {9223372036854775783ull, 4611686018427387847ull,
                                 2305843009213693951ull, 1000000000000000003ull};
    uint64_t res[4];
    if (pk_primorial_residues(n, m, 4, res, NULL) != PK_OK) return 0;
    for (size_t j = 0; j < 4; j++)
        if (mpz_fdiv_ui(z, m[j]) != res[j]) return 0;
    return 1;
}

static void test_check_rejects_wrong_answers(void **state)
{
    (void)state;
    mpz_t g, w;
    mpz_inits(g, w, NULL);
    static const uint64_t ns[] = {2, 3, 10, 7919, 100000, 1000003};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint64_t n = ns[i];
        mpz_primorial_ui(g, n);
        assert_true(check(n, g));
        mpz_divexact_ui(w, g, 2);          /* the prime 2 lost */
        assert_false(check(n, w));
        mpz_mul_ui(w, g, 3);               /* a prime twice */
        assert_false(check(n, w));
        mpz_add_ui(w, g, 1);
        assert_false(check(n, w));
        mpz_primorial_ui(w, n - 1);        /* N-1's primorial: differs when N is prime */
        if (mpz_cmp(w, g) != 0) assert_false(check(n, w));
        if (n >= 7919) {
            mpz_divexact_ui(w, g, 7919);   /* what parkit_fault_primorial computes */
            assert_false(check(n, w));
        }
    }
    mpz_clears(g, w, NULL);
}

/* ---- size estimate ----------------------------------------------------------------------- */

static void test_bits_estimate(void **state)
{
    (void)state;
    static const uint64_t ns[] = {0, 1, 2, 3, 5, 10, 100, 1000, 2000, 50328, 100000, 1000000, 3000000};
    mpz_t g;
    mpz_init(g);
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        mpz_primorial_ui(g, ns[i]);
        double bits = (double)mpz_sizeinbase(g, 2), est = pk_primorial_bits_estimate(ns[i]);
        assert_true(est >= bits);
        assert_true(est <= 1.01 * bits + 128);   /* slight, not wild */
    }
    mpz_clear(g);
    assert_true(pk_primorial_bits_estimate(UINT64_MAX) > 2.6e19);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_small),
        cmocka_unit_test(test_every_n_to_2000),
        cmocka_unit_test(test_large_vs_gmp),
        cmocka_unit_test(test_random_splits_and_orders),
        cmocka_unit_test(test_run_accumulates),
        cmocka_unit_test(test_algorithms_agree),
        cmocka_unit_test(test_domain),
        cmocka_unit_test(test_pack_roundtrip),
        cmocka_unit_test(test_residues),
        cmocka_unit_test(test_check_rejects_wrong_answers),
        cmocka_unit_test(test_bits_estimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
