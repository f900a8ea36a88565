/* Unit tests for the sieve far from zero (kernels/sieve.c through the primes kernel): windows
 * near 2^32, 10^k, 2^63 and the last window below 2^64, random windows (fixed seed), and
 * windows whose ends sit on the sieve's segment boundaries, each counted
 *   - by Miller-Rabin on every number (narrow windows), and
 *   - by a plain byte-per-integer sieve of the window with the context's sieving primes
 *     (wide windows: many segments, so the bucketed large primes travel from list to list);
 * and the same window cut into 1..4 pieces (as 1..4 threads would) and at segment
 * boundaries must give the same count.  The references are checked against each other and
 * against published values, and fed a wrong count to watch the comparison fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "isprime.h"
#include "primes.h"
#include "sieve.h"
#include "testutil.h"

static const pk_kernel *K = &pk_primes_kernel;
static pk_primes_ctx CTX;   /* sieving primes up to 2^32: every window below 2^64 */

static int group_setup(void **state)
{
    (void)state;
    return pk_primes_setup(&CTX, PK_PRIMES_SIEVE, UINT64_MAX, 0) == PK_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    pk_primes_free(&CTX);
    return 0;
}

/* The primes in the integers [a, b] in `pieces` equal run() calls, merged in order. */
static uint64_t sieve_count(uint64_t a, uint64_t b, unsigned pieces)
{
    uint64_t lo, hi;
    pk_primes_index_range(a, b, &lo, &hi);
    pk_primes_partial acc, p;
    K->identity(&CTX, &acc);
    uint64_t len = hi - lo;
    for (unsigned k = 0; k < pieces; k++) {
        uint64_t x = lo + len / pieces * k, y = k + 1 == pieces ? hi : lo + len / pieces * (k + 1);
        K->identity(&CTX, &p);
        assert_int_equal(K->run(&CTX, x, y, &p), PK_OK);
        assert_int_equal(K->merge(&CTX, &acc, &p), PK_OK);
    }
    return acc.count;
}

/* Reference 1: Miller-Rabin on every number of [a, b]. */
static uint64_t mr_count(uint64_t a, uint64_t b)
{
    uint64_t c = 0;
    for (uint64_t x = a;; x++) {
        c += pk_is_prime_u64(x) != 0;
        if (x == b) break;
    }
    return c;
}

/* Reference 2: one byte per integer of [a, b], crossed off by every prime p <= sqrt(b) of the
 * context's list from max(p^2, first multiple >= a) on (none of the wheel or bucket code). */
static uint64_t plain_count(uint64_t a, uint64_t b)
{
    const uint64_t n = b - a + 1;
    uint8_t *c = calloc(n, 1);
    assert_non_null(c);
    for (size_t k = 0; k < CTX.nsmall; k++) {
        const uint64_t p = CTX.small[k];
        if (p * p > b) break;
        uint64_t first;   /* offset of the first multiple >= max(a, p^2) */
        if (p * p >= a) first = p * p - a;
        else first = (p - a % p) % p;
        for (uint64_t i = first; i < n; i += p) c[i] = 1;
    }
    uint64_t cnt = 0;
    for (uint64_t i = 0; i < n; i++) cnt += !c[i] && a + i >= 2;
    free(c);
    return cnt;
}

/* Whether the sieve in 1..maxp pieces gives `want` (each piece activates every sieving prime
 * up to sqrt(b): 2e8 of them near 2^64, so the piece counts stay small there). */
static int window_ok(uint64_t a, uint64_t b, uint64_t want, unsigned maxp)
{
    for (unsigned pieces = 1; pieces <= maxp; pieces++) {
        uint64_t got = sieve_count(a, b, pieces);
        if (got != want) {
            print_message("[%llu, %llu] in %u pieces: sieve %llu, reference %llu\n",
                          (unsigned long long)a, (unsigned long long)b, pieces,
                          (unsigned long long)got, (unsigned long long)want);
            return 0;
        }
    }
    return 1;
}

static void check_window_n(uint64_t a, uint64_t b, uint64_t want, unsigned maxp)
{
    assert_true(window_ok(a, b, want, maxp));
}

static void check_window(uint64_t a, uint64_t b, uint64_t want)
{
    check_window_n(a, b, want, b < ((uint64_t)1 << 50) ? 4 : 2);
}

/* The references themselves: the list of sieving primes is complete (pi(2^32)), the two agree,
 * and they know the primes around 2^64 (the largest prime below 2^64 is 2^64 - 59). */
