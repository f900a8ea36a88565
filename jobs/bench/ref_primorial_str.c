/* The reference for `parkit primorial --output`: GMP's mpz_primorial_ui, then one
 * single-threaded mpz_get_str, and (optionally) the digits written to FILE.
 * usage: pk_ref_primorial_str N REPEAT [FILE]
 *   -> one line per timed run: "primorial_seconds get_str_seconds digits" */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4)
        return fprintf(stderr, "usage: pk_ref_primorial_str N REPEAT [FILE]\n"), 2;
    unsigned long n = (unsigned long)strtod(argv[1], NULL);
    int repeat = atoi(argv[2]);
    for (int r = 0; r < repeat; r++) {
        mpz_t z;
        mpz_init(z);
        double t0 = now();
        mpz_primorial_ui(z, n);
        double t1 = now();
        char *s = mpz_get_str(NULL, 10, z);
        double t2 = now();
        size_t len = strlen(s);
        printf("%.6f %.6f %zu\n", t1 - t0, t2 - t1, len);
        if (argc == 4 && r == repeat - 1) {
            FILE *f = fopen(argv[3], "w");
            if (!f || fwrite(s, 1, len, f) != len || fputc('\n', f) == EOF || fclose(f) != 0)
                return fprintf(stderr, "pk_ref_primorial_str: cannot write %s\n", argv[3]), 1;
        }
        void (*freefn)(void *, size_t);
        mp_get_memory_functions(NULL, NULL, &freefn);
        freefn(s, len + 1);
        mpz_clear(z);
    }
    return 0;
}
