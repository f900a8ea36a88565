/* A numerical integral in f64 on libparkit: pi = the integral of 4 / (1 + x^2) over [0, 1],
 * by the midpoint rule with N intervals.  Floating-point addition is not associative, so the
 * kernel is ORDERED: parkit cuts pieces of exactly grain() intervals and merges their sums in
 * one fixed tree, and the answer is bit-identical for any ranks x threads and schedule. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <parkit.h>

static const double PK_PI = 3.14159265358979323846;

typedef struct { uint64_t n; double h; } state;

static parkit_status run(const void *ctx, uint64_t lo, uint64_t hi, void *partial)
{
    const state *s = ctx;
    double sum = 0;
    for (uint64_t i = lo; i < hi; i++) {
        double x = ((double)i + 0.5) * s->h;
        sum += 4.0 / (1.0 + x * x);
    }
    *(double *)partial += sum;
    return PARKIT_OK;
}

static uint64_t grain(const void *ctx) { (void)ctx; return 1u << 16; }
static void identity(const void *ctx, void *p) { (void)ctx; *(double *)p = 0; }
static parkit_status merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    *(double *)acc += *(const double *)later;
    return PARKIT_OK;
}

static const parkit_kernel kernel = {
    .name = "integral", .partial_size = sizeof(double), .flags = PARKIT_KERNEL_ORDERED,
    .grain = grain, .identity = identity, .run = run, .merge = merge,
};

static parkit_status setup(void *vs, uint64_t n, const void **ctx, uint64_t *lo, uint64_t *hi, const char **why)
{
    state *s = vs;
    if (n == 0) {
        *why = "N must be at least 1 interval";
        return PARKIT_EINVAL;
    }
    s->n = n;
    s->h = 1.0 / (double)n;
    *ctx = s;
    *lo = 0;
    *hi = n;
    return PARKIT_OK;
}

static void describe(void *vs, const void *result, char *buf, size_t len)
{
    snprintf(buf, len, "%.17g", *(const double *)result * ((state *)vs)->h);
}

/* |midpoint rule - pi| <= h^2 max|f''| / 24 = h^2 / 3 (max |f''| = 8, at 0), plus rounding:
 * N terms below 4, each sum's error below N * 4N * eps, times h */
static int verify(void *vs, const void *result, const char **reference)
{
    const state *s = vs;
    double v = *(const double *)result * s->h, n = (double)s->n;
    double bound = s->h * s->h / 3 + 4 * n * DBL_EPSILON + 4 * DBL_EPSILON;
    *reference = "pi, within the midpoint rule's error bound h^2/3 plus rounding";
    return fabs(v - PK_PI) <= bound;
}

static const parkit_problem problem = {
    .abi = PARKIT_ABI_VERSION, .name = "integral",
    .summary = "pi as the integral of 4/(1+x^2) on [0,1], midpoint rule in f64 (bit-identical for any ranks x threads)",
    .n_help = "intervals", .default_n = 100000000, .kernel = &kernel, .state_size = sizeof(state),
    .setup = setup, .describe = describe, .verify = verify,
};
PARKIT_EXPORT_PROBLEM(problem)

#ifndef PARKIT_MODULE
int main(int argc, char **argv) { return parkit_main(&problem, argc, argv); }
#endif
