/* H(N) = 1 + 1/2 + ... + 1/N in f64, bit-identical for any ranks x threads (ORDERED). */
#include <math.h>
#include <stdio.h>
#include <parkit.h>

static parkit_status run(const void *ctx, uint64_t lo, uint64_t hi, void *acc)
{
    double s = 0;
    for (uint64_t i = hi; i > lo; i--) s += 1.0 / (double)i;   /* small terms first */
    *(double *)acc += s;
    return (void)ctx, PARKIT_OK;
}
static parkit_status merge(const void *ctx, void *acc, const void *later)
{
    *(double *)acc += *(const double *)later;
    return (void)ctx, PARKIT_OK;
}
static uint64_t grain(const void *ctx) { return (void)ctx, 1u << 16; }
static void identity(const void *ctx, void *acc) { (void)ctx, *(double *)acc = 0; }
static const parkit_kernel kernel = {.name = "harmonic", .partial_size = sizeof(double),
    .flags = PARKIT_KERNEL_ORDERED, .grain = grain, .identity = identity, .run = run, .merge = merge};

static parkit_status setup(void *n, uint64_t N, const void **ctx, uint64_t *lo, uint64_t *hi, const char **why)
{
    *(uint64_t *)n = N, *ctx = NULL, *lo = 0, *hi = N;
    return N ? PARKIT_OK : (*why = "N must be at least 1", PARKIT_EINVAL);
}
static void describe(void *n, const void *r, char *buf, size_t len) { (void)n, snprintf(buf, len, "%.17g", *(const double *)r); }
static int verify(void *n, const void *r, const char **ref)   /* H(N) = ln N + gamma + 1/2N - 1/12N^2 + ... */
{
    double N = (double)*(uint64_t *)n, h = log(N) + 0.57721566490153286 + 1 / (2 * N) - 1 / (12 * N * N);
    *ref = "ln N + gamma + 1/2N - 1/12N^2, within 1/60N^4 + N eps H(N)";   /* any order of sums */
    return fabs(*(const double *)r - h) <= 1 / (60 * N * N * N * N) + N * 2.3e-16 * (log(N) + 1) + 1e-15;
}
static const parkit_problem problem = {.abi = PARKIT_ABI_VERSION, .name = "harmonic", .summary = "H(N) = 1 + 1/2 + ... + 1/N",
    .default_n = 1000000000, .kernel = &kernel, .state_size = sizeof(uint64_t), .setup = setup, .describe = describe, .verify = verify};
PARKIT_EXPORT_PROBLEM(problem)
#ifndef PARKIT_MODULE
int main(int argc, char **argv) { return parkit_main(&problem, argc, argv); }
#endif
