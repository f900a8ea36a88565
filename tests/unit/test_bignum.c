/* Unit tests for kernels/bignum.c: the multiplication split over threads, the decimal
 * summary from the leading limbs (and its exact fallback next to powers of 10), the parallel
 * decimal conversion byte for byte against mpz_get_str, the m61 fingerprint; and the
 * primorial kernel's merge with threads lent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmp.h>

#include "bignum.h"
#include "par_omp.h"
#include "primorial.h"
#include "testutil.h"

static int fake_w[5] = {1, 2, 3, 4, 7};

static pk_par fake(int idx)
{
    return fake_par(&fake_w[idx]);   /* testutil.h: w threads claimed, tasks one by one */
}

static void random_bits(mpz_t z, uint64_t *seed, size_t bits)
{
    size_t limbs = (bits + 63) / 64;
    mp_limb_t *p = mpz_limbs_write(z, (mp_size_t)(limbs ? limbs : 1));
    for (size_t i = 0; i < limbs; i++)
        p[i] = rng_next(seed);
    if (bits % 64 && limbs)
        p[limbs - 1] &= ((mp_limb_t)1 << (bits % 64)) - 1;
    mpz_limbs_finish(z, (mp_size_t)limbs);
}

/* ---- multiplication ----------------------------------------------------------------------- */

static void test_mul_par(void **state)
{
    (void)state;
    uint64_t seed = 42;
    static const size_t sizes[][2] = {
        {100, 100}, {1 << 20, 1 << 20}, {1 << 21, (1 << 20) + 17}, {(1 << 22) + 5, 1 << 20},
        {3 << 20, 3 << 20}, {1 << 20, 5 << 20}, {(1 << 20) + 63, (1 << 20) + 65}, {1 << 19, 1 << 23},
    };
    pk_par_omp omp;
    const pk_par *po = pk_par_omp_init(&omp, 3);
    mpz_t a, b, want, got;
    mpz_inits(a, b, want, got, NULL);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        random_bits(a, &seed, sizes[s][0]);
        random_bits(b, &seed, sizes[s][1]);
        mpz_setbit(a, 0);   /* a piece of the longer operand may well be zero limbs at its top */
        if (s % 3 == 1) mpz_neg(a, a);
        if (s % 4 == 2) mpz_neg(b, b);
        mpz_mul(want, a, b);
        for (int f = 0; f < 5; f++) {
            pk_par p = fake(f);
            pk_mpz_mul_par(got, a, b, &p);
            assert_true(mpz_cmp(got, want) == 0);
        }
        pk_mpz_mul_par(got, a, b, po);
        assert_true(mpz_cmp(got, want) == 0);
        pk_mpz_mul_par(got, a, b, NULL);
        assert_true(mpz_cmp(got, want) == 0);
        /* in place, as merge does */
        pk_par p = fake(1);
        mpz_set(got, a);
        pk_mpz_mul_par(got, got, b, &p);
        assert_true(mpz_cmp(got, want) == 0);
        mpz_set(got, b);
        pk_mpz_mul_par(got, a, got, po);
        assert_true(mpz_cmp(got, want) == 0);
    }
    /* a zero block in the middle of the cut operand, zero operands, squares */
    random_bits(a, &seed, 1 << 21);
    random_bits(b, &seed, 1 << 22);
    for (int i = 1 << 20; i < (1 << 21) + 4096; i++) mpz_clrbit(b, (mp_bitcnt_t)i);
    mpz_mul(want, a, b);
    pk_par p = fake(1);
    pk_mpz_mul_par(got, a, b, &p);
    assert_true(mpz_cmp(got, want) == 0);
    mpz_set_ui(b, 0);
    pk_mpz_mul_par(got, a, b, &p);
    assert_true(mpz_sgn(got) == 0);
    mpz_mul(want, a, a);
    pk_mpz_mul_par(got, a, a, &p);
    assert_true(mpz_cmp(got, want) == 0);
    mpz_clears(a, b, want, got, NULL);
}

/* ---- division ----------------------------------------------------------------------------- */

/* pk_mpz_tdiv_qr_par against mpz_tdiv_qr: around its size thresholds (divisor and quotient
 * of 32768 limbs), quotients shorter and longer than the divisor (one block, several), powers
 * of 5 (the conversion's divisors), divisors 2^k - 1 and 2^k + 1 and numerators of all ones
 * (quotients next to a block's boundary), a numerator below the divisor, every runner width,
 * and q or r in place of a or d. */
