/* Unit tests for kernels/primes.c: pi(N) for small N against brute force, pi(10^k) against the
 * table, the three algorithms against each other, unaligned ranges against an independent
 * plain sieve (across chunk, segment and bucket boundaries), pieces merging into the same
 * count and sum, ranges near 2^32 and 2^64, pk_primes_foreach, cost() and grain(); the
 * sieving primes found on several threads equal the serial ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "isprime.h"
#include "par_omp.h"
#include "primes.h"
#include "testutil.h"

__extension__ typedef unsigned __int128 u128;

static const pk_kernel *K = &pk_primes_kernel;

/* Reference: count and sum of the primes in [a, b] by a plain byte-per-integer sieve
 * (base primes by a plain sieve up to sqrt(b)); b - a stays below a few 10^7. */
static void ref_range(uint64_t a, uint64_t b, uint64_t *count, u128 *sum)
{
    *count = 0;
    *sum = 0;
    if (a > b) return;
    uint64_t r = 1;
    while ((u128)(r + 1) * (r + 1) <= b) r++;
    uint8_t *bc = calloc(r + 1, 1), *c = calloc(b - a + 1, 1);
    assert_non_null(bc);
    assert_non_null(c);
    for (uint64_t p = 2; p <= r; p++) {
        if (bc[p]) continue;
        for (uint64_t m = p * p; m <= r; m += p) bc[m] = 1;
        uint64_t m = p * p;
        if (m < a) m = a + (p - a % p) % p;
        for (; m <= b; m += p) c[m - a] = 1;
    }
    for (uint64_t x = a;; x++) {
        if (x >= 2 && !c[x - a]) {
            (*count)++;
            *sum += x;
        }
        if (x == b) break;
    }
    free(bc);
    free(c);
}

static void setup(pk_primes_ctx *ctx, pk_primes_algo algo, uint64_t n_max, int want_sum)
{
    assert_int_equal(pk_primes_setup(ctx, algo, n_max, want_sum), PK_OK);
}

/* The primes in the integers [a, b] with one run() call. */
static pk_primes_partial run_ab(const pk_primes_ctx *ctx, uint64_t a, uint64_t b)
{
    uint64_t lo, hi;
    pk_primes_index_range(a, b, &lo, &hi);
    pk_primes_partial p;
    K->identity(ctx, &p);
    assert_int_equal(K->run(ctx, lo, hi, &p), PK_OK);
    return p;
}

/* The same, cut into pieces of grain() (as the backends do). */
static pk_primes_partial run_pieces(const pk_primes_ctx *ctx, uint64_t a, uint64_t b)
{
    uint64_t lo, hi, g = K->grain(ctx);
    pk_primes_index_range(a, b, &lo, &hi);
    pk_primes_partial acc, p;
    K->identity(ctx, &acc);
    for (uint64_t x = lo; x < hi; x = hi - x > g ? x + g : hi) {
        K->identity(ctx, &p);
        assert_int_equal(K->run(ctx, x, hi - x > g ? x + g : hi, &p), PK_OK);
        assert_int_equal(K->merge(ctx, &acc, &p), PK_OK);
    }
    return acc;
}

static void assert_u128_equal(u128 x, u128 y)
{
    assert_true(x == y);
}

static void test_index_range(void **state)
{
    (void)state;
    uint64_t lo, hi;
    pk_primes_index_range(0, 10, &lo, &hi);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 10);
    pk_primes_index_range(1, 10, &lo, &hi);
    assert_int_equal(lo, 0);
    pk_primes_index_range(7, 10, &lo, &hi);
    assert_int_equal(lo, 6);
    pk_primes_index_range(5, UINT64_MAX, &lo, &hi);
    assert_int_equal(lo, 4);
    assert_true(hi == UINT64_MAX);
}

