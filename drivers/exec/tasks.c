/* Independent tasks on threads: the Pool.map analogue (exec.h). */
#include "exec.h"

int pk_run_tasks_on(int threads, size_t n, pk_task_fn fn, void *arg)
{
    int rc = 0;
    if (threads < 2) {   /* in order, no OpenMP runtime */
        for (size_t i = 0; i < n; i++)
            if (fn(arg, i) != 0)
                rc = 1;
        return rc;
    }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (long i = 0; i < (long)n; i++)
        if (fn(arg, (size_t)i) != 0) {
#pragma omp atomic write
            rc = 1;
        }
    return rc;
}

int pk_run_tasks(const pk_exec *exec, size_t n, pk_task_fn fn, void *arg)
{
    return pk_run_tasks_on(pk_exec_local(exec).threads, n, fn, arg);
}