static void check_div(mpz_srcptr a, mpz_srcptr d, const pk_par *p)
{
    mpz_t q, r, wq, wr;
    mpz_inits(q, r, wq, wr, NULL);
    mpz_tdiv_qr(wq, wr, a, d);
    pk_mpz_tdiv_qr_par(q, r, a, d, p);
    assert_true(mpz_cmp(q, wq) == 0 && mpz_cmp(r, wr) == 0);
    mpz_set(q, a);
    pk_mpz_tdiv_qr_par(q, r, q, d, p);   /* q in place of a */
    assert_true(mpz_cmp(q, wq) == 0 && mpz_cmp(r, wr) == 0);
    mpz_set(r, d);
    pk_mpz_tdiv_qr_par(q, r, a, r, p);   /* r in place of d */
    assert_true(mpz_cmp(q, wq) == 0 && mpz_cmp(r, wr) == 0);
    mpz_set(q, d);
    pk_mpz_tdiv_qr_par(q, r, a, q, p);   /* q in place of d */
    assert_true(mpz_cmp(q, wq) == 0 && mpz_cmp(r, wr) == 0);
    mpz_set(r, a);
    pk_mpz_tdiv_qr_par(q, r, r, d, p);   /* r in place of a */
    assert_true(mpz_cmp(q, wq) == 0 && mpz_cmp(r, wr) == 0);
    mpz_clears(q, r, wq, wr, NULL);
}

static void test_div_par(void **state)
{
    (void)state;
    uint64_t seed = 77;
    pk_par_omp omp;
    const pk_par *po = pk_par_omp_init(&omp, 2);
    pk_par p2 = fake(1), p3 = fake(2), p1 = fake(0);
    enum { T = 32768 * 64 };   /* the threshold, in bits */
    static const size_t sizes[][2] = {   /* numerator, divisor bits */
        {2 * T, T}, {2 * T - 1, T}, {2 * T + 64, T - 64}, {2 * T + 65, T + 1}, {3 * T + 12345, T + 777},
        {5 * T + 3, 2 * T + 5}, {4 * T, T + 63}, {T + T / 3, T}, {3 * T, 2 * T - 1},
    };
    mpz_t a, d;
    mpz_inits(a, d, NULL);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        random_bits(a, &seed, sizes[s][0]);
        mpz_setbit(a, sizes[s][0] - 1);
        random_bits(d, &seed, sizes[s][1]);
        mpz_setbit(d, sizes[s][1] - 1);
        check_div(a, d, &p2);
        if (s % 3 == 0) {
            check_div(a, d, po);
            check_div(a, d, &p3);
            check_div(a, d, &p1);
        }
    }
    /* powers of 5 as the conversion uses them, 2^k +- 1, all-ones numerators */
    for (int i = 0; i < 3; i++) {
        mpz_ui_pow_ui(d, 5, (unsigned long)(T / 2.32 + 1000 * i));
        random_bits(a, &seed, (size_t)(3.3 * (double)mpz_sizeinbase(d, 2)));
        check_div(a, d, &p2);
        mpz_set_ui(a, 0);
        mpz_setbit(a, 3 * T + (mp_bitcnt_t)i);
        mpz_sub_ui(a, a, 1);
        check_div(a, d, &p2);
        mpz_set_ui(d, 0);
        mpz_setbit(d, T + (mp_bitcnt_t)i * 64);
        mpz_sub_ui(d, d, 1);
        check_div(a, d, &p2);
        mpz_add_ui(d, d, 2);
        check_div(a, d, &p2);
        mpz_mul(a, d, d);   /* an exact quotient, remainder 0 */
        check_div(a, d, &p2);
        mpz_sub_ui(a, a, 1);   /* remainder d - 1 */
        check_div(a, d, &p2);
    }
    random_bits(d, &seed, 2 * T);
    mpz_setbit(d, 2 * T - 1);
    mpz_sub_ui(a, d, 12345);   /* a < d */
    check_div(a, d, &p2);
    mpz_neg(a, a);             /* a negative numerator: mpz_tdiv_qr's result */
    check_div(a, d, &p2);
    mpz_clears(a, d, NULL);
}

