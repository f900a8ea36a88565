/* sum --dtype f64 promises the correctly rounded exact sum (round to nearest, ties to even),
 * whatever the data, the number of threads, or how the range is split and merged; and its
 * verifier rejects any other answer.  Everything is checked against a reference written here
 * the slowest, most obvious way: each double added into one GMP integer in units of 2^-1074,
 * rounded once by hand. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <gmp.h>
#include "exec.h"
#include "sum.h"
#include "sum_exact.h"
#include "testutil.h"

/* ---- the GMP reference ---------------------------------------------------------- */

typedef struct { double value; uint64_t pinf, ninf, nan; } gmp_ref;

static gmp_ref gmp_sum(const double *a, size_t n)
{
    gmp_ref r = {0, 0, 0, 0};
    mpz_t acc, t;
    mpz_inits(acc, t, NULL);
    for (size_t i = 0; i < n; i++) {
        double v = a[i];
        if (isnan(v)) {
            r.nan++;
            continue;
        }
        if (isinf(v)) {
            if (v > 0)
                r.pinf++;
            else
                r.ninf++;
            continue;
        }
        if (v == 0)
            continue;
        int e;
        double f = frexp(fabs(v), &e);         /* |v| = f 2^e, f in [0.5, 1) */
        mpz_set_d(t, ldexp(f, 53));            /* an integer below 2^53: exact */
        long sh = (long)e - 53 + 1074;         /* |v| = t 2^(sh - 1074) */
        if (sh >= 0)
            mpz_mul_2exp(t, t, (mp_bitcnt_t)sh);
        else
            mpz_tdiv_q_2exp(t, t, (mp_bitcnt_t)-sh);   /* subnormals: the bits dropped are 0 */
        if (v < 0)
            mpz_sub(acc, acc, t);
        else
            mpz_add(acc, acc, t);
    }
    if (r.nan || (r.pinf && r.ninf)) {
        r.value = NAN;
    } else if (r.pinf || r.ninf) {
        r.value = r.pinf ? INFINITY : -INFINITY;
    } else if (mpz_sgn(acc) == 0) {
        r.value = 0.0;
    } else {
        /* round |acc| to 53 significant bits, ties to even, then scale */
        int neg = mpz_sgn(acc) < 0;
        mpz_abs(acc, acc);
        long bits = (long)mpz_sizeinbase(acc, 2), drop = bits > 53 ? bits - 53 : 0;
        int up = 0;
        if (drop > 0) {
            int half = mpz_tstbit(acc, (mp_bitcnt_t)drop - 1);
            int below = mpz_scan1(acc, 0) < (mp_bitcnt_t)drop - 1;
            mpz_tdiv_q_2exp(acc, acc, (mp_bitcnt_t)drop);
            up = half && (below || mpz_odd_p(acc));
        }
        if (up)
            mpz_add_ui(acc, acc, 1);
        double m = mpz_get_d(acc);   /* <= 2^53: exact */
        r.value = ldexp(m, (int)(drop - 1074));   /* inf past the top, exact otherwise */
        if (neg)
            r.value = -r.value;
    }
    mpz_clears(acc, t, NULL);
    return r;
}

static void assert_same(double got, double want, const char *what, size_t trial)
{
    int same = isnan(want) ? isnan(got) : memcmp(&got, &want, sizeof got) == 0;
    if (!same)
        fail_msg("%s (trial %zu): got %a, want %a", what, trial, got, want);
}

/* ---- kernel runs: direct, serial backend, OpenMP, arbitrary splits ---------------- */

static pk_exec omp_exec(int threads, pk_sched s)
{
    pk_exec e = {.mode = PK_MODE_OMP, .threads = threads, .sched = s, .nranks = 1};
    return e;
}

static double kernel_serial(const double *a, size_t n)
{
    pk_sum_ctx c = {.data = a, .base = 0};
    pk_sum_f64_partial p;
    assert_int_equal(pk_backend_serial(&pk_sum_f64_kernel, &c, 0, n, &p, NULL), PK_OK);
    return pk_sum_f64_value(&p);
}

static double kernel_omp(const double *a, size_t n, int threads, pk_sched s)
{
    pk_sum_ctx c = {.data = a, .base = 0};
    pk_exec e = omp_exec(threads, s);
    pk_sum_f64_partial p;
    assert_int_equal(pk_backend_run(&pk_sum_f64_kernel, &c, 0, n, &e, &p, NULL), PK_OK);
    return pk_sum_f64_value(&p);
}