/* pi(N) for every N <= 10^4 (one call each) and the sums, against brute force. */
static void test_small_n(void **state)
{
    (void)state;
    const uint64_t M = 10000;
    pk_primes_ctx ctx;
    setup(&ctx, PK_PRIMES_SIEVE, M, 1);
    uint64_t pi = 0;
    u128 sum = 0;
    for (uint64_t n = 0; n <= M; n++) {
        if (brute_is_prime(n)) { pi++; sum += n; }
        pk_primes_partial p = run_ab(&ctx, 1, n);
        assert_int_equal(p.count, pi);
        assert_u128_equal(p.sum, sum);
        /* and [n, n]: one integer */
        p = run_ab(&ctx, n, n);
        assert_int_equal(p.count, (uint64_t)brute_is_prime(n));
    }
    pk_primes_free(&ctx);
    /* a context for N = 0 or 1 has no sieving primes and still works */
    for (uint64_t n = 0; n <= 3; n++) {
        setup(&ctx, PK_PRIMES_SIEVE, n, 1);
        assert_int_equal(run_ab(&ctx, 0, n).count, n < 2 ? 0 : n - 1);
        pk_primes_free(&ctx);
    }
}

/* pi(10^k) for k <= 9 and every table entry <= 2^31, in one pass over [1, 2^31]. */
static void test_known_pi(void **state)
{
    (void)state;
    uint64_t xs[64], v;
    size_t nx = 0;
    for (int k = 0; k <= 40; k++) {
        uint64_t x = (uint64_t)1 << k;
        if (x <= ((uint64_t)1 << 31) && pk_primes_known_pi(x, &v)) xs[nx++] = x;
    }
    for (uint64_t x = 1; x <= 1000000000ULL; x *= 10) {
        assert_true(pk_primes_known_pi(x, &v));
        xs[nx++] = x;
    }
    for (size_t i = 1; i < nx; i++)   /* sort */
        for (size_t j = i; j > 0 && xs[j - 1] > xs[j]; j--) { uint64_t t = xs[j]; xs[j] = xs[j - 1]; xs[j - 1] = t; }
    pk_primes_ctx ctx;
    setup(&ctx, PK_PRIMES_SIEVE, xs[nx - 1], 0);
    uint64_t pi = 0, prev = 0;
    for (size_t i = 0; i < nx; i++) {
        if (i && xs[i] == xs[i - 1]) continue;
        pi += run_pieces(&ctx, prev + 1, xs[i]).count;
        prev = xs[i];
        assert_true(pk_primes_known_pi(xs[i], &v));
        assert_int_equal(pi, v);
    }
    pk_primes_free(&ctx);
    /* spot values of the table itself */
    assert_true(pk_primes_known_pi(10000000000ULL, &v) && v == 455052511ULL);
    assert_true(pk_primes_known_pi(10000000000000000000ULL, &v) && v == 234057667276344607ULL);
    assert_true(pk_primes_known_pi(4294967296ULL, &v) && v == 203280221ULL);
    assert_false(pk_primes_known_pi(12345, &v));
}

/* Sieve, trial and naive agree (naive only on small numbers). */
static void test_algorithms_agree(void **state)
{
    (void)state;
    pk_primes_ctx s, t, n;
    setup(&s, PK_PRIMES_SIEVE, 2000000000ULL, 1);
    setup(&t, PK_PRIMES_TRIAL, 2000000000ULL, 1);
    setup(&n, PK_PRIMES_NAIVE, 2000000000ULL, 1);
    assert_null(n.small);
    for (uint64_t b = 0; b <= 3000; b += 7) {
        pk_primes_partial x = run_ab(&s, 0, b), y = run_ab(&t, 0, b), z = run_ab(&n, 0, b);
        assert_int_equal(x.count, y.count);
        assert_int_equal(x.count, z.count);
        assert_u128_equal(x.sum, y.sum);
        assert_u128_equal(x.sum, z.sum);
    }
    pk_primes_partial x = run_ab(&s, 10000, 30000), z = run_ab(&n, 10000, 30000);
    assert_int_equal(x.count, z.count);
    assert_u128_equal(x.sum, z.sum);
    uint64_t seed = 7;
    for (int it = 0; it < 40; it++) {
        uint64_t a = rng_next(&seed) % 2000000000ULL, len = rng_next(&seed) % 5000;
        uint64_t b = a + len > 2000000000ULL ? 2000000000ULL : a + len;
        pk_primes_partial p = run_ab(&s, a, b), q = run_ab(&t, a, b);
        assert_int_equal(p.count, q.count);
        assert_u128_equal(p.sum, q.sum);
    }
    pk_primes_free(&s);
    pk_primes_free(&t);
    pk_primes_free(&n);
}