static void test_references(void **state)
{
    (void)state;
    assert_int_equal(CTX.nsmall, 203280221);   /* pi(2^32 - 1) */
    assert_int_equal(CTX.small[CTX.nsmall - 1], 4294967291u);
    assert_int_equal(mr_count(UINT64_MAX - 57, UINT64_MAX), 0);
    assert_int_equal(mr_count(UINT64_MAX - 58, UINT64_MAX - 58), 1);   /* 2^64 - 59 */
    assert_int_equal(plain_count(UINT64_MAX - 200, UINT64_MAX), mr_count(UINT64_MAX - 200, UINT64_MAX));
    const uint64_t t = 1000000000000000000ULL;
    assert_int_equal(plain_count(t - 100000, t + 100000), mr_count(t - 100000, t + 100000));
    /* pi(2^32) - pi(2^32 - 10^6) agree; the sieve gives pi(10^9) of the table */
    uint64_t p0, p1;
    assert_true(pk_primes_known_pi((uint64_t)1 << 32, &p1));
    assert_int_equal(p1 - mr_count(((uint64_t)1 << 32) - 1000000 + 1, (uint64_t)1 << 32),
                     p1 - plain_count(((uint64_t)1 << 32) - 1000000 + 1, (uint64_t)1 << 32));
    assert_true(pk_primes_known_pi(1000000000ULL, &p0));
    assert_int_equal(sieve_count(1, 1000000000ULL, 2), p0);
}

/* The comparison fails on a wrong count (the reference off by one either way). */
static void test_wrong_answer_fails(void **state)
{
    (void)state;
    const uint64_t a = 1000000000000000000ULL, b = a + 1000000, c = plain_count(a, b);
    assert_true(window_ok(a, b, c, 1));
    assert_false(window_ok(a, b, c + 1, 1));
    assert_false(window_ok(a, b, c - 1, 1));
}

/* Narrow windows: 10^k +- 2000 (k = 10..19), 2^32, 2^63, 2^64 - 1, against Miller-Rabin. */
static void test_narrow(void **state)
{
    (void)state;
    uint64_t p10 = 10000000000ULL;
    for (int k = 10; k <= 19; k++, p10 = k <= 19 ? p10 * 10 : p10) {
        check_window(p10 - 2000, p10 + 2000, mr_count(p10 - 2000, p10 + 2000));
        check_window_n(p10 - 1, p10 + 1, mr_count(p10 - 1, p10 + 1), 1);
    }
    const uint64_t t32 = (uint64_t)1 << 32, t63 = (uint64_t)1 << 63;
    check_window(t32 - 3000, t32 + 3000, mr_count(t32 - 3000, t32 + 3000));
    check_window(t63 - 3000, t63 + 3000, mr_count(t63 - 3000, t63 + 3000));
    check_window(UINT64_MAX - 5000, UINT64_MAX, mr_count(UINT64_MAX - 5000, UINT64_MAX));
    check_window_n(UINT64_MAX, UINT64_MAX, 0, 1);
    check_window_n(UINT64_MAX - 57, UINT64_MAX, 0, 1);
    check_window_n(UINT64_MAX - 58, UINT64_MAX, 1, 1);
}

/* Random narrow windows, log-uniform positions from 10^9 to 2^58, against Miller-Rabin. */
static void test_random_narrow(void **state)
{
    (void)state;
    uint64_t seed = 20261127;
    for (int it = 0; it < 12; it++) {
        unsigned bits = 30 + (unsigned)(rng_next(&seed) % 28);   /* 30..57 (2^63, 2^64 above) */
        uint64_t b = ((uint64_t)1 << bits) | (rng_next(&seed) >> (64 - bits));
        uint64_t a = b - rng_next(&seed) % 20000;
        check_window_n(a, b, mr_count(a, b), 1 + (unsigned)(it % 3));
    }
}

static uint64_t SPAN;   /* integers per segment */

/* Sieve with segments of 2^lg bytes (0: this machine's size, pk_sieve_seg_log). */
static void use_segments(unsigned lg)
{
    CTX.seg_log = lg;
    SPAN = (uint64_t)30 << pk_sieve_ctx_seg_log(&CTX);
}

/* Wide windows (several segments: the bucketed primes hop from list to list) far out. */
static void wide_windows(int all)
{
    const uint64_t t32 = (uint64_t)1 << 32, t63 = (uint64_t)1 << 63;
    const uint64_t L = 3 * (uint64_t)SPAN + 12345;
    static const uint64_t at[] = {1000000000000ULL, 1000000000000000000ULL, 100000000000000ULL,
                                  10000000000000000ULL, 10000000000000000000ULL};
    for (size_t i = 0; i < (all ? sizeof at / sizeof at[0] : 2); i++)
        check_window(at[i] - L, at[i] + L, plain_count(at[i] - L, at[i] + L));
    if (all) {
        check_window(t32 - L, t32 + L, plain_count(t32 - L, t32 + L));
        check_window(t63 - L, t63 + L, plain_count(t63 - L, t63 + L));
    }
    check_window(UINT64_MAX - 2 * L, UINT64_MAX, plain_count(UINT64_MAX - 2 * L, UINT64_MAX));
}

