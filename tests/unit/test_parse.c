/* Number parsing: every accepted form and every rejected one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cli.h"

static void accepts(const char *s, uint64_t want)
{
    uint64_t v = 12345;
    const char *why = NULL;
    int rc = pk_parse_u64(s, &v, &why);
    if (rc != 0)
        fail_msg("\"%s\" rejected: %s", s, why);
    if (v != want)
        fail_msg("\"%s\" -> %llu, want %llu", s, (unsigned long long)v, (unsigned long long)want);
}

static void rejects(const char *s, const char *want_why)
{
    uint64_t v = 0;
    const char *why = NULL;
    if (pk_parse_u64(s, &v, &why) == 0)
        fail_msg("\"%s\" accepted as %llu", s, (unsigned long long)v);
    assert_non_null(why);
    if (want_why)
        assert_string_equal(why, want_why);
}

static void test_plain(void **state)
{
    (void)state;
    accepts("0", 0);
    accepts("1", 1);
    accepts("1000000", 1000000);
    accepts("007", 7);
    accepts("18446744073709551615", UINT64_MAX);
    accepts("1_000_000", 1000000);
    accepts("18_446_744_073_709_551_615", UINT64_MAX);
}

static void test_powers(void **state)
{
    (void)state;
    accepts("1e9", 1000000000ull);
    accepts("1E9", 1000000000ull);
    accepts("4e10", 40000000000ull);
    accepts("25e0", 25);
    accepts("1e19", 10000000000000000000ull);
    accepts("10^9", 1000000000ull);
    accepts("2**32", 4294967296ull);
    accepts("2^63", 9223372036854775808ull);
    accepts("2**0", 1);
    accepts("0^0", 1);
    accepts("0**5", 0);
    accepts("1^100000", 1);
    accepts("1_000e3", 1000000);
    /* a huge written exponent whose value still fits (issue 9) */
    accepts("0e999999999999999999999", 0);
    accepts("0_000e99999999999999999999999", 0);
    accepts("1^99999999999999999999", 1);
    accepts("0**99999999999999999999", 0);
    accepts("0^0", 1);
}

static void omp_ok(const char *s, uint64_t want)
{
    uint64_t v = 0;
    const char *why = NULL;
    if (pk_parse_omp_threads(s, 4096, &v, &why) != 0)
        fail_msg("OMP_NUM_THREADS=\"%s\" rejected: %s", s, why);
    if (v != want)
        fail_msg("OMP_NUM_THREADS=\"%s\" -> %llu, want %llu", s, (unsigned long long)v, (unsigned long long)want);
}

static void omp_bad(const char *s)
{
    uint64_t v = 0;
    const char *why = NULL;
    if (pk_parse_omp_threads(s, 4096, &v, &why) == 0)
        fail_msg("OMP_NUM_THREADS=\"%s\" accepted as %llu", s, (unsigned long long)v);
    assert_non_null(why);
}

/* OMP_NUM_THREADS as the OpenMP runtime reads it: no more, no less */
static void test_omp_num_threads(void **state)
{
    (void)state;
    omp_ok("4", 4);
    omp_ok(" 4", 4);
    omp_ok("4 ", 4);
    omp_ok("+4", 4);
    omp_ok("4,2", 4);
    omp_ok("4 , 2", 4);
    omp_ok("0000000000000000000000000000000000000000000000000000000000000000000000004", 4);
    omp_bad("");
    omp_bad(" ");
    omp_bad("0");
    omp_bad("-1");
    omp_bad("1e1");
    omp_bad("0x4");
    omp_bad("4_0");
    omp_bad("4,");
    omp_bad(",4");
    omp_bad("4,abc");
    omp_bad("4 2");
    omp_bad("5000");
    omp_bad("99999999999999999999999");
}

static void secs_ok(const char *s, double want)
{
    double v = -1;
    if (pk_parse_seconds("--t", s, 0.001, 86400, &v) != 0)
        fail_msg("seconds \"%s\" rejected", s);
    assert_true(v == want);
}

static void secs_bad(const char *s)
{
    double v = -1;
    if (pk_parse_seconds("--t", s, 0.001, 86400, &v) == 0)
        fail_msg("seconds \"%s\" accepted as %g", s, v);
}

static void test_seconds(void **state)
{
    (void)state;
    secs_ok("5", 5);
    secs_ok("0.25", 0.25);
    secs_ok("1e-3", 0.001);
    secs_ok("86400", 86400);
    secs_ok("2.", 2);
    secs_bad("0.0004");   /* below a millisecond: never "0 = the library's default" */
    secs_bad("0");
    secs_bad(" 5");
    secs_bad("5 ");
    secs_bad("+5");
    secs_bad("-5");
    secs_bad("0x10");
    secs_bad("inf");
    secs_bad("nan");
    secs_bad("1e9");
    secs_bad("5s");
    secs_bad("");
    secs_bad(".");
    secs_bad("1e");
}

static void test_rejected(void **state)
{
    (void)state;
    rejects("", "empty");
    rejects("abc", "not a number");
    rejects("-3", "negative");
    rejects("-0", "negative");
    rejects("1.5e3", "not an integer");
    rejects("1.0", "not an integer");
    rejects("2.5", "not an integer");
    rejects("1e-3", NULL);
    rejects("18446744073709551616", NULL);
    rejects("99999999999999999999999", NULL);
    rejects("2**64", NULL);
    rejects("10^20", NULL);
    rejects("2e19", NULL);
    rejects("1e", NULL);
    rejects("e9", "not a number");
    rejects("2**", NULL);
    rejects("2*3", NULL);
    rejects(" 5", "not a number");
    rejects("5 ", "not a number");
    rejects("+5", "not a number");
    rejects("0x10", "not a number");
    rejects("1__000", "not a number");
    rejects("_1", "not a number");
    rejects("1_", "not a number");
    rejects("12abc", "not a number");
    rejects("2^^3", NULL);
    rejects("2^3^2", NULL);
    rejects("1e999999999999", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_powers),
        cmocka_unit_test(test_rejected),
        cmocka_unit_test(test_omp_num_threads),
        cmocka_unit_test(test_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
