/* Feeds an example's verify() a wrong answer (tests/lib/libparkit.sh): the example's source is
 * included (-DEXAMPLE="path/x.c" -DEXAMPLE_<NAME>), its kernel run serially through
 * parkit_run, then verify() gets the right answer (must pass) and one moved just outside the
 * tolerance its method allows (must fail).  Prints "right: verified; wrong: refused". */
#define PARKIT_MODULE   /* the example's main() left out */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include EXAMPLE

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : problem.default_n;
    void *st = calloc(1, problem.state_size);
    const void *ctx;
    const char *why = NULL, *ref = NULL;
    uint64_t lo, hi;
    unsigned char result[256];
    parkit_exec ex = {.mode = PARKIT_MODE_SERIAL, .threads = 1};
    if (!st || problem.setup(st, n, &ctx, &lo, &hi, &why) != PARKIT_OK ||
        parkit_run(problem.kernel, ctx, lo, hi, &ex, result, NULL) != PARKIT_OK) {
        printf("setup or run failed: %s\n", why ? why : "");
        return 1;
    }
    int right = problem.verify(st, result, &ref);
#if defined(EXAMPLE_PI_MC)
    /* 7 standard deviations of the count away */
    double p = PK_PI / 4, sd = sqrt((double)n * p * (1 - p));
    *(uint64_t *)result += (uint64_t)(7 * sd) + 1;
#elif defined(EXAMPLE_INTEGRAL)
    /* 10 times the bound away (the partial is the sum before the factor h) */
    double h = 1.0 / (double)n, bound = h * h / 3 + 4 * (double)n * DBL_EPSILON + 4 * DBL_EPSILON;
    *(double *)result += 10 * bound / h;
#elif defined(EXAMPLE_HARMONIC)
    /* 10 times the bound away */
    double N = (double)n;
    *(double *)result += 10 * (1 / (60 * N * N * N * N) + N * 2.3e-16 * (log(N) + 1) + 1e-15);
#elif defined(EXAMPLE_OMEGA)
    /* one number moved from omega 3 to omega 2: the same count, a total one smaller */
    hist *hh = (hist *)result;
    hh->bins[3]--, hh->bins[2]++;
#endif
    int wrong = problem.verify(st, result, &ref);
    printf("right: %s; wrong: %s\n", right == 1 ? "verified" : "REFUSED", wrong == 1 ? "VERIFIED" : "refused");
    return 0;
}
