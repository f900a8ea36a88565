/* The repeat policy and the statistics of samples (drivers/measure.c, drivers/stats.c), without
 * a clock: the times are given. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "measure.h"
#include "stats.h"

static pk_cli auto_cli(double budget)
{
    pk_cli c = {.repeat = PK_REPEAT_AUTO_MAX, .repeat_auto = 1, .budget = budget};
    c.exec.nranks = 1;
    return c;
}

static void test_repeat_auto(void **state)
{
    (void)state;
    pk_cli c = auto_cli(1.0);
    assert_true(pk_repeat_more(&c, 0, 0));         /* always one run */
    assert_false(pk_repeat_more(&c, 1, 1.5));      /* one run took the budget: enough */
    assert_true(pk_repeat_more(&c, 1, 0.6));       /* shorter: at least 3 runs */
    assert_true(pk_repeat_more(&c, 2, 1.2));       /* ... even past the budget */
    assert_false(pk_repeat_more(&c, 3, 1.8));      /* 3 runs and the budget spent */
    assert_true(pk_repeat_more(&c, 3, 0.3));       /* budget left: on */
    assert_true(pk_repeat_more(&c, 9, 0.9));
    assert_false(pk_repeat_more(&c, 10, 0.01));    /* at most 10 */
    pk_cli f = {.repeat = 4, .repeat_auto = 0, .budget = 1.0};
    f.exec.nranks = 1;
    assert_true(pk_repeat_more(&f, 3, 100.0));     /* fixed: the count alone decides */
    assert_false(pk_repeat_more(&f, 4, 0.0));
}

static void test_stats_known(void **state)
{
    (void)state;
    /* 10 samples: k = 2, coverage 1 - 2 * 11/1024 */
    double v[10] = {5, 1, 9, 3, 7, 2, 8, 4, 6, 10};
    pk_stats s;
    assert_int_equal(pk_stats_compute(v, 10, &s), 0);
    assert_int_equal(s.n, 10);
    assert_true(s.min == 1 && s.max == 10 && s.median == 5.5 && s.mean == 5.5);
    assert_true(fabs(s.sd - sqrt(82.5 / 9)) < 1e-12);
    assert_true(s.ci_low == 2 && s.ci_high == 9);
    assert_true(fabs(s.ci_level - (1 - 22.0 / 1024)) < 1e-12);
    assert_true(v[0] == 5 && v[1] == 1);   /* the input is not reordered */
    /* one sample: no spread, no confidence */
    double one = 0.25;
    assert_int_equal(pk_stats_compute(&one, 1, &s), 0);
    assert_true(s.median == 0.25 && s.sd == 0 && s.ci_low == 0.25 && s.ci_high == 0.25 && s.ci_level == 0);
    /* 5 samples: [min, max] at 93.75% */
    double five[5] = {3, 1, 2, 5, 4};
    assert_int_equal(pk_stats_compute(five, 5, &s), 0);
    assert_true(s.ci_low == 1 && s.ci_high == 5 && fabs(s.ci_level - 0.9375) < 1e-12);
    /* 6 samples reach 95%: [min, max] at 96.875% */
    double six[6] = {3, 1, 2, 6, 5, 4};
    assert_int_equal(pk_stats_compute(six, 6, &s), 0);
    assert_true(s.median == 3.5 && fabs(s.ci_level - 0.96875) < 1e-12);
    /* 100 samples: k = 40 (the table value: x(40), x(61)) */
    double c;
    assert_int_equal(pk_median_ci_rank(100, &c), 40);
    assert_true(c >= 0.95 && c < 0.97);
    assert_int_equal(pk_stats_compute(v, 0, &s), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeat_auto),
        cmocka_unit_test(test_stats_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