/* Cut [0, n) at random points (not block-aligned), sum each piece as a rank with a shifted
 * base would, and merge the pieces in a random order. */
static double kernel_split(const double *a, size_t n, uint64_t *rng)
{
    enum { MAXP = 9 };
    size_t np = 1 + (size_t)(rng_next(rng) % MAXP), cut[MAXP + 1];
    cut[0] = 0;
    cut[np] = n;
    for (size_t i = 1; i < np; i++)
        cut[i] = n ? (size_t)(rng_next(rng) % (n + 1)) : 0;
    for (size_t i = 1; i < np; i++)   /* sort the inner cuts */
        for (size_t j = i; j > 1 && cut[j] < cut[j - 1]; j--) {
            size_t t = cut[j];
            cut[j] = cut[j - 1];
            cut[j - 1] = t;
        }
    static pk_sum_f64_partial part[MAXP];
    for (size_t i = 0; i < np; i++) {
        pk_sum_ctx c = {.data = a + cut[i], .base = cut[i]};
        assert_int_equal(pk_backend_serial(&pk_sum_f64_kernel, &c, cut[i], cut[i + 1], &part[i], NULL), PK_OK);
    }
    for (size_t left = np; left > 1; left--) {   /* merge a random pair, either way round */
        size_t i = (size_t)(rng_next(rng) % left), j = (size_t)(rng_next(rng) % (left - 1));
        if (j >= i)
            j++;
        pk_xsum_merge(&part[i], &part[j]);
        part[j] = part[left - 1];
        if (i == left - 1)
            i = j;
    }
    return pk_sum_f64_value(&part[0]);
}

static double xsum_direct(const double *a, size_t n)
{
    pk_xsum x;
    pk_xsum_init(&x);
    pk_xsum_add_array(&x, a, n);
    return pk_xsum_round(&x);
}

static double xsum_one_by_one(const double *a, size_t n)
{
    pk_xsum x;
    pk_xsum_init(&x);
    for (size_t i = 0; i < n; i++)
        pk_xsum_add(&x, a[i]);
    return pk_xsum_round(&x);
}

/* Every way of computing the sum must give the reference's bits. */
static void check_all_ways(const double *a, size_t n, size_t trial, uint64_t *rng, int omp)
{
    gmp_ref ref = gmp_sum(a, n);
    assert_same(xsum_direct(a, n), ref.value, "xsum array", trial);
    assert_same(xsum_one_by_one(a, n), ref.value, "xsum one by one", trial);
    assert_same(kernel_serial(a, n), ref.value, "serial backend", trial);
    assert_same(kernel_split(a, n, rng), ref.value, "random split and merge order", trial);
    assert_same(pk_sum_f64_exact(a, n, NULL), ref.value, "driver's reference (bins + GMP)", trial);
    if (omp) {
        static const int threads[] = {2, 3, 5, 8};
        static const pk_sched sched[] = {PK_SCHED_STATIC, PK_SCHED_DYNAMIC, PK_SCHED_GUIDED};
        for (int t = 0; t < 4; t++)
            assert_same(kernel_omp(a, n, threads[t], sched[t % 3]), ref.value, "OpenMP", trial);
    }
}

/* ---- the adversarial generator ----------------------------------------------------- */

static double rand_unit(uint64_t *s)   /* [0, 1) with 53 random bits */
{
    return (double)(rng_next(s) >> 11) * 0x1p-53;
}

static double rand_double_any(uint64_t *s)   /* any finite double, exponents uniform */
{
    uint64_t b = rng_next(s) & ~((uint64_t)0x7ff << 52);
    b |= (rng_next(s) % 2047) << 52;   /* exponent field 0..2046: subnormals to DBL_MAX */
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static void shuffle(double *a, size_t n, uint64_t *s)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(s) % i);
        double t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

enum { FAMILIES = 12 };

