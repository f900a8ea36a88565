/* Which backend runs a mode, and the single-process backends (serial and OpenMP differ only in
 * how pieces are computed and merged). Adding a backend: its file, one row in `backends`. */
#include <string.h>
#include "pieces.h"

/* ---- the one mapping from a mode to how one process computes ------------------ */

pk_exec pk_exec_local(const pk_exec *exec)
{
    pk_exec local = *exec;
    local.nranks = 1;
    local.rank = 0;
    if (exec->mode == PK_MODE_SERIAL || exec->mode == PK_MODE_MPI) {
        local.mode = PK_MODE_SERIAL;   /* one thread per process, no OpenMP in the timed path */
        local.threads = 1;
    } else {
        local.mode = PK_MODE_OMP;
    }
    return local;
}

/* ---- one process: serial or OpenMP ------------------------------------------ */

/* Plan pieces, compute them (serially or with OpenMP), merge them in the fixed tree and move
 * the answer into *result. The two single-process backends differ only in those two steps. */
static pk_status run_local(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                           const pk_exec *exec, void *result, pk_run_stats *st)
{
    pk_exec local = pk_exec_local(exec);
    int omp = local.mode == PK_MODE_OMP;
    pk_pieces pc;
    double t0 = pk_wtime();
    pk_pieces_plan(&pc, k, ctx, lo, hi, local.threads);
    pk_status err = pk_pieces_alloc(&pc, k, ctx);
    if (err == PK_OK)
        err = pk_compute_pieces(k, ctx, &pc, &local, st ? st->thread_seconds : NULL);
    double t1 = pk_wtime();
    if (err == PK_OK)
        err = omp ? pk_merge_tree_omp(k, ctx, pc.parts, pc.psize, pc.n, local.threads)
                  : pk_merge_tree_serial(k, ctx, pc.parts, pc.psize, pc.n);
    if (err == PK_OK) {
        memcpy(result, pc.parts, pc.psize);   /* the answer moves out of slot 0 */
        k->identity(ctx, pc.parts);
    } else {
        k->identity(ctx, result);
    }
    pk_pieces_free(&pc, k, ctx);
    if (st) {
        st->seconds = pk_wtime() - t0;
        st->merge_seconds = st->seconds - (t1 - t0);
        st->comm_seconds = 0;
    }
    return err;
}

pk_status pk_backend_serial(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                            void *result, pk_run_stats *st)
{
    pk_exec one = {.mode = PK_MODE_SERIAL, .threads = 1, .nranks = 1};
    return run_local(k, ctx, lo, hi, &one, result, st);
}

/* ---- dispatch: one row per backend -------------------------------------------- */

static const struct {
    pk_mode mode;
    pk_backend_fn run;
} backends[] = {
    {PK_MODE_SERIAL, run_local},
    {PK_MODE_OMP, run_local},
#ifdef PK_HAVE_MPI
    {PK_MODE_MPI, pk_backend_mpi},
    {PK_MODE_HYBRID, pk_backend_mpi},
#endif
};

pk_status pk_backend_run(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                         const pk_exec *exec, void *result, pk_run_stats *st)
{
    pk_mode m = exec->mode == PK_MODE_AUTO ? PK_MODE_OMP : exec->mode;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (backends[i].mode == m)
            return backends[i].run(k, ctx, lo, hi, exec, result, st);
    return PK_EINVAL;   /* a mode this build has no backend for (MPI without MPI) */
}

#ifndef PK_HAVE_MPI
pk_status pk_backend_collect_bytes(const pk_exec *exec, unsigned char *buf, size_t len)
{
    (void)exec, (void)buf, (void)len;
    return PK_OK;
}
#endif
