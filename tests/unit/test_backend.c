/* Backends, pieces, the merge tree, and the count and sum kernels. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pieces.h"
#include "count.h"
#include "primecount.h"
#include "sum.h"
#include "sum_exact.h"

static pk_exec omp_exec(int threads, pk_sched s, uint64_t chunk)
{
    pk_exec e = {.mode = PK_MODE_OMP, .threads = threads, .sched = s, .chunk = chunk, .nranks = 1};
    return e;
}

/* ---- an order-checking kernel: a partial is the covered interval; merge demands adjacency ---- */
typedef struct { uint64_t lo, hi; int empty, broken; } span;

static uint64_t span_grain(const void *ctx) { return *(const uint64_t *)ctx; }
static void span_identity(const void *ctx, void *p) { (void)ctx; memset(p, 0, sizeof(span)); ((span *)p)->empty = 1; }
static pk_status span_run(const void *ctx, uint64_t lo, uint64_t hi, void *vp)
{
    (void)ctx;
    span *p = vp;
    if (p->empty) {
        p->lo = lo, p->hi = hi, p->empty = 0;
    } else if (p->hi == lo) {
        p->hi = hi;
    } else {
        p->broken = 1;
    }
    return PK_OK;
}
static pk_status span_merge(const void *ctx, void *va, const void *vb)
{
    (void)ctx;
    span *a = va;
    const span *b = vb;
    if (b->empty || b->broken || a->broken) {
        a->broken |= b->broken;
        return PK_OK;
    }
    if (a->empty)
        *a = *b;
    else if (a->hi == b->lo)
        a->hi = b->hi;
    else
        a->broken = 1;
    return PK_OK;
}
static const pk_kernel span_kernel = {.name = "span", .partial_size = sizeof(span), .grain = span_grain,
                                      .identity = span_identity, .run = span_run, .merge = span_merge};
static const pk_kernel span_ordered = {.name = "span", .partial_size = sizeof(span), .flags = PK_KERNEL_ORDERED,
                                       .grain = span_grain, .identity = span_identity, .run = span_run,
                                       .merge = span_merge};

static void test_pieces_cover_range(void **state)
{
    (void)state;
    const uint64_t los[] = {0, 1, 7, 65535, 65536, 1000003, UINT64_MAX - 1000};
    const uint64_t lens[] = {0, 1, 2, 63, 64, 65, 1000, 65536 * 3 + 5};
    const uint64_t grains[] = {1, 7, 64, 65536};
    for (int o = 0; o < 2; o++)
        for (size_t i = 0; i < sizeof los / sizeof *los; i++)
            for (size_t j = 0; j < sizeof lens / sizeof *lens; j++)
                for (size_t g = 0; g < sizeof grains / sizeof *grains; g++)
                    for (int w = 1; w <= 8; w *= 2) {
                        const pk_kernel *k = o ? &span_ordered : &span_kernel;
                        pk_pieces pc;
                        uint64_t lo = los[i], hi = lo + lens[j];
                        if (hi < lo)
                            continue;   /* past 2^64 */
                        pk_pieces_plan(&pc, k, &grains[g], lo, hi, w);
                        assert_true(pc.n >= 1);
                        assert_int_equal(pk_piece_lo(&pc, 0), lo);
                        assert_int_equal(pk_piece_hi(&pc, pc.n - 1), hi);
                        for (size_t p = 0; p < pc.n; p++) {
                            assert_true(pk_piece_lo(&pc, p) <= pk_piece_hi(&pc, p));
                            if (lens[j])
                                assert_true(pk_piece_lo(&pc, p) < pk_piece_hi(&pc, p));
                            if (o && p > 0)   /* ordered: interior cuts on absolute block boundaries */
                                assert_int_equal(pk_piece_lo(&pc, p) % grains[g], 0);
                        }
                        if (!o && lens[j] >= (uint64_t)w)
                            assert_true(pc.n >= (size_t)w);
                    }
}

