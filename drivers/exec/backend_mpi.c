/* The MPI backend (hybrid MPI + OpenMP): each rank takes a cost-balanced share of the range
 * and runs the OpenMP (or serial) backend on it; partials come home to rank 0.
 *  - kernels with a cost model: cyclic chunks (run_cyclic below);
 *  - plain partials: MPI_Reduce with a non-commutative user operation wrapping merge(), so
 *    shares combine in rank order;
 *  - partials that own memory (big integers): packed bytes up a binomial tree, multiplied at
 *    every step, so the large merges run on many ranks at once;
 *  - ordered kernels (f64): every block's partial is gathered and rank 0 merges them in the
 *    same fixed tree a single process uses, so the answer is bit-identical for any P x T. */
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include "pieces.h"
#include "mpi_env.h"

/* Memory for a message exchange that other ranks are already waiting in: a failure here
 * cannot be agreed on (the peers sit in MPI_Recv / a collective), so it ends the job. */
static void *comm_alloc(size_t n, const char *what)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        pk_mpi_abort(1, "out of memory (%zu bytes for %s)", n, what);
    return p;
}

/* MPI user operations carry no context: the kernel being reduced, set around MPI_Reduce, a
 * scratch partial, and the first failing merge's status (reported, never dropped). */
static const pk_kernel *op_kernel;
static const void *op_ctx;
static unsigned char *op_tmp;
static pk_status op_status;

static void merge_op(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    (void)dt;
    size_t ps = op_kernel->partial_size;
    for (int i = 0; i < *len; i++) {
        unsigned char *a = (unsigned char *)in + (size_t)i * ps, *b = (unsigned char *)inout + (size_t)i * ps;
        memcpy(op_tmp, a, ps);   /* in covers the earlier ranks: result = in (+) inout */
        pk_status s = op_kernel->merge(op_ctx, op_tmp, b);
        if (s != PK_OK && op_status == PK_OK)
            op_status = s;
        memcpy(b, op_tmp, ps);
    }
}

static pk_status reduce_plain(const pk_kernel *k, const void *ctx, void *partial, int rank)
{
    if (k->partial_size > INT_MAX)
        return PK_EINVAL;
    unsigned char *out = malloc(k->partial_size);
    op_tmp = malloc(k->partial_size);
    int ok = out && op_tmp, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);   /* every rank reduces, or none */
    if (!all) {
        free(out);
        free(op_tmp);
        op_tmp = NULL;
        return PK_ENOMEM;
    }
    MPI_Datatype t;
    MPI_Op op;
    MPI_Type_contiguous((int)k->partial_size, MPI_BYTE, &t);
    MPI_Type_commit(&t);
    MPI_Op_create(merge_op, 0 /* not commutative: keep rank order */, &op);
    op_kernel = k;
    op_ctx = ctx;
    op_status = PK_OK;
    int rc = MPI_Reduce(partial, out, 1, t, op, 0, MPI_COMM_WORLD);
    if (rank == 0 && rc == MPI_SUCCESS)
        memcpy(partial, out, k->partial_size);
    MPI_Op_free(&op);
    MPI_Type_free(&t);
    free(out);
    free(op_tmp);
    op_tmp = NULL;
    return rc != MPI_SUCCESS ? PK_EIO : op_status;   /* the caller's agreement fails every rank */
}

