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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
