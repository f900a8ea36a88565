/* The reference for `parkit sum`: a plain `#pragma omp parallel for reduction(+)` loop over the
 * same array a[i] = i + 1 (first-touched in parallel, huge pages advised, like parkit).
 * usage: pk_ref_sum N REPEAT i64|f64   -> one line per timed run: "seconds GB/s" */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: pk_ref_sum N REPEAT i64|f64\n"), 2;
    long long n = (long long)strtod(argv[1], NULL);
    int repeat = atoi(argv[2]), f64 = argv[3][0] == 'f';
    size_t bytes = (size_t)n * 8;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return perror("mmap"), 1;
    madvise(p, bytes, MADV_HUGEPAGE);
    int64_t *a = p;
    double *d = p;
#pragma omp parallel for schedule(static)
    for (long long i = 0; i < n; i++) {
        if (f64)
            d[i] = (double)(i + 1);
        else
            a[i] = i + 1;
    }
    for (int r = -1; r < repeat; r++) {   /* r = -1: warm-up, not printed */
        double t0 = omp_get_wtime();
        int64_t s = 0;
        double sd = 0;
        if (f64) {
#pragma omp parallel for schedule(static) reduction(+ : sd)
            for (long long i = 0; i < n; i++)
                sd += d[i];
        } else {
#pragma omp parallel for schedule(static) reduction(+ : s)
            for (long long i = 0; i < n; i++)
                s += a[i];
        }
        double t = omp_get_wtime() - t0;
        int ok = f64 ? sd > 0 : s == (int64_t)((uint64_t)n * (uint64_t)(n + 1) / 2);   /* exact for n < 6e9 */
        if (r >= 0)
            printf("%.6f %.3f %s\n", t, (double)bytes / t / 1e9, ok ? "ok" : "WRONG");
    }
    return 0;
}