/* One multiplication (FLINT's FFT from 16384 limbs when built with FLINT): equal to mpz_mul
 * around the size threshold and the length-ratio limit, with the product's top limb zero or
 * not, signs, and the result in place of either operand or of both (a square). */
static void test_mul_one(void **state)
{
    (void)state;
    uint64_t seed = 7;
    enum { T = 16384 };
    static const size_t limbs[][2] = {
        {T - 1, T}, {T, T}, {T + 1, T + 3}, {T, 4 * T}, {T, 4 * T + 1}, {T + 5, 2 * T + 1},
        {3 * T, 3 * T}, {100000, 70001}, {4 * T + 2, T},
    };
    mpz_t a, b, want, got;
    mpz_inits(a, b, want, got, NULL);
    for (size_t s = 0; s < sizeof limbs / sizeof limbs[0]; s++)
        for (int top = 0; top < 2; top++) {   /* small top limbs: the product has one limb less */
            random_bits(a, &seed, limbs[s][0] * 64);
            random_bits(b, &seed, limbs[s][1] * 64);
            mpz_setbit(a, limbs[s][0] * 64 - 1);
            mpz_setbit(b, limbs[s][1] * 64 - 1);
            if (top) {
                mpz_tdiv_q_2exp(a, a, 40);
                mpz_tdiv_q_2exp(b, b, 40);
                mpz_setbit(a, limbs[s][0] * 64 - 41 + 24);   /* still limbs[s][0] limbs */
                mpz_setbit(b, limbs[s][1] * 64 - 41 + 24);
            }
            if (s % 2) mpz_neg(a, a);
            if (s % 3 == 2) mpz_neg(b, b);
            mpz_mul(want, a, b);
            pk_mpz_mul(got, a, b);
            assert_true(mpz_cmp(got, want) == 0);
            pk_mpz_mul(got, b, a);
            assert_true(mpz_cmp(got, want) == 0);
            mpz_set(got, a);
            pk_mpz_mul(got, got, b);
            assert_true(mpz_cmp(got, want) == 0);
            mpz_set(got, b);
            pk_mpz_mul(got, a, got);
            assert_true(mpz_cmp(got, want) == 0);
            mpz_mul(want, a, a);
            mpz_set(got, a);
            pk_mpz_mul(got, got, got);
            assert_true(mpz_cmp(got, want) == 0);
        }
    mpz_set_ui(b, 0);
    pk_mpz_mul(got, a, b);
    assert_true(mpz_sgn(got) == 0);
    mpz_clears(a, b, want, got, NULL);
    assert_non_null(strstr(pk_bignum_mul_name(), "mpz_mul"));
    /* built with FLINT: these products (>= 16384 limbs) loaded it and went through its FFT */
    if (!strncmp(pk_bignum_mul_config(), "FLINT", 5))
        assert_int_equal(strncmp(pk_bignum_mul_name(), "FLINT", 5), 0);
    print_message("multiplication: %s\n", pk_bignum_mul_name());
}

/* The kernel's merge with threads lent gives GMP's primorial (the top of the tree splits). */
static void test_merge_with_threads(void **state)
{
    (void)state;
    const pk_kernel *K = &pk_primorial_kernel;
    pk_primorial_ctx ctx;
    assert_int_equal(pk_primorial_setup(&ctx, PK_PRIMES_SIEVE, 4000000), PK_OK);
    pk_par p = fake(2);
    ctx.par = &p;
    mpz_t x, y, g;
    K->identity(&ctx, x);
    K->identity(&ctx, y);
    mpz_init(g);
    assert_int_equal(K->run(&ctx, 0, 1700000, x), PK_OK);
    assert_int_equal(K->run(&ctx, 1700000, 4000000, y), PK_OK);
    assert_true(mpz_size(x) >= (1 << 14) && mpz_size(y) >= (1 << 14));   /* big enough to split */
    assert_int_equal(K->merge(&ctx, x, y), PK_OK);
    mpz_primorial_ui(g, 4000000);
    assert_true(mpz_cmp(x, g) == 0);
    K->release(&ctx, x);
    K->release(&ctx, y);
    mpz_clear(g);
    pk_primorial_free(&ctx);
}

/* ---- decimal summary ---------------------------------------------------------------------- */