/* Random unaligned [a, b] against the plain reference sieve: short ranges (one partial byte,
 * no pre-sieve), ranges over chunk and segment boundaries (several segments), N up to 10^12. */
static void test_random_ranges(void **state)
{
    (void)state;
    pk_primes_ctx ctx;
    setup(&ctx, PK_PRIMES_SIEVE, 1000000000000ULL, 1);
    uint64_t seed = 12345;
    static const uint64_t maxlen[] = {40, 3000, 200000, 3000000, 20000000};
    static const uint64_t maxb[] = {1000, 100000000ULL, 1000000000000ULL};
    for (int it = 0; it < 60; it++) {
        uint64_t len = rng_next(&seed) % (maxlen[it % 5] + 1);
        uint64_t b = rng_next(&seed) % maxb[(it / 5) % 3];
        uint64_t a = b > len ? b - len : 0;
        uint64_t c;
        u128 sm;
        ref_range(a, b, &c, &sm);
        pk_primes_partial p = run_ab(&ctx, a, b);
        assert_int_equal(p.count, c);
        assert_u128_equal(p.sum, sm);
    }
    /* ranges whose ends sit on and next to multiples of 30 and of byte / word / chunk sizes */
    static const uint64_t ends[] = {30, 60, 240, 480, 1920, 30 * 32768, 30 * 262144};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        const int big = ends[i] > 10000;   /* fewer variations where the reference is dear */
        for (int da = big ? -1 : -2; da <= (big ? 1 : 2); da++)
            for (int db = big ? -1 : -31; db <= (big ? 1 : 31); db += big ? 1 : 3) {
                uint64_t a = 1000000 + ends[i] + (uint64_t)(int64_t)da;
                uint64_t b = a + ends[i] + (uint64_t)(int64_t)db;
                uint64_t c;
                u128 sm;
                ref_range(a, b, &c, &sm);
                assert_int_equal(run_ab(&ctx, a, b).count, c);
            }
    }
    pk_primes_free(&ctx);
}

/* Sieving primes beyond 30 * segment size go through buckets: ranges near 10^14. */
static void test_bucket_ranges(void **state)
{
    (void)state;
    pk_primes_ctx ctx;
    const uint64_t top = 100000000000000ULL;
    setup(&ctx, PK_PRIMES_SIEVE, top, 1);
    uint64_t seed = 99;
    for (int it = 0; it < 4; it++) {
        uint64_t len = 5000000 + rng_next(&seed) % 20000000;
        uint64_t b = top - rng_next(&seed) % 1000000;
        uint64_t a = b - len, c;
        u128 sm;
        ref_range(a, b, &c, &sm);
        pk_primes_partial p = run_ab(&ctx, a, b);
        assert_int_equal(p.count, c);
        assert_u128_equal(p.sum, sm);
    }
    pk_primes_free(&ctx);
}

/* Cutting a range into arbitrary pieces and merging the partials in order gives the same
 * count and sum as one piece. */
