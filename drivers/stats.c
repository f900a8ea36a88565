/* Statistics of timed samples: min / median / max, mean and standard deviation, and an
 * order-statistic confidence interval of the median (no assumption about the distribution:
 * run times are skewed, with a long tail of interrupted runs). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* P(Binomial(n, 1/2) <= j), summed in logs so that n in the thousands does not overflow. */
static double binom_half_cdf(int n, int j)
{
    double p = 0;
    for (int i = 0; i <= j; i++)
        p += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
    return p;
}

int pk_median_ci_rank(int n, double *coverage)
{
    int k = 1;
    /* the largest k with 1 - 2 P(B <= k - 1) >= 0.95, i.e. P(B <= k - 1) <= 0.025 */
    while (k + 1 <= (n + 1) / 2 && binom_half_cdf(n, k) <= 0.025)
        k++;
    if (coverage)
        *coverage = n < 2 ? 0 : 1 - 2 * binom_half_cdf(n, k - 1);
    return k;
}

int pk_stats_compute(const double *v, int n, pk_stats *s)
{
    if (n < 1)
        return -1;
    double *x = malloc((size_t)n * sizeof *x);
    if (!x)
        return -1;
    memcpy(x, v, (size_t)n * sizeof *x);
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    memset(s, 0, sizeof *s);
    s->n = n;
    s->min = x[0];
    s->max = x[n - 1];
    s->median = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += x[i];
    s->mean = sum / n;
    if (n > 1) {
        double ss = 0;
        for (int i = 0; i < n; i++)
            ss += (x[i] - s->mean) * (x[i] - s->mean);
        s->sd = sqrt(ss / (n - 1));
    }
    int k = pk_median_ci_rank(n, &s->ci_level);
    s->ci_low = x[k - 1];
    s->ci_high = x[n - k];
    free(x);
    return 0;
}