static void check_summary(mpz_srcptr z, int want_fallback)
{
    char *s = mpz_get_str(NULL, 10, z);
    size_t d = strlen(s);
    pk_dec_summary a, b;
    pk_mpz_dec_summary(z, &a);
    pk_mpz_dec_summary_exact(z, &b);
    if (a.digits != d) fail_msg("digits %zu, want %zu", a.digits, d);
    assert_int_equal(b.digits, d);
    size_t f = d < 20 ? d : 20;
    assert_int_equal(strlen(a.first), f);
    assert_int_equal(strlen(a.last), f);
    assert_memory_equal(a.first, s, f);
    assert_memory_equal(a.last, s + d - f, f);
    assert_string_equal(a.first, b.first);
    assert_string_equal(a.last, b.last);
    if (want_fallback >= 0)
        assert_int_equal(a.exact_fallback, want_fallback);
    void (*freefn)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefn);
    freefn(s, d + 1);
}

static void test_summary_primorials(void **state)
{
    (void)state;
    mpz_t z;
    mpz_init(z);
    for (unsigned long n = 0; n <= 600; n++) {
        mpz_primorial_ui(z, n);
        check_summary(z, 0);   /* never the fallback */
    }
    static const unsigned long ns[] = {1000, 4099, 30030, 50328, 100000, 1000000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        mpz_primorial_ui(z, ns[i]);
        check_summary(z, 0);
    }
    mpz_clear(z);
}

static void test_summary_random(void **state)
{
    (void)state;
    uint64_t seed = 99;
    mpz_t z;
    mpz_init(z);
    for (size_t bits = 1; bits < 3000; bits += 1 + bits / 7) {
        random_bits(z, &seed, bits);
        check_summary(z, -1);
    }
    for (int i = 0; i < 20; i++) {
        random_bits(z, &seed, 100000 + 977 * (size_t)i);
        check_summary(z, 0);
    }
    mpz_set_ui(z, 0);
    check_summary(z, -1);
    mpz_clear(z);
}

/* Next to a power of 10 the bound cannot decide: the exact method does, and is right. */
static void test_summary_near_powers_of_10(void **state)
{
    (void)state;
    mpz_t z, p;
    mpz_inits(z, p, NULL);
    static const unsigned long es[] = {77, 78, 79, 100, 400, 1000, 12345};
    for (size_t i = 0; i < sizeof es / sizeof es[0]; i++) {
        mpz_ui_pow_ui(p, 10, es[i]);
        mpz_sub_ui(z, p, 1);                 /* 999...9: floor(z / 10^(d-20)) = 10^20 - 1, by a hair */
        check_summary(z, mpz_sizeinbase(z, 2) > 256 ? 1 : -1);
        check_summary(p, -1);   /* 10^e itself: decided by the bound when 5^(e-19) is exact in 256 bits */
        mpz_add_ui(z, p, 1);
        check_summary(z, -1);
        mpz_mul_ui(z, p, 12345);             /* 12345 followed by zeros */
        check_summary(z, -1);
        mpz_add_ui(z, z, 7);
        check_summary(z, -1);
    }
    mpz_clears(z, p, NULL);
}

static void test_m61(void **state)
{
    (void)state;
    mpz_t z;
    mpz_init(z);
    mpz_primorial_ui(z, 100000);
    assert_true(pk_mpz_mod_m61(z) == mpz_fdiv_ui(z, PK_M61));
    mpz_set_ui(z, PK_M61);
    assert_true(pk_mpz_mod_m61(z) == 0);
    mpz_add_ui(z, z, 5);
    assert_true(pk_mpz_mod_m61(z) == 5);
    mpz_clear(z);
}

/* ---- parallel decimal conversion ---------------------------------------------------------- */

static void check_dec(mpz_srcptr z, const pk_par *p)
{
    char *s = mpz_get_str(NULL, 10, z);
    size_t d = strlen(s);
    char *buf = malloc(d + 1);
    assert_non_null(buf);
    assert_int_equal(pk_mpz_get_dec(buf, d, z, p), PK_OK);
    if (memcmp(buf, s, d) != 0) {
        size_t i = 0;
        while (buf[i] == s[i]) i++;
        fail_msg("%zu digits: differ at %zu", d, i);
    }
    /* a wrong digit count is refused, not written wrong */
    assert_int_equal(pk_mpz_get_dec(buf, d - 1 ? d - 1 : 1, z, p), d - 1 ? PK_EINVAL : PK_OK);
    char *big = malloc(d + 3);
    assert_non_null(big);
    assert_int_equal(pk_mpz_get_dec(big, d + 1, z, p), PK_EINVAL);
    free(big);
    free(buf);
    void (*freefn)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefn);
    freefn(s, d + 1);
}