static void test_split_merge(void **state)
{
    (void)state;
    pk_primes_ctx ctx;
    setup(&ctx, PK_PRIMES_SIEVE, 5000000000ULL, 1);
    uint64_t seed = 2024;
    for (int it = 0; it < 6; it++) {
        uint64_t lo = rng_next(&seed) % 4000000000ULL, hi = lo + 1 + rng_next(&seed) % 60000000;
        pk_primes_partial whole;
        K->identity(&ctx, &whole);
        assert_int_equal(K->run(&ctx, lo, hi, &whole), PK_OK);
        uint64_t cuts[40];
        size_t nc = 1 + rng_next(&seed) % 39;
        for (size_t i = 0; i < nc; i++) cuts[i] = lo + rng_next(&seed) % (hi - lo + 1);
        for (size_t i = 1; i < nc; i++)
            for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) { uint64_t t = cuts[j]; cuts[j] = cuts[j - 1]; cuts[j - 1] = t; }
        pk_primes_partial acc, p;
        K->identity(&ctx, &acc);
        uint64_t x = lo;
        for (size_t i = 0; i <= nc; i++) {
            uint64_t y = i < nc ? cuts[i] : hi;
            K->identity(&ctx, &p);
            assert_int_equal(K->run(&ctx, x, y, &p), PK_OK);   /* empty pieces too */
            assert_int_equal(K->merge(&ctx, &acc, &p), PK_OK);
            x = y;
        }
        assert_int_equal(acc.count, whole.count);
        assert_u128_equal(acc.sum, whole.sum);
        /* run() accumulates into a partial that already holds a value */
        p = whole;
        assert_int_equal(K->run(&ctx, lo, hi, &p), PK_OK);
        assert_int_equal(p.count, 2 * whole.count);
    }
    /* pieces run concurrently on a shared context (as the OpenMP backend does) */
    uint64_t lo = 0, hi = 3000000000ULL, g = 30000000;
    int64_t np = (int64_t)((hi - lo) / g);
    uint64_t total = 0;
    int bad = 0;
#pragma omp parallel for schedule(dynamic) reduction(+ : total, bad)
    for (int64_t i = 0; i < np; i++) {
        pk_primes_partial p = {0, 0};
        bad += K->run(&ctx, lo + (uint64_t)i * g, lo + (uint64_t)(i + 1) * g, &p) != PK_OK;
        total += p.count;
    }
    assert_int_equal(bad, 0);
    assert_int_equal(total, 144449537);   /* pi(3 * 10^9) */
    /* without want_sum the sum stays 0 */
    pk_primes_ctx c2;
    setup(&c2, PK_PRIMES_SIEVE, 1000000, 0);
    pk_primes_partial q = run_ab(&c2, 1, 1000000);
    assert_int_equal(q.count, 78498);
    assert_true(q.sum == 0);
    pk_primes_free(&c2);
    pk_primes_free(&ctx);
}

/* Around 2^32 (sieving primes just below / above 2^16, numbers crossing 2^32). */
static void test_near_2_32(void **state)
{
    (void)state;
    const uint64_t t32 = (uint64_t)1 << 32;
    pk_primes_ctx ctx;
    setup(&ctx, PK_PRIMES_SIEVE, t32 + 100000000, 1);
    for (int64_t da = -3; da <= 3; da++)
        for (int64_t db = -3; db <= 3; db++) {
            uint64_t a = t32 - 50000 + (uint64_t)da, b = t32 + 50000 + (uint64_t)db, c;
            u128 sm;
            ref_range(a, b, &c, &sm);
            pk_primes_partial p = run_ab(&ctx, a, b);
            assert_int_equal(p.count, c);
            assert_u128_equal(p.sum, sm);
        }
    /* 4294967291 is the largest prime below 2^32, 4294967311 the smallest above */
    assert_int_equal(run_ab(&ctx, 4294967292ULL, 4294967310ULL).count, 0);
    assert_int_equal(run_ab(&ctx, 4294967291ULL, 4294967311ULL).count, 2);
    uint64_t c;
    u128 sm;
    ref_range(t32 + 1000000, t32 + 31000000, &c, &sm);
    assert_int_equal(run_pieces(&ctx, t32 + 1000000, t32 + 31000000).count, c);
    pk_primes_free(&ctx);
}

