/* The serial backend: the same pieces as the parallel backends, one after another, with no
 * OpenMP runtime anywhere in the timed path — the baseline every speedup is measured against. */
#include <string.h>
#include "pieces.h"

pk_status pk_serial_pieces(const pk_kernel *k, const void *ctx, pk_pieces *pc,
                           const pk_exec *exec, double *thread_seconds, const pk_poll *poll)
{
    pk_status err = PK_OK;
    double t0 = pk_wtime();
    pk_progress_start(exec, k->name, pc->n);
    for (size_t i = 0; i < pc->n && err == PK_OK; i++) {
        err = k->run(ctx, pk_piece_lo(pc, i), pk_piece_hi(pc, i), pk_piece_partial(pc, i));
        pk_progress_tick(1);
        if (poll)
            poll->fn(poll->arg);
    }
    pk_progress_end();
    if (thread_seconds)
        thread_seconds[0] = pk_wtime() - t0;
    return err;
}