static int send_bytes(const void *buf, size_t len, int to)
{
    unsigned long long n = len;
    if (MPI_Send(&n, 1, MPI_UNSIGNED_LONG_LONG, to, 1, MPI_COMM_WORLD) != MPI_SUCCESS)
        return -1;
    for (size_t off = 0; off < len;) {
        int part = len - off > (size_t)INT_MAX ? INT_MAX : (int)(len - off);
        if (MPI_Send((const char *)buf + off, part, MPI_BYTE, to, 2, MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
        off += (size_t)part;
    }
    return 0;
}

static void *recv_bytes(size_t *len, int from)
{
    unsigned long long n;
    if (MPI_Recv(&n, 1, MPI_UNSIGNED_LONG_LONG, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return NULL;
    char *buf = comm_alloc((size_t)n, "a partial result from another rank");
    for (size_t off = 0; off < n;) {
        int part = n - off > (size_t)INT_MAX ? INT_MAX : (int)(n - off);
        if (MPI_Recv(buf + off, part, MPI_BYTE, from, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
            free(buf);
            return NULL;
        }
        off += (size_t)part;
    }
    *len = (size_t)n;
    return buf;
}

/* Binomial tree: at step s, rank r (a multiple of 2s) receives from r + s and merges. */
static pk_status reduce_tree(const pk_kernel *k, const void *ctx, void *partial, int rank, int P)
{
    pk_status err = PK_OK;
    for (int s = 1; s < P; s *= 2) {
        if (rank % (2 * s) == s) {
            size_t len = k->pack_size(ctx, partial);
            void *buf = comm_alloc(len, "packing a partial result");
            k->pack(ctx, partial, buf);
            int rc = send_bytes(buf, len, rank - s);
            free(buf);
            return rc == 0 ? err : PK_EIO;
        }
        if (rank % (2 * s) == 0 && rank + s < P) {
            size_t len = 0;
            void *buf = recv_bytes(&len, rank + s);
            if (!buf)
                pk_mpi_abort(1, "receiving a partial result from rank %d failed", rank + s);
            unsigned char small[256];
            unsigned char *later = k->partial_size > sizeof small
                                       ? comm_alloc(k->partial_size, "a partial result")
                                       : small;
            k->identity(ctx, later);
            pk_status u = k->unpack(ctx, later, buf, len);
            free(buf);
            if (u == PK_OK)
                u = k->merge(ctx, partial, later);
            if (k->release)
                k->release(ctx, later);
            if (later != small)
                free(later);
            if (u != PK_OK)
                err = u;
        }
    }
    return err;
}

/* ---- cyclic chunks: kernels with a cost model ----
 * A cost model is an estimate, and its error drifts smoothly along the range: one contiguous
 * share per rank turns that drift into imbalance between ranks (pi(x) by LMO: 1.18 at 2 ranks).
 * So the range is cut into PK_MPI_CHUNKS chunks of equal modelled cost per rank (fewer when
 * their partials would pass PK_MPI_CHUNK_BYTES, or a chunk would be shorter than the kernel's
 * grain: the far sieve's pieces each pay to place every sieving prime), dealt
 * cyclically (chunk j to rank j mod P), and each rank's share of the error averages out.  A
 * rank computes the pieces of all its chunks in one pass (threads stay busy across chunk
 * ends), merges each chunk's pieces, and rank 0 merges the chunk partials in chunk order as
 * they arrive: at most two partials in flight at rank 0, whatever the chunk count. */
#define PK_MPI_CHUNKS 64
#define PK_MPI_CHUNK_BYTES ((uint64_t)64 << 20)   /* chunk partials' total at most (or P) */

static pk_status run_cyclic(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                            const pk_exec *exec, const pk_exec *local, void *result,
                            pk_run_stats *st, double t0, double *compute_out, double *merge_out)
{
    int rank = exec->rank, P = exec->nranks;
    const size_t ps = k->partial_size;
    uint64_t len = hi - lo;
    uint64_t g = k->grain ? k->grain(ctx) : 1;
    uint64_t m64 = (uint64_t)P * PK_MPI_CHUNKS;
    if (g > 1 && m64 > len / g)
        m64 = len / g;   /* a chunk is at least a piece: pieces may carry a start-up cost */
    if (ps && m64 > PK_MPI_CHUNK_BYTES / ps)
        m64 = PK_MPI_CHUNK_BYTES / ps;
    if (m64 > len)
        m64 = len;
    if (m64 < (uint64_t)P)
        m64 = (uint64_t)P;
    const int m = (int)m64;
    const int mine = m / P + (rank < m % P);   /* chunks rank, rank + P, ... */
    uint64_t *cut = malloc(((size_t)m + 1) * sizeof *cut);
    pk_pieces *sub = calloc((size_t)mine + 1, sizeof *sub);
    size_t *first = calloc((size_t)mine + 1, sizeof *first);   /* first piece of each chunk */
    pk_pieces pc;
    memset(&pc, 0, sizeof pc);
    int ok = cut && sub && first && ps <= INT_MAX;
    if (ok) {
        pk_split_by_cost(k, ctx, lo, hi, m, cut);
        for (int c = 0; c < mine; c++) {
            int j = rank + c * P;
            pk_pieces_plan(&sub[c], k, ctx, cut[j], cut[j + 1], local->threads);
            first[c] = pc.n;
            pc.n += sub[c].n;
        }
        first[mine] = pc.n;
        pc.lo = lo;
        pc.hi = hi;
        pc.psize = ps;
        pc.bounds = malloc((pc.n ? pc.n : 1) * 2 * sizeof *pc.bounds);
        ok = pc.bounds != NULL;
        for (int c = 0; ok && c < mine; c++)
            for (size_t i = 0; i < sub[c].n; i++) {
                pc.bounds[2 * (first[c] + i)] = pk_piece_lo(&sub[c], i);
                pc.bounds[2 * (first[c] + i) + 1] = pk_piece_hi(&sub[c], i);
            }
        if (ok && pk_pieces_alloc(&pc, k, ctx) != PK_OK)
            ok = 0;
    }
    unsigned char *tmp = ok && rank == 0 ? malloc(ps ? ps : 1) : NULL;
    if (rank == 0 && !tmp)
        ok = 0;
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);   /* every rank runs, or none */
    if (!all) {
        if (pc.parts)
            pk_pieces_free(&pc, k, ctx);
        free(pc.bounds), free(cut), free(sub), free(first), free(tmp);
        return ok ? PK_EIO : PK_ENOMEM;
    }
    pk_status err = PK_OK;
    if (pc.n)
        err = pk_compute_pieces(k, ctx, &pc, local, st ? st->thread_seconds : NULL);
    /* each chunk's pieces merged into its first piece (the chunk's partial) */
    for (int c = 0; c < mine; c++) {
        pk_status r = pk_merge_tree_serial(k, ctx, pc.parts + first[c] * ps, ps, first[c + 1] - first[c]);
        if (r != PK_OK && err == PK_OK)
            err = r;
    }
    *compute_out = MPI_Wtime() - t0;
    double t1 = MPI_Wtime(), merged = 0;
    if (rank == 0) {
        k->identity(ctx, result);
        for (int j = 0; j < m; j++) {
            const void *later;
            if (j % P == 0) {
                later = pk_piece_partial(&pc, first[j / P]);
            } else {
                if (MPI_Recv(tmp, (int)ps, MPI_BYTE, j % P, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                    pk_mpi_abort(1, "receiving a partial result from rank %d failed", j % P);
                later = tmp;
            }
            double tm = MPI_Wtime();
            pk_status r = k->merge(ctx, result, later);
            merged += MPI_Wtime() - tm;
            if (r != PK_OK && err == PK_OK)
                err = r;
        }
    } else {
        /* in chunk order: MPI keeps the order of messages between two ranks on one tag */
        for (int c = 0; c < mine; c++)
            if (MPI_Send(pk_piece_partial(&pc, first[c]), (int)ps, MPI_BYTE, 0, 3, MPI_COMM_WORLD) != MPI_SUCCESS)
                err = PK_EIO;
        k->identity(ctx, result);
    }
    *merge_out = merged;
    if (st)
        st->comm_seconds = MPI_Wtime() - t1 - merged;
    pk_pieces_free(&pc, k, ctx);
    free(pc.bounds), free(cut), free(sub), free(first), free(tmp);
    return err;
}

pk_status pk_backend_mpi(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                         const pk_exec *exec, void *result, pk_run_stats *st)
{
    int rank = exec->rank, P = exec->nranks;
    pk_exec local = pk_exec_local(exec);
    uint64_t a, b;
    pk_rank_share(k, ctx, lo, hi, rank, P, &a, &b);

    MPI_Barrier(MPI_COMM_WORLD);   /* everyone starts together: the time is the job's */
    double t0 = MPI_Wtime();
    pk_status err = PK_OK;
    double compute = 0, merge = 0;
    if ((k->flags & PK_KERNEL_ORDERED) && k->pack)
        return PK_EINVAL;   /* not supported: ORDERED partials travel as plain bytes (parkit.h) */
    if (k->flags & PK_KERNEL_ORDERED) {
        pk_pieces pc;
        pk_pieces_plan(&pc, k, ctx, a, b, local.threads);
        if (a == b)
            pc.n = 0;   /* an idle rank adds no block, so the global block list is the same */
        err = pk_pieces_alloc(&pc, k, ctx);
        if (err == PK_OK && pc.n)
            err = pk_compute_pieces(k, ctx, &pc, &local, st ? st->thread_seconds : NULL);
        compute = MPI_Wtime() - t0;
        /* gather every block partial to rank 0 in rank order */
        int mine = err == PK_OK ? (int)(pc.n * pc.psize) : 0;   /* a failed rank sends nothing */
        int *counts = rank == 0 ? comm_alloc((size_t)P * sizeof(int), "block counts") : NULL;
        int *displs = rank == 0 ? comm_alloc((size_t)P * sizeof(int), "block offsets") : NULL;
        MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
        unsigned char *all = NULL;
        size_t total = 0;
        if (rank == 0) {
            for (int r = 0; r < P; r++) {
                displs[r] = (int)total;
                total += (size_t)counts[r];
            }
            all = comm_alloc(total, "the gathered block partials");
        }
        MPI_Gatherv(pc.parts, mine, MPI_BYTE, all, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
        double t1 = MPI_Wtime();
        if (rank == 0) {
            size_t n = total / pc.psize;
            if (n == 0) {
                k->identity(ctx, result);
            } else {
                err = pk_merge_tree_omp(k, ctx, all, pc.psize, n, local.threads);
                memcpy(result, all, pc.psize);
            }
        } else {
            k->identity(ctx, result);
        }
        merge = MPI_Wtime() - t1;
        free(all), free(counts), free(displs);
        pk_pieces_free(&pc, k, ctx);
        if (st)
            st->comm_seconds = t1 - t0 - compute;
    } else if (k->cost && !k->pack && P > 1 && hi > lo + 1) {
        err = run_cyclic(k, ctx, lo, hi, exec, &local, result, st, t0, &compute, &merge);
    } else {
        pk_run_stats ls = {.thread_seconds = st ? st->thread_seconds : NULL};
        err = pk_backend_run(k, ctx, a, b, &local, result, &ls);
        compute = MPI_Wtime() - t0;
        double t1 = MPI_Wtime();
        pk_status r = k->pack ? reduce_tree(k, ctx, result, rank, P) : reduce_plain(k, ctx, result, rank);
        if (err == PK_OK)
            err = r;
        if (st)
            st->comm_seconds = MPI_Wtime() - t1;
        merge = ls.merge_seconds;
    }
    /* a failure anywhere fails the run everywhere */
    int e = err, any;
    MPI_Allreduce(&e, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (st) {
        st->seconds = MPI_Wtime() - t0;
        st->merge_seconds = merge;
        double *all = rank == 0 ? comm_alloc((size_t)P * sizeof *all, "per-rank times") : NULL;
        MPI_Gather(&compute, 1, MPI_DOUBLE, all, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (all && st->rank_seconds)
            memcpy(st->rank_seconds, all, (size_t)P * sizeof *all);
        free(all);
    }
    return (pk_status)any;
}

pk_status pk_backend_collect_bytes(const pk_exec *exec, unsigned char *buf, size_t len)
{
    if (exec->nranks == 1 || !len)
        return PK_OK;
    for (size_t off = 0; off < len;) {
        int part = len - off > (size_t)INT_MAX ? INT_MAX : (int)(len - off);
        int rc = exec->rank == 0
                     ? MPI_Reduce(MPI_IN_PLACE, buf + off, part, MPI_UNSIGNED_CHAR, MPI_MAX, 0, MPI_COMM_WORLD)
                     : MPI_Reduce(buf + off, NULL, part, MPI_UNSIGNED_CHAR, MPI_MAX, 0, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return PK_EIO;
        off += (size_t)part;
    }
    return PK_OK;
}
