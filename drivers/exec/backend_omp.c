/* The OpenMP backend: pieces handed to threads by the user's schedule, one partial per piece
 * (no shared accumulator), merged in the fixed tree with the pairs of each level in parallel. */
#include <omp.h>
#include <string.h>
#include <time.h>
#include "pieces.h"

static omp_sched_t omp_kind(pk_sched s)
{
    switch (s) {
    case PK_SCHED_DYNAMIC: return omp_sched_dynamic;
    case PK_SCHED_GUIDED: return omp_sched_guided;
    case PK_SCHED_STATIC: break;
    }
    return omp_sched_static;
}

pk_status pk_omp_pieces(const pk_kernel *k, const void *ctx, pk_pieces *pc, const pk_exec *exec,
                        double *thread_seconds, const pk_poll *poll)
{
    int err = PK_OK;
    const long n = (long)pc->n;
    long left = n;   /* pieces not finished yet (the polling thread waits on it) */
    omp_set_schedule(omp_kind(exec->sched), exec->chunk > 0 ? (int)exec->chunk : 0);
    pk_progress_start(exec, k->name, pc->n);
    /* one piece: no team (its start costs more than small work itself, and under load a
     * thread waiting to be scheduled holds the whole run up) */
#pragma omp parallel num_threads(exec->threads) if (n > 1)
    {
        double busy = 0;
#pragma omp for schedule(runtime) nowait
        for (long i = 0; i < n; i++) {
            double t0 = omp_get_wtime();
            pk_status s = k->run(ctx, pk_piece_lo(pc, (size_t)i), pk_piece_hi(pc, (size_t)i),
                                 pk_piece_partial(pc, (size_t)i));
            busy += omp_get_wtime() - t0;
            if (s != PK_OK) {
#pragma omp atomic write
                err = s;
            }
            pk_progress_tick(1);
#pragma omp atomic update
            left--;
            if (poll && omp_get_thread_num() == 0)
                poll->fn(poll->arg);
        }
        /* the polling thread keeps polling until the last piece is done (0.2 ms naps) */
        for (long l = 1; poll && omp_get_thread_num() == 0 && l > 0;) {
#pragma omp atomic read
            l = left;
            if (l > 0) {
                poll->fn(poll->arg);
                nanosleep(&(struct timespec){.tv_nsec = 200000}, NULL);
            }
        }
        if (thread_seconds)
            thread_seconds[omp_get_thread_num()] = busy;
    }
    pk_progress_end();
    return (pk_status)err;
}
