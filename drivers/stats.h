/* Statistics of timed samples (stats.c): what a run reports about its repeats. */
#ifndef PK_STATS_H
#define PK_STATS_H

typedef struct pk_stats {
    int n;                       /* samples */
    double min, median, max;     /* median: mean of the middle two for even n */
    double mean, sd;             /* sd: sample standard deviation (n - 1); 0 when n < 2 */
    /* A distribution-free confidence interval of the median: order statistics x(k) and
     * x(n+1-k) with k the largest rank whose coverage 1 - 2 P(Binomial(n, 1/2) < k) is at
     * least 95%.  Fewer than 6 samples cannot reach 95%: then [min, max], and ci_level says
     * the coverage it has (0 for one sample, 0.9375 for five). */
    double ci_low, ci_high, ci_level;
} pk_stats;

/* Fill *s from n >= 1 samples (v is not changed); 0, or -1 when n < 1 or out of memory. */
int pk_stats_compute(const double *v, int n, pk_stats *s);

/* The rank k (1-based) of the lower end of the median's interval above, and its coverage. */
int pk_median_ci_rank(int n, double *coverage);

#endif
