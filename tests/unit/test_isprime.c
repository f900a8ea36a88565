/* Unit tests for kernels/isprime.c: every n <= 10^5 against brute force, Carmichael numbers,
 * strong pseudoprimes (to base 2 and to many bases), primes and composites near 2^32 and 2^64,
 * squares and products of large primes, and the kernel over a list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "isprime.h"
#include "testutil.h"

static const pk_kernel *K = &pk_isprime_kernel;

static void test_small(void **state)
{
    (void)state;
    assert_int_equal(pk_is_prime_u64(0), 0);
    assert_int_equal(pk_is_prime_u64(1), 0);
    assert_int_equal(pk_is_prime_u64(2), 1);
    assert_int_equal(pk_is_prime_u64(3), 1);
    assert_int_equal(pk_is_prime_u64(4), 0);
    for (uint64_t n = 0; n <= 100000; n++) assert_int_equal(pk_is_prime_u64(n), brute_is_prime(n));
    /* around the trial-division limits (67^2 = 4489) and random numbers below 2^40 */
    for (uint64_t n = 4400; n < 4600; n++) assert_int_equal(pk_is_prime_u64(n), brute_is_prime(n));
    uint64_t seed = 1;
    for (int i = 0; i < 3000; i++) {
        uint64_t n = rng_next(&seed) >> 24;
        assert_int_equal(pk_is_prime_u64(n), brute_is_prime(n));
    }
}

static void test_carmichael(void **state)
{
    (void)state;
    static const uint64_t c[] = {561, 1105, 1729, 2465, 2821, 6601, 8911, 10585, 15841, 29341,
                                 41041, 46657, 52633, 62745, 63973, 75361};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) assert_int_equal(pk_is_prime_u64(c[i]), 0);
    /* Chernick's (6k+1)(12k+1)(18k+1) is a Carmichael number whenever all three are prime */
    int found = 0;
    for (uint64_t k = 1; k <= 200000; k++) {
        uint64_t p = 6 * k + 1, q = 12 * k + 1, r = 18 * k + 1;
        if (!brute_is_prime(p) || !brute_is_prime(q) || !brute_is_prime(r)) continue;
        uint64_t n = p * q * r;   /* < 2^64 for k <= 200000 */
        assert_int_equal(pk_is_prime_u64(n), 0);
        assert_int_equal(pk_is_prime_u64(p), 1);
        found++;
    }
    assert_true(found > 100);
}

static void test_pseudoprimes(void **state)
{
    (void)state;
    /* strong pseudoprimes to base 2 */
    static const uint64_t s2[] = {2047, 3277, 4033, 4681, 8321, 15841, 29341, 42799, 49141, 52633,
                                  65281, 74665, 80581, 85489, 88357, 90751};
    for (size_t i = 0; i < sizeof s2 / sizeof s2[0]; i++) assert_int_equal(pk_is_prime_u64(s2[i]), 0);
    /* strong pseudoprimes to many bases at once */
    assert_int_equal(pk_is_prime_u64(3215031751ULL), 0);            /* 2, 3, 5, 7 */
    assert_int_equal(pk_is_prime_u64(2152302898747ULL), 0);         /* 2 .. 11 */
    assert_int_equal(pk_is_prime_u64(3474749660383ULL), 0);         /* 2 .. 13 */
    assert_int_equal(pk_is_prime_u64(341550071728321ULL), 0);       /* 2 .. 17 */
    assert_int_equal(pk_is_prime_u64(3825123056546413051ULL), 0);   /* every prime base <= 31 */
    assert_true(3825123056546413051ULL == 149491ULL * 747451ULL * 34233211ULL);
    /* (318665857834031151167461, the one for all prime bases <= 37, exceeds 2^64) */
}

