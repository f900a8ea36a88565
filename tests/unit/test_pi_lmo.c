/* Unit tests for kernels/pi_lmo.c: pi(x) against a plain sieve for every small x, against the
 * Lucy count of kernels/ref (independent code) at the method's internal cut-offs (cubes,
 * squares of primes, 2^32, 10^k +- 1) and at seeded random x, under many tunings (y, segment,
 * blocks: different splits of the work; the sieve's wheel and the leaf kinds under small
 * segments and many blocks); the kernel contract (pieces merged in index order in
 * any tree give the same answer); known values from primecount 7.6; bad tuning refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pi_lmo.h"
#include "primecount.h"
#include "testutil.h"

static uint64_t lucy(uint64_t x)
{
    uint64_t c = 0;
    assert_int_equal(pk_prime_count_combinatorial(x, &c, NULL), PK_OK);
    return c;
}

static uint64_t lmo(uint64_t x, double alpha, unsigned seg, unsigned blocks)
{
    pk_lmo_tuning t = {.alpha = alpha, .seg_log2 = seg, .blocks = blocks};
    uint64_t pi = 0;
    assert_int_equal(pk_lmo_pi(x, &t, &pi), PK_OK);
    return pi;
}

static void check(uint64_t x)
{
    uint64_t want = lucy(x), got = lmo(x, 0, 0, 0);
    if (got != want)
        fail_msg("pi(%llu): lmo %llu, Lucy %llu", (unsigned long long)x, (unsigned long long)got,
                 (unsigned long long)want);
}

/* every x < 20000 against a running count of brute-force primes */
static void test_small_all(void **state)
{
    (void)state;
    uint64_t pi = 0;
    for (uint64_t x = 0; x < 20000; x++) {
        if (brute_is_prime(x))
            pi++;
        uint64_t got = lmo(x, 0, 0, 0);
        if (got != pi)
            fail_msg("pi(%llu): lmo %llu, want %llu", (unsigned long long)x, (unsigned long long)got,
                     (unsigned long long)pi);
    }
    /* and with a small segment and many blocks, where blocks hold one segment or none */
    pi = 0;
    for (uint64_t x = 0; x < 5000; x++) {
        if (brute_is_prime(x))
            pi++;
        assert_int_equal(lmo(x, 3, 9, 5), pi);
    }
}

/* where y, z = x / y, sqrt x, cbrt x are integers or change: cubes, squares of primes, +-1 */
static void test_cutoffs(void **state)
{
    (void)state;
    for (uint64_t k = 5; k < 3000; k += (k < 100 ? 1 : 211)) {
        uint64_t c = k * k * k;
        for (uint64_t d = 0; d < 3; d++)
            check(c - 1 + d);
    }
    static const uint64_t ps[] = {11, 13, 101, 1009, 10007, 65521, 65537, 100003, 999983};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        uint64_t s = ps[i] * ps[i];
        for (uint64_t d = 0; d < 3; d++)
            check(s - 1 + d);
    }
    /* x = y^3 exactly for the y the default tuning picks is covered by the cubes; also
     * alpha making y land on cbrt + 1 and on sqrt x */
    for (uint64_t x = 1000; x < 2000000; x = x * 3 + 1) {
        uint64_t want = lucy(x);
        assert_int_equal(lmo(x, 1, 0, 0), want);
        assert_int_equal(lmo(x, 1e6, 0, 0), want);
    }
}

static void test_powers(void **state)
{
    (void)state;
    uint64_t p10 = 10;
    for (int k = 1; k <= 11; k++, p10 *= 10)
        for (uint64_t d = 0; d < 3; d++)
            check(p10 - 1 + d);
    check(p10 + 1);   /* 10^12 + 1 (10^12 itself: test_known) */
    for (uint64_t x = (1ull << 32) - 3; x <= (1ull << 32) + 3; x++)
        check(x);
    for (int k = 7; k <= 40; k += 3)
        check(1ull << k);
}