static void test_merge_order_all_backends(void **state)
{
    (void)state;
    const uint64_t grains[] = {1, 3, 1000};
    const pk_sched scheds[] = {PK_SCHED_STATIC, PK_SCHED_DYNAMIC, PK_SCHED_GUIDED};
    for (size_t g = 0; g < 3; g++)
        for (uint64_t len = 0; len < 5000; len = len * 3 + 1) {
            span s;
            assert_int_equal(pk_backend_serial(&span_kernel, &grains[g], 10, 10 + len, &s, NULL), PK_OK);
            assert_false(s.broken);
            if (len)
                assert_true(s.lo == 10 && s.hi == 10 + len);
            for (int t = 1; t <= 8; t++)
                for (int sc = 0; sc < 3; sc++) {
                    pk_exec e = omp_exec(t, scheds[sc], sc == 1 ? 2 : 0);
                    double ts[8];
                    pk_run_stats st = {.thread_seconds = ts};
                    assert_int_equal(pk_backend_run(&span_ordered, &grains[g], 10, 10 + len, &e, &s, &st), PK_OK);
                    assert_false(s.broken);
                    if (len)
                        assert_true(s.lo == 10 && s.hi == 10 + len);
                    assert_int_equal(pk_backend_run(&span_kernel, &grains[g], 10, 10 + len, &e, &s, &st), PK_OK);
                    assert_false(s.broken);
                }
        }
}

static double linear_cost(const void *ctx, uint64_t lo, uint64_t hi)
{
    (void)ctx;   /* the cost of i is i: later numbers are dearer */
    return ((double)hi * hi - (double)lo * lo) / 2;
}

static void test_split_by_cost(void **state)
{
    (void)state;
    pk_kernel k = span_kernel;
    k.cost = linear_cost;
    uint64_t g = 1, cut[9];
    for (int P = 1; P <= 8; P++) {
        pk_split_by_cost(&k, &g, 0, 1000000, P, cut);
        assert_int_equal(cut[0], 0);
        assert_int_equal(cut[P], 1000000);
        for (int r = 0; r < P; r++) {
            assert_true(cut[r] <= cut[r + 1]);
            double c = linear_cost(NULL, cut[r], cut[r + 1]), want = linear_cost(NULL, 0, 1000000) / P;
            assert_true(fabs(c - want) / want < 1e-3);
        }
    }
    /* more ranks than work: empty shares, still a partition */
    pk_split_by_cost(&span_kernel, &g, 5, 8, 8, cut);
    assert_int_equal(cut[0], 5);
    assert_int_equal(cut[8], 8);
    for (int r = 0; r < 8; r++)
        assert_true(cut[r] <= cut[r + 1]);
    /* ordered kernels: cuts on block boundaries */
    uint64_t g2 = 1000;
    pk_split_by_cost(&span_ordered, &g2, 0, 123456, 7, cut);
    for (int r = 1; r < 7; r++)
        assert_int_equal(cut[r] % 1000, 0);
}

/* ---- count ---- */

static void test_count(void **state)
{
    (void)state;
    const uint64_t ns[] = {0, 1, 2, 3, 1000, (1u << 24) - 1, (1u << 24) + 1, 50000017};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
        pk_count_ctx c = {ns[i]};
        uint64_t r = 7;
        assert_int_equal(pk_backend_serial(&pk_count_kernel, &c, 0, ns[i], &r, NULL), PK_OK);
        assert_int_equal(r, ns[i]);
        for (int t = 1; t <= 8; t++) {
            pk_exec e = omp_exec(t, t % 2 ? PK_SCHED_STATIC : PK_SCHED_GUIDED, 0);
            r = 7;
            assert_int_equal(pk_backend_run(&pk_count_kernel, &c, 0, ns[i], &e, &r, NULL), PK_OK);
            assert_int_equal(r, ns[i]);
        }
    }
    assert_int_equal(pk_count_range(UINT64_MAX - 10, UINT64_MAX), 10);
}