/* Family f of hostile data, n values. */
static void generate(double *a, size_t n, int f, uint64_t *s)
{
    size_t i = 0;
    switch (f) {
    case 0:   /* massive cancellation: pairs +-x over all exponents, a few survivors */
        for (; i + 1 < n; i += 2) {
            a[i] = rand_double_any(s);
            a[i + 1] = -a[i];
        }
        for (; i < n; i++)
            a[i] = rand_double_any(s);
        if (n > 3)
            a[n / 3] = ldexp(rand_unit(s), -1000);
        shuffle(a, n, s);
        break;
    case 1:   /* huge exponent spread */
        for (; i < n; i++)
            a[i] = rand_double_any(s);
        break;
    case 2:   /* subnormals only, both signs */
        for (; i < n; i++)
            a[i] = ldexp((double)(rng_next(s) >> 12), -1074) * (rng_next(s) & 1 ? -1 : 1);
        break;
    case 3:   /* subnormals and the smallest normals mixed, cancelling */
        for (; i < n; i++)
            a[i] = ldexp(rand_unit(s) - 0.5, -1000 - (int)(rng_next(s) % 74));
        break;
    case 4:   /* near overflow: partial sums pass DBL_MAX, the total does not */
        for (; i < n; i++)
            a[i] = (i % 2 ? -1 : 1) * DBL_MAX * (0.5 + 0.5 * rand_unit(s));
        if (n)
            a[n - 1] = 1.0;
        break;
    case 5:   /* ordinary data with a few tiny and huge outliers (the fast path's fallbacks) */
        for (; i < n; i++) {
            uint64_t r = rng_next(s) % 1000;
            a[i] = r == 0 ? ldexp(rand_unit(s), 900) : r == 1 ? ldexp(rand_unit(s), -900)
                 : (rand_unit(s) - 0.5) * 1e3;
        }
        break;
    case 6:   /* magnitudes growing chunk after chunk (the scale guess is too small) */
        for (; i < n; i++)
            a[i] = ldexp(1.0 + rand_unit(s), (int)(i / 5000) * 7 - 300) * (rng_next(s) & 1 ? -1 : 1);
        break;
    case 7:   /* integers, then fractions, then integers: one level, two levels, one again */
        for (; i < n; i++)
            a[i] = (i / 20000) % 2 ? rand_unit(s) : (double)(int64_t)(rng_next(s) % 2000001) - 1e6;
        break;
    case 8:   /* ties: 2^53 + 1 style sums that must round to even, and just past them */
        for (; i < n; i++)
            a[i] = i % 3 == 0 ? 0x1p53 : i % 3 == 1 ? 1.0 : -0x1p53;
        if (n > 2)
            a[n - 1] = (rng_next(s) & 1) ? 0x1p-60 : -0x1p-60;
        if (n > 5)
            a[2] = 0x1p53;   /* leaves 2^53 + k, k about n/3: odd k is a tie */
        break;
    case 9:   /* signed zeros and exact zero sums */
        for (; i < n; i++)
            a[i] = (rng_next(s) & 1) ? -0.0 : 0.0;
        if (n > 1) {
            a[0] = 0x1p-1074;
            a[n - 1] = -0x1p-1074;
        }
        break;
    case 10:   /* non-finite terms among ordinary ones */
        for (; i < n; i++)
            a[i] = rand_unit(s) - 0.5;
        if (n) {
            uint64_t k = rng_next(s) % 4;
            double special = k == 0 ? INFINITY : k == 1 ? -INFINITY : NAN;
            a[rng_next(s) % n] = special;
            if (k == 3)
                a[rng_next(s) % n] = -special;   /* a NaN of the other sign */
            if (n > 1 && (rng_next(s) & 1))
                a[rng_next(s) % n] = INFINITY, a[rng_next(s) % n] = -INFINITY;   /* maybe both */
        }
        break;
    default:   /* the largest values and the tie above DBL_MAX (rounds to inf) */
        for (; i < n; i++)
            a[i] = i % 2 ? DBL_MAX : -DBL_MAX;
        if (n) {
            a[n - 1] = DBL_MAX;
            if (n > 1)
                a[0] = (rng_next(s) & 1) ? 0x1p970 : 0x1p969;
        }
        break;
    }
}

/* sizes around the fast path's chunks (16384) and the kernel's blocks (65536) */
static size_t pick_size(uint64_t *s)
{
    static const size_t edges[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 16383, 16384, 16385, 65535, 65536, 65537, 131080};
    if (rng_next(s) % 2)
        return edges[rng_next(s) % (sizeof edges / sizeof *edges)];
    return (size_t)(rng_next(s) % 150000);
}