static void test_get_dec(void **state)
{
    (void)state;
    uint64_t seed = 5;
    pk_par_omp omp;
    const pk_par *po = pk_par_omp_init(&omp, 4);
    mpz_t z, p;
    mpz_inits(z, p, NULL);
    /* sizes around the plan's thresholds (2^16 digits to go parallel, 2^14 per leaf) */
    static const size_t digits[] = {1, 19, 20, 21, 1000, 65535, 65536, 65537, 131072, 262143,
                                    300001};
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++) {
        /* a random number of exactly that many digits */
        mpz_ui_pow_ui(p, 10, digits[i] - 1);
        random_bits(z, &seed, (size_t)(3.33 * (double)digits[i]) + 64);
        mpz_mod(z, z, p);
        mpz_mul_ui(p, p, 9);
        mpz_mod(z, z, p);
        mpz_ui_pow_ui(p, 10, digits[i] - 1);
        mpz_add(z, z, p);
        for (int f = 0; f < 5; f++) {
            pk_par q = fake(f);
            check_dec(z, &q);
        }
        check_dec(z, po);
        check_dec(z, NULL);
    }
    /* low halves with leading zeros: 10^e + small, 10^e + 10^j, a block of zeros in the middle */
    static const unsigned long es[] = {65536, 200000, 400003};
    for (size_t i = 0; i < sizeof es / sizeof es[0]; i++) {
        mpz_ui_pow_ui(z, 10, es[i]);
        mpz_add_ui(z, z, 1);
        check_dec(z, po);
        pk_par q = fake(3);
        check_dec(z, &q);
        mpz_ui_pow_ui(p, 10, es[i] / 2);
        mpz_add(z, z, p);
        check_dec(z, po);
        check_dec(z, &q);
        mpz_ui_pow_ui(z, 10, es[i]);
        mpz_sub_ui(z, z, 1);                /* all nines */
        check_dec(z, po);
        mpz_mul(z, z, p);                   /* nines then zeros */
        check_dec(z, &q);
    }
    mpz_primorial_ui(z, 3000000);
    check_dec(z, po);
    /* 3.2M digits: the top split divides by 5^1.6M (58k limbs) through pk_mpz_tdiv_qr_par */
    random_bits(z, &seed, 10630000);
    mpz_setbit(z, 10630000 - 1);
    check_dec(z, po);
    pk_par q2 = fake(1);
    check_dec(z, &q2);
    mpz_clears(z, p, NULL);
}

/* ---- the conversion into a sink: every digit put once, in pieces, any order ---------------- */

typedef struct {
    char *buf;
    unsigned char *seen;   /* how many times each digit was put */
    size_t digits, fail_after;
    size_t puts;
} rec_sink;

static int rec_put(void *env, size_t pos, const char *s, size_t len)
{
    rec_sink *r = env;
    if (r->fail_after && r->puts + 1 >= r->fail_after) {
        r->puts++;
        return -1;
    }
    r->puts++;   /* the fake runners call one task at a time; the OpenMP one is not used here */
    assert_true(pos + len <= r->digits);
    memcpy(r->buf + pos, s, len);
    for (size_t i = pos; i < pos + len; i++)
        r->seen[i]++;
    return 0;
}

/* Converts z through a recording sink: every digit put once, the bytes of mpz_get_str. */
static void check_sink(mpz_srcptr z, const pk_par *p)
{
    char *s = mpz_get_str(NULL, 10, z);
    size_t d = strlen(s);
    rec_sink r = {.buf = malloc(d), .seen = calloc(d, 1), .digits = d};
    assert_non_null(r.buf);
    assert_non_null(r.seen);
    pk_dec_sink sink = {.put = rec_put, .env = &r};
    assert_int_equal(pk_mpz_get_dec_sink(&sink, d, z, p), PK_OK);
    for (size_t i = 0; i < d; i++)
        if (r.seen[i] != 1)
            fail_msg("%zu digits: digit %zu put %d times", d, i, r.seen[i]);
    if (memcmp(r.buf, s, d) != 0) {
        size_t i = 0;
        while (r.buf[i] == s[i]) i++;
        fail_msg("%zu digits: differ at %zu", d, i);
    }
    free(r.buf);
    free(r.seen);
    void (*freefn)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefn);
    freefn(s, d + 1);
}