static void test_large(void **state)
{
    (void)state;
    assert_int_equal(pk_is_prime_u64(2147483647ULL), 1);            /* 2^31 - 1 */
    assert_int_equal(pk_is_prime_u64(2305843009213693951ULL), 1);   /* 2^61 - 1 */
    assert_int_equal(pk_is_prime_u64(4294967291ULL), 1);            /* largest prime < 2^32 */
    assert_int_equal(pk_is_prime_u64(4294967279ULL), 1);
    assert_int_equal(pk_is_prime_u64(4294967311ULL), 1);            /* smallest prime > 2^32 */
    assert_int_equal(pk_is_prime_u64(4294967296ULL), 0);
    assert_int_equal(pk_is_prime_u64(4294967297ULL), 0);            /* F5 = 641 * 6700417 */
    assert_int_equal(pk_is_prime_u64(18446744030759878681ULL), 0);  /* 4294967291^2 */
    assert_int_equal(pk_is_prime_u64(18446743979220271189ULL), 0);  /* 4294967291 * 4294967279 */
    assert_int_equal(pk_is_prime_u64(UINT64_MAX), 0);               /* 2^64 - 1 */
    assert_int_equal(pk_is_prime_u64(18446744073709551557ULL), 1);  /* largest prime < 2^64 */
    /* the primes in [2^64 - 216, 2^64 - 1] */
    static const uint64_t top[] = {18446744073709551427ULL, 18446744073709551437ULL,
                                   18446744073709551521ULL, 18446744073709551533ULL,
                                   18446744073709551557ULL};
    size_t k = 0;
    for (uint64_t n = 18446744073709551400ULL;; n++) {
        int want = k < 5 && n == top[k];
        assert_int_equal(pk_is_prime_u64(n), want);
        k += (size_t)want;
        if (n == UINT64_MAX) break;
    }
    assert_int_equal(k, 5);
    /* squares and products of random primes of 20..32 bits are composite, and the factors prime */
    uint64_t seed = 77;
    for (int pairs = 0; pairs < 300; pairs++) {
        uint64_t p = (rng_next(&seed) >> (32 + rng_next(&seed) % 12)) | 1, q = (rng_next(&seed) >> 33) | 1;
        while (!brute_is_prime(p)) p += 2;
        while (!brute_is_prime(q)) q += 2;
        assert_int_equal(pk_is_prime_u64(p), 1);
        assert_int_equal(pk_is_prime_u64(q), 1);
        assert_int_equal(pk_is_prime_u64(p * q), 0);
        assert_int_equal(pk_is_prime_u64(q * q), 0);
    }
}

/* The kernel over a list: verdicts, count, pieces and merge. */
static void test_kernel(void **state)
{
    (void)state;
    const size_t n = 20000;
    uint64_t *nums = malloc(n * sizeof *nums);
    uint8_t *verdict = malloc(n);
    assert_non_null(nums);
    assert_non_null(verdict);
    uint64_t seed = 3, want = 0;
    for (size_t i = 0; i < n; i++) {
        nums[i] = i % 3 == 0 ? i : i % 3 == 1 ? UINT64_MAX - i : rng_next(&seed) | 1;
        want += (uint64_t)pk_is_prime_u64(nums[i]);
    }
    pk_isprime_ctx ctx = {nums, verdict};
    assert_string_equal(K->name, "isprime");
    assert_int_equal(K->partial_size, sizeof(uint64_t));
    assert_true(K->grain(&ctx) > 0);
    uint64_t acc, p;
    K->identity(&ctx, &acc);
    assert_int_equal(acc, 0);
    for (size_t lo = 0; lo < n; lo += 777) {
        size_t hi = lo + 777 < n ? lo + 777 : n;
        K->identity(&ctx, &p);
        assert_int_equal(K->run(&ctx, lo, hi, &p), PK_OK);
        assert_int_equal(K->merge(&ctx, &acc, &p), PK_OK);
    }
    assert_int_equal(acc, want);
    for (size_t i = 0; i < n; i++) assert_int_equal(verdict[i], pk_is_prime_u64(nums[i]));
    /* concurrent pieces, no verdict array */
    pk_isprime_ctx c2 = {nums, NULL};
    uint64_t total = 0;
#pragma omp parallel for schedule(dynamic) reduction(+ : total)
    for (int64_t i = 0; i < (int64_t)n; i += 1000) {
        uint64_t q = 0;
        K->run(&c2, (uint64_t)i, (uint64_t)i + 1000 < n ? (uint64_t)i + 1000 : n, &q);
        total += q;
    }
    assert_int_equal(total, want);
    p = 0;
    assert_int_equal(K->run(&ctx, 5, 5, &p), PK_OK);
    assert_int_equal(p, 0);
    free(nums);
    free(verdict);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_carmichael),
        cmocka_unit_test(test_pseudoprimes),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
