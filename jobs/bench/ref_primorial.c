/* The reference for `parkit primorial`: GMP's own single-threaded mpz_primorial_ui.
 * usage: pk_ref_primorial N REPEAT   -> one line per timed run: "seconds bits" */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return fprintf(stderr, "usage: pk_ref_primorial N REPEAT\n"), 2;
    unsigned long n = (unsigned long)strtod(argv[1], NULL);
    int repeat = atoi(argv[2]);
    for (int r = 0; r < repeat; r++) {
        mpz_t z;
        mpz_init(z);
        double t0 = now();
        mpz_primorial_ui(z, n);
        double t = now() - t0;
        printf("%.6f %zu\n", t, mpz_sizeinbase(z, 2));
        mpz_clear(z);
    }
    return 0;
}