static void test_f64_sum_equals_gmp_reference_on_adversarial_data(void **state)
{
    (void)state;
    uint64_t s = 20261122;
    double *a = malloc(150000 * sizeof *a);
    assert_non_null(a);
    for (size_t trial = 0; trial < 8 * FAMILIES; trial++) {
        size_t n = pick_size(&s);
        generate(a, n, (int)(trial % FAMILIES), &s);
        check_all_ways(a, n, trial, &s, trial % 3 == 0);
    }
    free(a);
}

/* ---- the cases, and rounding corners ----------------------------------------- */

static void expect_sum(const double *a, size_t n, double want)
{
    uint64_t s = 1;
    assert_same(gmp_sum(a, n).value, want, "the test's own reference", 0);
    check_all_ways(a, n, 0, &s, 1);
}

static void test_f64_sum_hostile_report_cases(void **state)
{
    (void)state;
    const double cancel[] = {0x1p1000, 0x1p946, 0x1p600, -0x1p946, -0x1p1000};
    expect_sum(cancel, 5, 0x1p600);
    const double inf_mid[] = {1, INFINITY, 2};
    expect_sum(inf_mid, 3, INFINITY);
    const double no_overflow[] = {1e308, 1e308, -1e308, -1e308, 1};
    expect_sum(no_overflow, 5, 1.0);
    const double has_nan[] = {1, NAN, 2};
    expect_sum(has_nan, 3, NAN);
    const double inf_minus_inf[] = {INFINITY, -INFINITY};
    expect_sum(inf_minus_inf, 2, NAN);
    const double minus_inf[] = {-INFINITY, 5, -INFINITY};
    expect_sum(minus_inf, 3, -INFINITY);
    const double tie_even[] = {1.0, 0x1p-53};              /* halfway: stays at 1 */
    expect_sum(tie_even, 2, 1.0);
    const double tie_odd[] = {1.0 + 0x1p-52, 0x1p-53};     /* halfway from an odd one: up */
    expect_sum(tie_odd, 2, 1.0 + 0x1p-51);
    const double past_tie[] = {1.0, 0x1p-53, 0x1p-1074};   /* a sticky bit 1021 places down */
    expect_sum(past_tie, 3, 1.0 + 0x1p-52);
    const double to_inf[] = {DBL_MAX, 0x1p970};            /* halfway to 2^1024: ties to inf */
    expect_sum(to_inf, 2, INFINITY);
    const double stays_max[] = {DBL_MAX, 0x1p969};
    expect_sum(stays_max, 2, DBL_MAX);
    const double subnormal[] = {0x1p-1074, 0x1p-1074, -0x1p-1073, 0x1.8p-1022, -0x1p-1022};
    expect_sum(subnormal, 5, 0x1p-1023);
    const double neg_tiny[] = {-0x1p-1074};
    expect_sum(neg_tiny, 1, -0x1p-1074);
    expect_sum(NULL, 0, 0.0);
}

/* Merging a partial with itself k times multiplies its sum by 2^k: the carry-save digits pass
 * their normalisation threshold (2^30 pending adds) and the top digit fills up. */
static void test_f64_merge_keeps_exactness_past_normalisation(void **state)
{
    (void)state;
    uint64_t s = 7;
    double a[1000];
    for (int i = 0; i < 1000; i++)
        a[i] = ldexp(rand_unit(&s) - 0.5, (int)(rng_next(&s) % 60) - 30);
    pk_xsum x;
    pk_xsum_init(&x);
    pk_xsum_add_array(&x, a, 1000);
    double base = gmp_sum(a, 1000).value;
    for (int k = 1; k <= 63; k++) {
        pk_xsum y = x;
        pk_xsum_merge(&x, &y);
        assert_same(pk_xsum_round(&x), ldexp(base, k), "doubling by merges", (size_t)k);
    }
    const double big[] = {0x1.fffffp1000, -0x1p-1074};
    pk_xsum_init(&x);
    pk_xsum_add_array(&x, big, 2);
    for (int k = 1; k <= 63; k++) {   /* up to 2^1063: the fixed-point top, beyond double range */
        pk_xsum y = x;
        pk_xsum_merge(&x, &y);
    }
    assert_same(pk_xsum_round(&x), INFINITY, "2^63 x 2^1000", 0);
    /* minus the same from the negated values, plus one copy: back to the two values */
    const double nbig[] = {-big[0], -big[1]};
    pk_xsum y;
    pk_xsum_init(&y);
    pk_xsum_add_array(&y, nbig, 2);
    for (int k = 1; k <= 63; k++) {
        pk_xsum z = y;
        pk_xsum_merge(&y, &z);
    }
    pk_xsum_add_array(&y, big, 2);
    pk_xsum_merge(&x, &y);
    assert_same(pk_xsum_round(&x), gmp_sum(big, 2).value, "2^63 x (a) - 2^63 x (a) + (a)", 0);
}