/* ---- sum ---- */

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static void test_sum_i64_exact(void **state)
{
    (void)state;
    const uint64_t n = 300007;
    int64_t *a = malloc(n * sizeof *a);
    pk_i128 want = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = next_rand();
        a[i] = i % 5 == 0 ? INT64_MAX : i % 7 == 0 ? INT64_MIN : (int64_t)r;
        want += a[i];
    }
    pk_sum_ctx c = {.data = a, .base = 0};
    pk_sum_i64_partial p;
    assert_int_equal(pk_backend_serial(&pk_sum_i64_kernel, &c, 0, n, &p, NULL), PK_OK);
    assert_true(p.s == want);
    for (int t = 1; t <= 8; t++) {
        pk_exec e = omp_exec(t, PK_SCHED_DYNAMIC, 0);
        assert_int_equal(pk_backend_run(&pk_sum_i64_kernel, &c, 0, n, &e, &p, NULL), PK_OK);
        assert_true(p.s == want);
    }
    /* a shifted base: the share [a, b) of a rank */
    pk_sum_ctx shifted = {.data = a + 1000, .base = 5000};
    assert_int_equal(pk_backend_serial(&pk_sum_i64_kernel, &shifted, 5000, 6000, &p, NULL), PK_OK);
    pk_i128 w2 = 0;
    for (int i = 1000; i < 2000; i++)
        w2 += a[i];
    assert_true(p.s == w2);
    free(a);
}

static void test_sum_closed_form_and_fill(void **state)
{
    (void)state;
    assert_true(pk_sum_closed_form(100) == 5050);
    assert_true(pk_sum_closed_form(0) == 0);
    pk_u128 big = pk_sum_closed_form(UINT64_MAX);   /* (2^64-1) 2^64 / 2 = 2^127 - 2^63 */
    assert_true(big == (((pk_u128)1 << 127) - ((pk_u128)1 << 63)));
    int64_t a[10];
    pk_sum_fill_i64(a, 0, 0, 10);
    assert_int_equal(a[0], 1);
    assert_int_equal(a[9], 10);
    pk_sum_fill_i64(a, 100, 100, 110);
    assert_int_equal(a[0], 101);
}

static void test_sum_f64_bit_identical(void **state)
{
    (void)state;
    /* values over a wide range of magnitudes and signs: order matters for every bit */
    const uint64_t n = 5 * PK_SUM_F64_BLOCK + 12345;
    double *a = malloc(n * sizeof *a);
    for (uint64_t i = 0; i < n; i++) {
        double m = (double)(next_rand() >> 11) * 0x1p-53;
        int e = (int)(next_rand() % 80) - 40;
        a[i] = ldexp(next_rand() & 1 ? -m : m, e);
    }
    pk_sum_ctx c = {.data = a, .base = 0};
    pk_sum_f64_partial ref, p;
    assert_int_equal(pk_backend_serial(&pk_sum_f64_kernel, &c, 0, n, &ref, NULL), PK_OK);
    const pk_sched scheds[] = {PK_SCHED_STATIC, PK_SCHED_DYNAMIC, PK_SCHED_GUIDED};
    for (int t = 1; t <= 8; t++)
        for (int s = 0; s < 3; s++) {
            pk_exec e = omp_exec(t, scheds[s], s == 1 ? 1 : 0);
            assert_int_equal(pk_backend_run(&pk_sum_f64_kernel, &c, 0, n, &e, &p, NULL), PK_OK);
            double x = pk_sum_f64_value(&p), y = pk_sum_f64_value(&ref);
            assert_memory_equal(&x, &y, sizeof x);
        }
    /* and equal to the correctly rounded exact sum */
    double exact = pk_sum_f64_exact(a, n, NULL);
    double got = pk_sum_f64_value(&ref);
    assert_memory_equal(&got, &exact, sizeof got);
    free(a);
}