typedef struct { uint64_t *v; size_t n, cap, calls, maxbatch; uint64_t stop_after; } collect_t;

static int collect(const uint64_t *primes, size_t n, void *arg)
{
    collect_t *c = arg;
    assert_true(n > 0);
    c->calls++;
    if (n > c->maxbatch) c->maxbatch = n;
    for (size_t i = 0; i < n; i++) {
        if (c->n == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 1024;
            c->v = realloc(c->v, c->cap * sizeof *c->v);
            assert_non_null(c->v);
        }
        c->v[c->n++] = primes[i];
    }
    return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

/* Near 2^64: counts, sums and the enumeration against Miller-Rabin on every integer. */
static void test_near_2_64(void **state)
{
    (void)state;
    pk_primes_ctx ctx;
    setup(&ctx, PK_PRIMES_SIEVE, UINT64_MAX, 1);
    assert_int_equal(ctx.nsmall, 203280221);
    assert_int_equal(ctx.small[ctx.nsmall - 1], 4294967291U);
    const uint64_t a = UINT64_MAX - 3000;
    uint64_t c = 0;
    u128 sm = 0;
    for (uint64_t x = a;; x++) {
        if (pk_is_prime_u64(x)) { c++; sm += x; }
        if (x == UINT64_MAX) break;
    }
    /* (every call near 2^64 activates all 203M sieving primes, about a second: few calls) */
    pk_primes_partial p = run_ab(&ctx, a, UINT64_MAX);
    assert_int_equal(p.count, c);
    assert_u128_equal(p.sum, sm);
    /* 18446744073709551557 is the largest prime below 2^64 */
    assert_int_equal(run_ab(&ctx, 18446744073709551534ULL, UINT64_MAX).count, 1);
    collect_t col = {0};
    assert_int_equal(pk_primes_foreach(&ctx, a, UINT64_MAX, collect, &col), 0);
    assert_int_equal(col.n, c);
    assert_true(col.v[col.n - 1] == 18446744073709551557ULL);
    for (size_t i = 0; i < col.n; i++) assert_true(pk_is_prime_u64(col.v[i]));
    free(col.v);
    pk_primes_free(&ctx);
}

/* pk_primes_foreach: ascending, complete, batches of at most 4096, early stop, all algos. */
static void test_foreach(void **state)
{
    (void)state;
    pk_primes_ctx ctx;
    setup(&ctx, PK_PRIMES_SIEVE, 100000000, 0);
    collect_t col = {0};
    assert_int_equal(pk_primes_foreach(&ctx, 0, 10000000, collect, &col), 0);
    assert_int_equal(col.n, 664579);
    assert_true(col.maxbatch <= 4096);
    assert_true(col.calls >= 664579 / 4096);
    assert_int_equal(col.v[0], 2);
    assert_int_equal(col.v[1], 3);
    assert_int_equal(col.v[2], 5);
    assert_int_equal(col.v[col.n - 1], 9999991);
    for (size_t i = 1; i < col.n; i++) assert_true(col.v[i - 1] < col.v[i]);
    for (size_t i = 0; i < 2000; i++) assert_true(brute_is_prime(col.v[i * 300]));
    free(col.v);
    /* unaligned bounds, against brute force */
    uint64_t seed = 5;
    for (int it = 0; it < 50; it++) {
        uint64_t a = rng_next(&seed) % 100000, b = a + rng_next(&seed) % 3000;
        collect_t c2 = {0};
        assert_int_equal(pk_primes_foreach(&ctx, a, b, collect, &c2), 0);
        size_t k = 0;
        for (uint64_t x = a; x <= b; x++)
            if (brute_is_prime(x)) {
                assert_true(k < c2.n);
                assert_int_equal(c2.v[k++], x);
            }
        assert_int_equal(k, c2.n);
        free(c2.v);
    }
    /* early stop: the callback's value comes back, no more calls */
    collect_t c3 = {0};
    c3.stop_after = 5000;
    assert_int_equal(pk_primes_foreach(&ctx, 0, 10000000, collect, &c3), 42);
    assert_int_equal(c3.calls, 2);
    free(c3.v);
    /* empty range, a > b, b beyond n_max */
    collect_t c4 = {0};
    assert_int_equal(pk_primes_foreach(&ctx, 24, 28, collect, &c4), 0);
    assert_int_equal(pk_primes_foreach(&ctx, 10, 5, collect, &c4), 0);
    assert_int_equal(c4.calls, 0);
    assert_int_equal(pk_primes_foreach(&ctx, 0, 100000001, collect, &c4), -1);
    pk_primes_free(&ctx);
    /* trial and naive enumerate the same primes */
    pk_primes_ctx t, n;
    setup(&t, PK_PRIMES_TRIAL, 100000, 0);
    setup(&n, PK_PRIMES_NAIVE, 100000, 0);
    setup(&ctx, PK_PRIMES_SIEVE, 100000, 0);
    collect_t ct = {0}, cn = {0}, cs = {0};
    assert_int_equal(pk_primes_foreach(&t, 0, 20000, collect, &ct), 0);
    assert_int_equal(pk_primes_foreach(&n, 0, 20000, collect, &cn), 0);
    assert_int_equal(pk_primes_foreach(&ctx, 0, 20000, collect, &cs), 0);
    assert_int_equal(ct.n, 2262);
    assert_int_equal(cn.n, ct.n);
    assert_int_equal(cs.n, ct.n);
    assert_memory_equal(ct.v, cs.v, ct.n * sizeof *ct.v);
    assert_memory_equal(cn.v, cs.v, cn.n * sizeof *cn.v);
    free(ct.v);
    free(cn.v);
    free(cs.v);
    pk_primes_free(&t);
    pk_primes_free(&n);
    pk_primes_free(&ctx);
}

static void test_domain(void **state)
{
    (void)state;
    pk_primes_ctx ctx;
    assert_int_equal(pk_primes_setup(&ctx, (pk_primes_algo)7, 100, 0), PK_EINVAL);
    setup(&ctx, PK_PRIMES_SIEVE, 1000, 0);
    pk_primes_partial p = {5, 0};
    assert_int_equal(K->run(&ctx, 10, 10, &p), PK_OK);   /* empty */
    assert_int_equal(p.count, 5);
    assert_int_equal(K->run(&ctx, 0, 1001, &p), PK_EINVAL);   /* beyond n_max */
    pk_primes_ctx naive;
    setup(&naive, PK_PRIMES_NAIVE, 1000, 0);
    naive.algo = PK_PRIMES_SIEVE;   /* no sieving primes: refused, not a wrong count */
    assert_int_equal(K->run(&naive, 0, 1000, &p), PK_EINVAL);
    assert_int_equal(K->run(&naive, 0, 3, &p), PK_OK);
    assert_int_equal(p.count, 7);
    assert_int_equal(K->partial_size, sizeof(pk_primes_partial));
    assert_string_equal(K->name, "primes");
    pk_primes_free(&ctx);
    pk_primes_free(&ctx);   /* twice is harmless */
}

/* cost(): positive, finite and monotone for every algorithm, roughly additive; grain() sane. */
static void test_cost_grain(void **state)
{
    (void)state;
    for (int algo = PK_PRIMES_SIEVE; algo <= PK_PRIMES_NAIVE; algo++) {
        pk_primes_ctx ctx;
        setup(&ctx, (pk_primes_algo)algo, algo == PK_PRIMES_NAIVE ? UINT64_MAX : 10000000000ULL, 0);
        assert_true(K->cost(&ctx, 5, 5) == 0.0);
        static const uint64_t starts[] = {0, 1, 2, 100, 1000000, 10000000000ULL, 1ULL << 40,
                                          1ULL << 62, UINT64_MAX - 1000000};
        for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
            uint64_t lo = starts[i];
            double prev = 0;
            for (uint64_t len = 1; len <= 1000000 && len <= UINT64_MAX - lo; len *= 3) {
                double c = K->cost(&ctx, lo, lo + len);
                assert_true(c > 0 && c < 1e300);
                assert_true(c >= prev);
                prev = c;
            }
            /* moving the start up shrinks the range */
            if (lo + 2000 < lo) continue;
            assert_true(K->cost(&ctx, lo + 1000, lo + 2000) <= K->cost(&ctx, lo, lo + 2000));
        }
        /* additivity, and dearer numbers higher up for trial / naive */
        double whole = K->cost(&ctx, 1000, 1000000000), parts = 0;
        for (uint64_t x = 1000; x < 1000000000; x += 999999) {
            uint64_t y = x + 999999 < 1000000000 ? x + 999999 : 1000000000;
            parts += K->cost(&ctx, x, y);
        }
        assert_true(parts > 0.99 * whole && parts < 1.01 * whole);
        if (algo != PK_PRIMES_SIEVE)
            assert_true(K->cost(&ctx, 900000000, 1000000000) > 2 * K->cost(&ctx, 0, 100000000));
        uint64_t g = K->grain(&ctx);
        assert_true(g > 0);
        if (algo == PK_PRIMES_SIEVE) assert_true(10000000000ULL / g >= 32);
        pk_primes_free(&ctx);
    }
}

