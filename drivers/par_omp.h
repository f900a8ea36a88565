/* The OpenMP runner lent to kernels for the parallel work inside one step (kernels/pk_par.h). */
#ifndef PK_PAR_OMP_H
#define PK_PAR_OMP_H
#include "pk_par.h"

typedef struct pk_par_omp {
    pk_par par;
    int threads;
} pk_par_omp;

/* A runner of up to `threads` threads.  Its width is `threads` outside any active parallel
 * region and 1 inside one (those threads are busy: no nested teams); with threads == 1 it
 * never touches the OpenMP runtime.  Returns &p->par. */
const pk_par *pk_par_omp_init(pk_par_omp *p, int threads);
#endif
