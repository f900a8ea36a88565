/* Monte Carlo estimate of pi on libparkit: N random points in the unit square, count those in
 * the quarter circle.  Point i comes from a counter-based generator (splitmix64 of i), not a
 * stream, so every point is the same whoever computes it: the count is identical for any
 * ranks x threads and any schedule.  The partial is a plain count, merged by addition. */
#include <math.h>
#include <stdio.h>
#include <parkit.h>

static const double PK_PI = 3.14159265358979323846;

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* point i: x, y the two 32-bit halves; inside when x^2 + y^2 < 2^64, in exact integers */
static parkit_status run(const void *ctx, uint64_t lo, uint64_t hi, void *partial)
{
    (void)ctx;
    uint64_t in = 0;
    for (uint64_t i = lo; i < hi; i++) {
        uint64_t r = splitmix64(i), x = r >> 32, y = r & 0xffffffffu, xx = x * x;
        in += xx + y * y >= xx;   /* the sum wrapped around 2^64 exactly when it is outside */
    }
    *(uint64_t *)partial += in;
    return PARKIT_OK;
}

static uint64_t grain(const void *ctx) { (void)ctx; return 1u << 20; }
static void identity(const void *ctx, void *p) { (void)ctx; *(uint64_t *)p = 0; }
static parkit_status merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)later;
    return PARKIT_OK;
}

static const parkit_kernel kernel = {
    .name = "pi_mc", .partial_size = sizeof(uint64_t),
    .grain = grain, .identity = identity, .run = run, .merge = merge,
};

typedef struct { uint64_t n; } state;

static parkit_status setup(void *s, uint64_t n, const void **ctx, uint64_t *lo, uint64_t *hi, const char **why)
{
    if (n == 0) {
        *why = "N must be at least 1 point";
        return PARKIT_EINVAL;
    }
    ((state *)s)->n = n;
    *ctx = NULL;
    *lo = 0;
    *hi = n;
    return PARKIT_OK;
}

static void describe(void *s, const void *result, char *buf, size_t len)
{
    uint64_t in = *(const uint64_t *)result;
    snprintf(buf, len, "%.10f (%llu of %llu points inside)", 4.0 * (double)in / (double)((state *)s)->n,
             (unsigned long long)in, (unsigned long long)((state *)s)->n);
}

/* the count is binomial(n, pi/4): the estimate must lie within 6 standard deviations of pi
 * (a correct kernel fails this once in 500 million runs) */
static int verify(void *s, const void *result, const char **reference)
{
    double n = (double)((state *)s)->n, p = PK_PI / 4;
    double est = 4.0 * (double)*(const uint64_t *)result / n, sd = 4.0 * sqrt(p * (1 - p) / n);
    *reference = "pi, within 6 standard deviations of an n-point estimate";
    return fabs(est - PK_PI) <= 6 * sd;
}

static const parkit_problem problem = {
    .abi = PARKIT_ABI_VERSION, .name = "pi_mc",
    .summary = "Monte Carlo estimate of pi (counter-based random points: the same count for any ranks x threads)",
    .n_help = "random points", .default_n = 100000000, .kernel = &kernel, .state_size = sizeof(state),
    .setup = setup, .describe = describe, .verify = verify,
};
PARKIT_EXPORT_PROBLEM(problem)

#ifndef PARKIT_MODULE
int main(int argc, char **argv) { return parkit_main(&problem, argc, argv); }
#endif