static void test_random(void **state)
{
    (void)state;
    uint64_t s = 14;
    for (int i = 0; i < 170; i++) {
        uint64_t x = 100 + rng_next(&s) % (i < 150 ? 100000000ull : 100000000000ull);
        check(x);
    }
}

/* different tunings split the work differently and must all agree */
static void test_tunings(void **state)
{
    (void)state;
    static const uint64_t xs[] = {123456789ull, 1000000007ull, 9876543212ull};
    static const double alphas[] = {0.5, 1, 1.7, 3, 6, 12, 50};
    static const unsigned segs[] = {9, 12, 16, 20};
    static const unsigned blocks[] = {1, 2, 7, 64, 300};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        uint64_t want = lucy(xs[i]);
        for (size_t a = 0; a < sizeof alphas / sizeof alphas[0]; a++)
            assert_int_equal(lmo(xs[i], alphas[a], 0, 0), want);
        for (size_t g = 0; g < sizeof segs / sizeof segs[0]; g++)
            assert_int_equal(lmo(xs[i], 0, segs[g], 0), want);
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
            assert_int_equal(lmo(xs[i], 0, 0, blocks[b]), want);
    }
}

/* The pi table past y (pitab) decides which leaves are easy (read from it) and which are counted
 * on the sieve, and from which level on the counts are dropped (p^4 >= x, x / p^2 <= T): x near
 * p^4 for primes p, random x, each with no table, a table just past y, a third of sqrt x and
 * the default (sqrt x) against the Lucy count. */
static void test_pitab(void **state)
{
    (void)state;
    uint64_t xs[64];
    size_t n = 0;
    static const uint64_t ps[] = {101, 211, 307, 401, 503};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        uint64_t q = ps[i] * ps[i] * ps[i] * ps[i];
        xs[n++] = q - 1;
        xs[n++] = q;
        xs[n++] = q + 1;
    }
    uint64_t s = 44;
    while (n < sizeof xs / sizeof xs[0])
        xs[n++] = 1000000 + rng_next(&s) % 60000000000ull;
    for (size_t i = 0; i < n; i++) {
        const uint64_t x = xs[i], want = lucy(x);
        pk_lmo_ctx c;
        assert_int_equal(pk_lmo_setup(&c, x, NULL), PK_OK);
        const uint64_t y = c.y, sq = c.sqrtx;
        pk_lmo_free(&c);
        const uint64_t caps[] = {1, y + 1, y + 200, sq / 3, 0};
        for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
            pk_lmo_tuning t = {.pitab_max = caps[k], .seg_log2 = i % 2 ? 12 : 0, .blocks = i % 3 ? 0 : 9};
            uint64_t pi = 0;
            assert_int_equal(pk_lmo_pi(x, &t, &pi), PK_OK);
            if (pi != want)
                fail_msg("pi(%llu) with the pi table to %llu: lmo %llu, Lucy %llu", (unsigned long long)x,
                         (unsigned long long)caps[k], (unsigned long long)pi, (unsigned long long)want);
        }
    }
}

/* The wheel restarts at every block and carries its index across segments, and the leaf kinds
 * (trivial in closed form, sparse easy, clustered easy, hard) trade places as y moves: random x
 * under small segments, odd block counts and a range of alpha. */
static void test_wheel_leaf_kinds(void **state)
{
    (void)state;
    uint64_t s = 30;
    static const double alphas[] = {1, 2.5, 4, 7, 9.5};
    static const unsigned segs[] = {9, 11, 16};   /* 2^16: whole wheel turns of p up to 4369 */
    static const unsigned blocks[] = {13, 97};
    for (int i = 0; i < 4; i++) {
        uint64_t x = 1000000 + rng_next(&s) % (i < 2 ? 100000000ull : 10000000000ull);
        uint64_t want = lucy(x);
        for (size_t a = 0; a < sizeof alphas / sizeof alphas[0]; a++)
            for (size_t g = 0; g < sizeof segs / sizeof segs[0]; g++)
                for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
                    uint64_t got = lmo(x, alphas[a], segs[g], blocks[b]);
                    if (got != want)
                        fail_msg("pi(%llu) alpha %g seg 2^%u blocks %u: lmo %llu, Lucy %llu",
                                 (unsigned long long)x, alphas[a], segs[g], blocks[b],
                                 (unsigned long long)got, (unsigned long long)want);
                }
    }
}