static void random_digits(mpz_t z, uint64_t *seed, size_t digits)
{
    mpz_t p;
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, digits - 1);
    random_bits(z, seed, (size_t)(3.33 * (double)digits) + 64);
    mpz_mul_ui(p, p, 9);
    mpz_mod(z, z, p);
    mpz_ui_pow_ui(p, 10, digits - 1);
    mpz_add(z, z, p);   /* in [10^(d-1), 10^d) */
    mpz_clear(p);
}

static void test_get_dec_sink(void **state)
{
    (void)state;
    uint64_t seed = 77;
    mpz_t z, t;
    mpz_inits(z, t, NULL);
    /* around the sizes where 4 and 8 leaves start (2^14 digits per leaf at least) */
    static const size_t digits[] = {131071, 131072, 131073, 262143, 262144, 262145, 524288, 700001};
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++) {
        random_digits(z, &seed, digits[i]);
        for (int f = 0; f < 5; f++) {
            pk_par q = fake(f);
            check_sink(z, &q);
        }
        check_sink(z, NULL);
    }
    /* leaves of zeros and nines, powers of 5 and 2 */
    static const unsigned long es[] = {131072, 262144, 300007, 524289};
    pk_par q = fake(1);
    for (size_t i = 0; i < sizeof es / sizeof es[0]; i++) {
        mpz_ui_pow_ui(z, 10, es[i]);
        check_sink(z, &q);                  /* 10^e */
        mpz_sub_ui(z, z, 1);                /* 99...9 */
        check_sink(z, &q);
        mpz_add_ui(z, z, 2);                /* 10^e + 1 */
        check_sink(z, &q);
        mpz_ui_pow_ui(t, 10, es[i] / 2);
        mpz_ui_pow_ui(z, 10, es[i] - es[i] / 2);
        mpz_sub_ui(z, z, 1);
        mpz_mul(z, z, t);                   /* nines then zeros */
        check_sink(z, &q);
        mpz_ui_pow_ui(z, 5, (unsigned long)((double)es[i] * 1.4307));   /* 5^n, 2^n of about e digits */
        check_sink(z, &q);
        mpz_ui_pow_ui(z, 2, (unsigned long)((double)es[i] * 3.3219));
        check_sink(z, &q);
        mpz_sub_ui(z, z, 1);
        check_sink(z, &q);
    }
    /* a sink that fails: PK_EIO, whether its first or a later piece fails */
    const size_t d = 300000;
    random_digits(z, &seed, d);
    for (size_t fail_after = 1; fail_after <= 3; fail_after++) {
        for (int f = 0; f < 5; f++) {
            if (fake_w[f] == 1 && fail_after > 1)
                continue;   /* one thread: one piece, the whole decimal */
            rec_sink r = {.buf = malloc(d), .seen = calloc(d, 1), .digits = d, .fail_after = fail_after};
            pk_dec_sink sink = {.put = rec_put, .env = &r};
            pk_par q2 = fake(f);
            assert_int_equal(pk_mpz_get_dec_sink(&sink, d, z, &q2), PK_EIO);
            free(r.buf);
            free(r.seen);
        }
    }
    /* no sink, or a wrong digit count: refused */
    assert_int_equal(pk_mpz_get_dec_sink(NULL, 10, z, NULL), PK_EINVAL);
    rec_sink r = {.buf = malloc(d + 2), .seen = calloc(d + 2, 1), .digits = d + 2};
    pk_dec_sink sink = {.put = rec_put, .env = &r};
    for (int f = 0; f < 5; f++) {
        pk_par q2 = fake(f);
        assert_int_equal(pk_mpz_get_dec_sink(&sink, d + 1, z, &q2), PK_EINVAL);
    }
    free(r.buf);
    free(r.seen);
    mpz_clears(z, t, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mul_one),
        cmocka_unit_test(test_mul_par),
        cmocka_unit_test(test_div_par),
        cmocka_unit_test(test_merge_with_threads),
        cmocka_unit_test(test_summary_primorials),
        cmocka_unit_test(test_summary_random),
        cmocka_unit_test(test_summary_near_powers_of_10),
        cmocka_unit_test(test_m61),
        cmocka_unit_test(test_get_dec),
        cmocka_unit_test(test_get_dec_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
