/* A parallel-for that a driver lends to a kernel.  Kernels hold no OpenMP runtime (see
 * kernels/CMakeLists.txt): when a kernel has independent work inside one step (the pieces of
 * one big multiplication, the halves of a radix conversion, the blocks of a reference
 * sieve), it asks the runner it was given.  NULL means one thread: tasks run in order.
 * drivers/par_omp.c makes the OpenMP runner. */
#ifndef PK_PAR_H
#define PK_PAR_H
#include <stddef.h>

typedef int (*pk_par_fn)(void *arg, size_t i);   /* task i; 0 = done, non-zero = failed */

typedef struct pk_par {
    /* How many tasks could run at once here and now (1 inside a region whose threads are
     * already busy). */
    int (*width)(const struct pk_par *p);
    /* fn(arg, i) for every i in [0, n), possibly at once; 0, or 1 when a task failed. */
    int (*run)(const struct pk_par *p, size_t n, pk_par_fn fn, void *arg);
    void *env;
} pk_par;

static inline int pk_par_width(const pk_par *p)
{
    return p && p->width ? p->width(p) : 1;
}

static inline int pk_par_run(const pk_par *p, size_t n, pk_par_fn fn, void *arg)
{
    if (p && p->run && n > 1)
        return p->run(p, n, fn, arg);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (fn(arg, i) != 0)
            rc = 1;
    return rc;
}
#endif