/* The contract as the backends use it: one partial per piece, each from the identity, merged
 * in index order by any tree; and run() accumulating into a partial that holds a value. */
static void test_contract(void **state)
{
    (void)state;
    const uint64_t x = 31415926535ull;
    const uint64_t want = lucy(x);
    pk_lmo_ctx c;
    pk_lmo_tuning t = {.seg_log2 = 12, .blocks = 40};
    assert_int_equal(pk_lmo_setup(&c, x, &t), PK_OK);
    const pk_kernel *k = &c.kernel;
    assert_int_equal(c.nblocks, 40);
    assert_true(k->grain(&c) >= 1);
    size_t ps = k->partial_size;
    unsigned char *parts = malloc(ps * c.nblocks), *acc = malloc(ps);
    assert_non_null(parts);
    assert_non_null(acc);
    for (uint64_t i = 0; i < c.nblocks; i++) {
        k->identity(&c, parts + i * ps);
        assert_int_equal(k->run(&c, i, i + 1, parts + i * ps), PK_OK);
    }
    /* left to right */
    k->identity(&c, acc);
    for (uint64_t i = 0; i < c.nblocks; i++)
        assert_int_equal(k->merge(&c, acc, parts + i * ps), PK_OK);
    assert_int_equal(pk_lmo_result(&c, acc), want);
    /* a pairwise tree (as the exec layer merges) */
    for (size_t s = 1; s < c.nblocks; s *= 2)
        for (size_t i = 0; i + s < c.nblocks; i += 2 * s)
            assert_int_equal(k->merge(&c, parts + i * ps, parts + (i + s) * ps), PK_OK);
    assert_int_equal(pk_lmo_result(&c, parts), want);
    /* run() over uneven index ranges into one partial that already holds the first ones */
    k->identity(&c, acc);
    assert_int_equal(k->run(&c, 0, 3, acc), PK_OK);
    assert_int_equal(k->run(&c, 3, 17, acc), PK_OK);
    assert_int_equal(k->run(&c, 17, 17, acc), PK_OK);
    assert_int_equal(k->run(&c, 17, c.nblocks, acc), PK_OK);
    assert_int_equal(pk_lmo_result(&c, acc), want);
    /* cost: positive, additive, dearer at the start of the interval per index */
    double all = k->cost(&c, 0, c.nblocks);
    assert_true(all > 0);
    double sum = k->cost(&c, 0, 10) + k->cost(&c, 10, c.nblocks);
    assert_true(sum > all * 0.999999 && sum < all * 1.000001);
    free(parts);
    free(acc);
    pk_lmo_free(&c);
}

/* the workers hint: 8 blocks per worker once that passes the default 128, at most one
 * segment per block (pi(1e14) has 187 segments); the answer stays the published one */
static void test_workers(void **state)
{
    (void)state;
    const uint64_t x = 100000000000000ull, want = 3204941750802ull;   /* 1e14 (primecount) */
    static const unsigned workers[] = {0, 2, 16, 17, 20, 1000000};
    for (size_t i = 0; i < sizeof workers / sizeof workers[0]; i++) {
        pk_lmo_ctx c;
        pk_lmo_tuning tu = {.workers = workers[i]};
        assert_int_equal(pk_lmo_setup(&c, x, &tu), PK_OK);
        uint64_t nseg = c.z / ((uint64_t)2 << c.seg_log2) + 1, w8 = (uint64_t)workers[i] * 8;
        uint64_t expect = w8 > 128 ? (w8 < nseg ? w8 : nseg) : 128;
        assert_int_equal(nseg, 187);
        assert_int_equal(c.nblocks, expect);
        pk_lmo_free(&c);
        uint64_t pi = 0;
        assert_int_equal(pk_lmo_pi(x, &tu, &pi), PK_OK);
        assert_int_equal(pi, want);
    }
}