static void test_sum_f64_exact_reference(void **state)
{
    (void)state;
    double a[] = {1e100, 1.0, -1e100};
    assert_true(pk_sum_f64_exact(a, 3, NULL) == 1.0);
    double b[] = {0x1p-1074, 0x1p-1074, -0x1p-1074};
    assert_true(pk_sum_f64_exact(b, 3, NULL) == 0x1p-1074);
    double c[] = {1.0, 0x1p-53};   /* a tie: rounds to even (1.0) */
    assert_true(pk_sum_f64_exact(c, 2, NULL) == 1.0);
    double d[] = {1.0, 0x1p-53, 0x1p-100};   /* just above the tie: rounds up */
    assert_true(pk_sum_f64_exact(d, 3, NULL) == 1.0 + 0x1p-52);
    double e[] = {0x1.fffffffffffffp1023, 0x1.fffffffffffffp1023};
    assert_true(isinf(pk_sum_f64_exact(e, 2, NULL)));
    double f[] = {-3.5, 1.25};
    assert_true(pk_sum_f64_exact(f, 2, NULL) == -2.25);
    assert_true(pk_sum_f64_exact(NULL, 0, NULL) == 0.0);
    /* the kernel gets the first case right, where plain summation gives 0 */
    pk_sum_ctx ctx = {.data = a, .base = 0};
    pk_sum_f64_partial p;
    assert_int_equal(pk_backend_serial(&pk_sum_f64_kernel, &ctx, 0, 3, &p, NULL), PK_OK);
    assert_true(pk_sum_f64_value(&p) == 1.0);
}

/* ---- the independent prime count used for verification ---- */

static void test_prime_count_combinatorial(void **state)
{
    (void)state;
    /* brute force for small x */
    enum { M = 20000 };
    static unsigned char comp[M + 1];
    uint64_t cnt = 0;
    pk_u128 sum = 0;
    for (uint64_t i = 2; i <= M; i++) {
        if (!comp[i]) {
            for (uint64_t j = i * i; j <= M; j += i)
                comp[j] = 1;
            cnt++, sum += i;
        }
        if (i % 97 == 0 || i < 200) {
            uint64_t c;
            pk_u128 s;
            assert_int_equal(pk_prime_count_combinatorial(i, &c, &s), PK_OK);
            assert_int_equal(c, cnt);
            assert_true(s == sum);
        }
    }
    uint64_t c;
    assert_int_equal(pk_prime_count_combinatorial(0, &c, NULL), PK_OK);
    assert_int_equal(c, 0);
    assert_int_equal(pk_prime_count_combinatorial(1, &c, NULL), PK_OK);
    assert_int_equal(c, 0);
    assert_int_equal(pk_prime_count_combinatorial(10000000000ull, &c, NULL), PK_OK);
    assert_int_equal(c, 455052511);
    assert_int_equal(pk_prime_count_combinatorial(4294967296ull, &c, NULL), PK_OK);
    assert_int_equal(c, 203280221);
}

static int task_mark(void *arg, size_t i)
{
    int *marks = arg;
#pragma omp atomic
    marks[i]++;
    return 0;
}

static void test_tasks(void **state)
{
    (void)state;
    int marks[100] = {0};
    pk_exec e = omp_exec(4, PK_SCHED_DYNAMIC, 0);
    assert_int_equal(pk_run_tasks(&e, 100, task_mark, marks), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(marks[i], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_cover_range),
        cmocka_unit_test(test_merge_order_all_backends),
        cmocka_unit_test(test_split_by_cost),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_sum_i64_exact),
        cmocka_unit_test(test_sum_closed_form_and_fill),
        cmocka_unit_test(test_sum_f64_bit_identical),
        cmocka_unit_test(test_sum_f64_exact_reference),
        cmocka_unit_test(test_prime_count_combinatorial),
        cmocka_unit_test(test_tasks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