/* The closed form's reference: n(n+1)/2 rounded to nearest even. */
static void test_f64_closed_form_reference_rounds_to_nearest_even(void **state)
{
    (void)state;
    assert_true(pk_u128_to_double(0) == 0.0);
    assert_true(pk_u128_to_double(((pk_u128)1 << 53) + 1) == 0x1p53);      /* tie, even below */
    assert_true(pk_u128_to_double(((pk_u128)1 << 53) + 3) == 0x1p53 + 4);  /* tie, even above */
    assert_true(pk_u128_to_double(((pk_u128)1 << 53) + 5) == 0x1p53 + 4);
    assert_true(pk_u128_to_double(~(pk_u128)0) == 0x1p128);
    uint64_t r = 5;
    for (int i = 0; i < 2000; i++) {   /* n(n+1)/2 around 2^53 and anywhere up to 2^127 */
        uint64_t n = i < 40 ? 134217708 + (uint64_t)i : rng_next(&r) >> (rng_next(&r) % 64);
        pk_u128 sum = pk_sum_closed_form(n);
        double parts[4];   /* 32-bit pieces: each a double exactly */
        for (int k = 0; k < 4; k++)
            parts[k] = ldexp((double)(uint64_t)((sum >> (32 * k)) & 0xffffffffu), 32 * k);
        assert_same(pk_u128_to_double(sum), gmp_sum(parts, 4).value, "closed form", (size_t)n);
    }
}

/* The verifier accepts the reference's bits and nothing else -- in particular not the old
 * kernel's 0 for the cancelling file, nor an answer one ulp away, nor -nan for +inf. */
static void test_f64_verifier_rejects_wrong_answers(void **state)
{
    (void)state;
    const double cancel[] = {0x1p1000, 0x1p946, 0x1p600, -0x1p946, -0x1p1000};
    double want = pk_sum_f64_exact(cancel, 5, NULL);
    assert_true(pk_sum_f64_matches(want, want));
    assert_false(pk_sum_f64_matches(0.0, want));                       /* the old answer */
    assert_false(pk_sum_f64_matches(nextafter(want, INFINITY), want));  /* one ulp off */
    assert_false(pk_sum_f64_matches(nextafter(want, 0), want));
    assert_false(pk_sum_f64_matches(-want, want));
    assert_false(pk_sum_f64_matches(NAN, want));
    assert_false(pk_sum_f64_matches(-0.0, 0.0));
    const double inf_mid[] = {1, INFINITY, 2};
    want = pk_sum_f64_exact(inf_mid, 3, NULL);
    assert_false(pk_sum_f64_matches(-NAN, want));
    assert_false(pk_sum_f64_matches(-INFINITY, want));
    assert_true(pk_sum_f64_matches(INFINITY, want));
    assert_true(pk_sum_f64_matches(NAN, NAN));
    assert_false(pk_sum_f64_matches(1.0, NAN));
    /* and a kernel answer perturbed by one ulp is caught on real data */
    uint64_t s = 99;
    double a[4096];
    generate(a, 4096, 1, &s);
    double got = kernel_serial(a, 4096), ref = pk_sum_f64_exact(a, 4096, NULL);
    assert_true(pk_sum_f64_matches(got, ref));
    assert_false(pk_sum_f64_matches(nextafter(got, INFINITY), ref));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f64_sum_hostile_report_cases),
        cmocka_unit_test(test_f64_sum_equals_gmp_reference_on_adversarial_data),
        cmocka_unit_test(test_f64_merge_keeps_exactness_past_normalisation),
        cmocka_unit_test(test_f64_closed_form_reference_rounds_to_nearest_even),
        cmocka_unit_test(test_f64_verifier_rejects_wrong_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