/* published values, each computed by primecount 7.6 (an independent program) */
static void test_known(void **state)
{
    (void)state;
    static const struct { uint64_t x, pi; } t[] = {
        {1000000000000ull, 37607912018ull},
        {10000000000000ull, 346065536839ull},
        {1ull << 40, 41203088796ull},
        {1ull << 44, 597116381732ull},
        {100000000000000ull, 3204941750802ull},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(lmo(t[i].x, 0, 0, 0), t[i].pi);
}

/* the leaves' division by a multiply with 1 / d, against the hardware division, where the
 * estimate lands on either side of an integer: exact multiples, one below, d - 1 above, the
 * largest n, the largest divisors and quotients up to the documented 2^50 */
static uint64_t div_inv(uint64_t n, uint64_t d)
{
    return pk_div_by_inv(n, (double)n, d, 1.0 / (double)d);
}

static void test_div_by_inv(void **state)
{
    (void)state;
    uint64_t s = 99;
    for (int i = 0; i < 2000000; i++) {
        uint64_t d = 2 + rng_next(&s) % ((1ull << 32) - 2);
        uint64_t qmax = UINT64_MAX / d;
        if (qmax >= (1ull << 50))
            qmax = (1ull << 50) - 1;
        uint64_t q = rng_next(&s) % (qmax + 1);
        uint64_t base = q * d;
        const uint64_t ns[4] = {base, base - (base > 0), base + d - 1 < base ? base : base + d - 1,
                                rng_next(&s) % (qmax * d + 1)};
        for (int k = 0; k < 4; k++)
            if (ns[k] / d < (1ull << 50))
                assert_int_equal(div_inv(ns[k], d), ns[k] / d);
    }
    static const uint64_t ds[] = {4294967291ull, 4294967295ull, 2147483647ull, 16411, 3, 2};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        uint64_t d = ds[i];
        uint64_t top = UINT64_MAX / d < (1ull << 50) ? UINT64_MAX : ((1ull << 50) - 1) * d;
        for (uint64_t n = top; n > top - 3 * d && n > 0; n -= d > 7 ? d / 7 : 1)
            assert_int_equal(div_inv(n, d), n / d);
        assert_int_equal(div_inv(top / d * d, d), top / d);
        assert_int_equal(div_inv(top / d * d - 1, d), top / d - 1);
    }
}

static void test_domain(void **state)
{
    (void)state;
    pk_lmo_ctx c;
    pk_lmo_tuning t = {.seg_log2 = 8};
    assert_int_equal(pk_lmo_setup(&c, 1000000, &t), PK_EINVAL);
    t.seg_log2 = 27;
    assert_int_equal(pk_lmo_setup(&c, 1000000, &t), PK_EINVAL);
    /* the largest x: setup only (the run is a benchmark, not a unit test) */
    assert_int_equal(pk_lmo_setup(&c, UINT64_MAX, NULL), PK_OK);
    assert_true(c.y > 2642245);   /* y > cbrt(2^64) */
    assert_true((pk_u128)c.y * c.y * c.y > UINT64_MAX);
    assert_true(c.nblocks >= 1);
    pk_lmo_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_all),
        cmocka_unit_test(test_div_by_inv),
        cmocka_unit_test(test_cutoffs),
        cmocka_unit_test(test_powers),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_tunings),
        cmocka_unit_test(test_wheel_leaf_kinds),
        cmocka_unit_test(test_pitab),
        cmocka_unit_test(test_contract),
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_workers),
        cmocka_unit_test(test_domain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
