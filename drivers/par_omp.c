/* The OpenMP runner lent to kernels (par_omp.h). */
#include <omp.h>
#include "exec.h"
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
    int w = omp_width(p);
    if (w > (long)n)
        w = (int)n;
    return pk_run_tasks_on(w, n, fn, arg);   /* pk_par_fn and pk_task_fn are the same type */
}

const pk_par *pk_par_omp_init(pk_par_omp *p, int threads)
{
    p->threads = threads < 1 ? 1 : threads;
    p->par = (pk_par){.width = omp_width, .run = omp_run, .env = p};
    return &p->par;
}