/* ---- the setup on threads ---------------------------------------------------------------- */

/* The sieving primes of N, found in pieces (each placed by LMO's pi of its start), equal the
 * serial list element by element: at the threshold sqrt N = 2^28 (pi(2^28) = 14630843,
 * published), above it with sqrt N = 3e8 and N no square (pi(3e8) = 16252325), and at 2^64 - 1
 * (the primes up to 2^32 - 1: pi = 203280221); one thread and a width below the threshold keep
 * the serial path. */
static void test_setup_par(void **state)
{
    (void)state;
    static int widths[] = {1, 2, 3, 7};
    const struct { uint64_t n, pi; } cases[] = {
        {(uint64_t)1 << 56, 14630843},
        {((uint64_t)1 << 56) - 1, 14630843},            /* sqrt = 2^28 - 1: serial */
        {(uint64_t)300000000 * 300000000 + 5, 16252325},
        {UINT64_MAX, 203280221},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pk_primes_ctx ser;
        assert_int_equal(pk_primes_setup(&ser, PK_PRIMES_SIEVE, cases[c].n, 0), PK_OK);
        assert_int_equal(ser.nsmall, cases[c].pi);
        for (size_t w = 0; w < sizeof widths / sizeof widths[0] + 1; w++) {
            pk_par fake = fake_par(&widths[w % 4]);
            pk_par_omp po;
            const pk_par *par = w < 4 ? &fake : pk_par_omp_init(&po, 4);
            if (cases[c].n == UINT64_MAX && w != 2 && w != 4) continue;   /* 200 M primes: two runs */
            pk_primes_ctx pc;
            assert_int_equal(pk_primes_setup_par(&pc, PK_PRIMES_SIEVE, cases[c].n, 0, par), PK_OK);
            assert_int_equal(pc.nsmall, ser.nsmall);
            assert_memory_equal(pc.small, ser.small, ser.nsmall * sizeof *ser.small);
            pk_primes_free(&pc);
        }
        pk_primes_free(&ser);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_range),
        cmocka_unit_test(test_small_n),
        cmocka_unit_test(test_known_pi),
        cmocka_unit_test(test_algorithms_agree),
        cmocka_unit_test(test_random_ranges),
        cmocka_unit_test(test_bucket_ranges),
        cmocka_unit_test(test_split_merge),
        cmocka_unit_test(test_near_2_32),
        cmocka_unit_test(test_near_2_64),
        cmocka_unit_test(test_foreach),
        cmocka_unit_test(test_domain),
        cmocka_unit_test(test_cost_grain),
        cmocka_unit_test(test_setup_par),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
