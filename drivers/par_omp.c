/* The OpenMP runner lent to kernels (par_omp.h). */
#include <omp.h>
#include "par_omp.h"

static int omp_width(const pk_par *p)
{
    const pk_par_omp *o = p->env;
    if (o->threads < 2)
        return 1;
    return omp_get_active_level() == 0 ? o->threads : 1;
}

static int omp_run(const pk_par *p, size_t n, pk_par_fn fn, void *arg)
{
    int w = omp_width(p), rc = 0;
    if (w > (long)n)
        w = (int)n;
    if (w < 2) {   /* in order, no OpenMP runtime */
        for (size_t i = 0; i < n; i++)
            if (fn(arg, i) != 0)
                rc = 1;
        return rc;
    }
#pragma omp parallel for num_threads(w) schedule(dynamic, 1)
    for (long i = 0; i < (long)n; i++)
        if (fn(arg, (size_t)i) != 0) {
#pragma omp atomic write
            rc = 1;
        }
    return rc;
}

const pk_par *pk_par_omp_init(pk_par_omp *p, int threads)
{
    p->threads = threads < 1 ? 1 : threads;
    p->par = (pk_par){.width = omp_width, .run = omp_run, .env = p};
    return &p->par;
}