/* Windows ending on segment boundaries (relative to their start), cut there. */
static void boundary_windows(void)
{
    static const int64_t d[] = {-30, -1, 0, 1, 30};
    const uint64_t a = 1000000000000000000ULL + 17;   /* segments start at 30 * floor(a / 30) */
    const uint64_t base = a / 30 * 30;
    const uint64_t whole = plain_count(a, base + 2 * (uint64_t)SPAN + 100);
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        uint64_t b = base + 2 * (uint64_t)SPAN + (uint64_t)d[i];
        uint64_t want = plain_count(a, b);
        check_window_n(a, b, want, 1);
        /* a and b split at the boundary: [a, b] + [b + 1, end] is the whole */
        uint64_t rest = sieve_count(b + 1, base + 2 * (uint64_t)SPAN + 100, 1);
        assert_int_equal(want + rest, whole);
    }
}

/* 32 KiB segments (the smallest): many segments per window, and primes from 64 Ki on in the
 * buckets; random wide windows too. */
static void test_wide_small_segments(void **state)
{
    (void)state;
    use_segments(15);
    wide_windows(1);
    boundary_windows();
    uint64_t seed = 77;
    for (int it = 0; it < 4; it++) {
        unsigned bits = 40 + (unsigned)(rng_next(&seed) % 18);   /* 40..57 */
        uint64_t a = ((uint64_t)1 << bits) | (rng_next(&seed) >> (64 - bits));
        uint64_t b = a + rng_next(&seed) % (4 * (uint64_t)SPAN);
        check_window(a, b, plain_count(a, b));
    }
    use_segments(0);
}

/* The segments this machine uses (its L2 cache's size, up to 1 MiB). */
static void test_wide_machine_segments(void **state)
{
    (void)state;
    use_segments(0);
    wide_windows(0);
    boundary_windows();
}

/* The automatic segment follows sqrt(b) (kernels/sieve.c): the smallest 2^k >= 2 sqrt(b),
 * within [2^15, this machine's size] -- with PK_PRIMES_SEG_ROOT at its default 2.0. */
static unsigned seg_of(uint64_t a, uint64_t b)
{
    pk_sieve st;
    assert_int_equal(pk_sieve_init(&st, &CTX, a, b), PK_OK);
    unsigned lg = st.seg_log;
    /* a range of two chunks and more is pre-sieved from the shared patterns */
    assert_int_equal(st.ps != NULL, (b / 30 - a / 30 + 1) >= 2 * (uint64_t)PK_PRIMES_CHUNK);
    pk_sieve_free(&st);
    return lg;
}

static void test_adaptive_segments(void **state)
{
    (void)state;
    use_segments(0);
    const unsigned top = pk_sieve_seg_log();
    const unsigned lo = SEG_LOG_MIN;
#define CAP(k) ((k) < lo ? lo : (k) > top ? top : (k))
    assert_int_equal(seg_of(1, 1000000), lo);                       /* 2 sqrt = 2000 */
    assert_int_equal(seg_of(1, 4000000000ULL), CAP(17));            /* 126490 */
    assert_int_equal(seg_of(1, 10000000000ULL), CAP(18));           /* 200000 */
    assert_int_equal(seg_of(1000000000000ULL, 1010000000000ULL), top);
    /* each switch: b = (r + 1)^2 with r = 2^(k-1) moves from 2^k to 2^(k+1); windows of 3
     * segments on either side, in 1..4 pieces that get different sizes */
    for (unsigned k = lo; k < top; k++) {
        const uint64_t r = (uint64_t)1 << (k - 1), b0 = (r + 1) * (r + 1);
        assert_int_equal(seg_of(b0 - 1000000, b0 - 1), k);
        assert_int_equal(seg_of(b0 - 1000000, b0), k + 1);
        const uint64_t L = 3 * ((uint64_t)30 << k);
        check_window(b0 - L, b0 + 2 * L, plain_count(b0 - L, b0 + 2 * L));
    }
    /* a size set by the context is kept */
    use_segments(16);
    assert_int_equal(seg_of(1, 1000000), 16);
    assert_int_equal(seg_of(1000000000000ULL, 1010000000000ULL), 16);
    use_segments(0);
#undef CAP
}

/* A segment size out of range is refused, not used. */
static void test_bad_segment_size(void **state)
{
    (void)state;
    pk_primes_partial p;
    K->identity(&CTX, &p);
    CTX.seg_log = 14;
    assert_int_equal(K->run(&CTX, 1000, 2000, &p), PK_EINVAL);
    CTX.seg_log = 21;
    assert_int_equal(K->run(&CTX, 1000, 2000, &p), PK_EINVAL);
    CTX.seg_log = 200;   /* no shift by 200 anywhere on the way (UBSan would say) */
    assert_true(K->grain(&CTX) > 0);
    assert_int_equal(K->run(&CTX, 1000, 2000, &p), PK_EINVAL);
    use_segments(0);
}

int main(void)
{
    use_segments(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_wrong_answer_fails),
        cmocka_unit_test(test_narrow),
        cmocka_unit_test(test_random_narrow),
        cmocka_unit_test(test_wide_small_segments),
        cmocka_unit_test(test_wide_machine_segments),
        cmocka_unit_test(test_adaptive_segments),
        cmocka_unit_test(test_bad_segment_size),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
