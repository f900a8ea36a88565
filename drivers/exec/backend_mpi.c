/* The MPI backend (hybrid MPI + OpenMP): each rank takes a cost-balanced share of the range
 * and runs the OpenMP (or serial) backend on it; partials come home to rank 0.
 *  - kernels with a cost model: chunks of equal modelled cost, half dealt in turn, half on
 *    demand by rank 0 (run_dealt below);
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

/* ---- chunks by cost, half dealt in turn, half on demand: kernels with a cost model ----
 * A cost model is an estimate, and its error drifts smoothly along the range: one contiguous
 * share per rank turns that drift into imbalance between ranks (pi(x) by LMO: 1.18 at 2 ranks).
 * So the range is cut into chunks of equal modelled cost, PK_MPI_CHUNKS per rank (fewer when
 * their partials would pass PK_MPI_CHUNK_BYTES, or a chunk would be shorter than the kernel's
 * grain: the far sieve's pieces each pay to place every sieving prime).
 *  - The first half of the chunks is dealt in turn (chunk j to rank j mod P): the model's
 *    error averages out over each rank's share, and no rank waits for work at the start.
 *  - The second half is dealt on demand by rank 0 (deal_take, deal_settle), so a rank that
 *    runs slower (a shared core, a slower node) takes fewer.  A static split alone left
 *    1.06-1.08 rank imbalance at pi(1e15 .. 1e16) on the 2-core VM, whose cores change speed
 *    from run to run; the model itself splits evenly (0.498 / 0.502 of the measured time).
 * Every other rank keeps PK_MPI_ASK_AHEAD requests open: it asks again each time it starts
 * on a batch, so while it works on one, the next is on its way.  Rank 0 answers between its
 * own pieces (pk_poll: MPI is FUNNELED, so only its calling thread does), holds an answer back
 * while the rank still has a batch in reserve, and once every chunk is dealt answers each
 * open request with "none".  Each rank keeps its chunks' partials in chunk order; rank 0 then
 * merges all of them in chunk order, taking each from the rank that computed it (MPI keeps
 * the order of messages from one rank on one tag): the same merges in the same order,
 * whoever computed what. */
#define PK_MPI_CHUNKS 64
#define PK_MPI_CHUNK_BYTES ((uint64_t)64 << 20)   /* chunk partials' total at most (or P) */
/* requests a rank keeps open: with one, a rank that finished its chunks before rank 0 came
 * to answer waited (8% of pi(1e15)'s time at 2 ranks: rank 0 answers between pieces); rank 0
 * holds an answer back while the rank has a batch in reserve (deal_settle) */
#define PK_MPI_ASK_AHEAD 2
/* a guided batch is what is left / (PK_MPI_GUIDE * P): with 2, a rank held 16 chunks in
 * reserve when rank 0 ran dry (pi(1e15), 2 ranks: one ended 0.13 s = 13% after the other,
 * 1 run in 6); with 4 the gap stayed under 12 ms in 6 runs */
#define PK_MPI_GUIDE 4
#define TAG_PART 3
#define TAG_ASK 4
#define TAG_GIVE 5

typedef struct {
    const pk_kernel *k;
    const void *ctx;
    const pk_exec *local;
    const uint64_t *cut;         /* chunk j is [cut[j], cut[j + 1]) */
    int m, P, rank;
    int next, stopped;           /* rank 0: first chunk not dealt; "none" answers sent */
    int *owner;                  /* rank 0: which rank computes each chunk */
    int *asked, *given, *open;   /* rank 0, per rank: requests received, batches given,
                                    requests not answered yet */
    unsigned char *store;        /* this rank's chunk partials, in chunk order */
    size_t nstore, cap;
    pk_status err;
    double *thread_seconds;      /* NULL, or the caller's per-thread sums */
    double *tsec;                /* one call's per-thread times */
    size_t expect;               /* rank 0: pieces it expects to run (the progress total) */
} deal;

/* Rank 0: the next chunks to rank `who`, their count: `want` (the rank's threads), or with
 * `guided` a share of what is left as guided self-scheduling does (remaining / 4P: large
 * batches while much is left, single chunks at the end), and at least `want`.  A rank is
 * guided once it has shown its pace: its first batch is given while it is still on its share
 * dealt in turn, and a large one then would bind work to a rank that may be slow. */
static int deal_take(deal *d, int want, int who, int guided)
{
    int left = d->m - d->next, n = guided ? left / (PK_MPI_GUIDE * d->P) : want;
    if (n < want)
        n = want;
    if (n > left)
        n = left;
    for (int i = 0; i < n; i++)
        d->owner[d->next + i] = who;
    d->next += n;
    return n;
}

/* Rank 0: answer rank r's open requests while it has no batch in reserve (given, not started)
 * or nothing is left to deal.  A rank asks each time it starts a batch, so it has started
 * asked - PK_MPI_ASK_AHEAD of them: one batch in reserve covers rank 0's delay in answering
 * (it answers between its pieces), and no more, so the last chunks go to whoever is free. */
static void deal_settle(deal *d, int r, int want)
{
    while (d->open[r] > 0) {
        int started = d->asked[r] > PK_MPI_ASK_AHEAD ? d->asked[r] - PK_MPI_ASK_AHEAD : 0;
        if (d->next < d->m && d->given[r] > started)
            return;   /* it has a batch to go on with: the answer can wait */
        int give[2] = {d->next, deal_take(d, want < 1 ? 1 : want, r, started > 0)};
        if (give[1] == 0)
            d->stopped++;
        else
            d->given[r]++;
        d->open[r]--;
        if (MPI_Send(give, 2, MPI_INT, r, TAG_GIVE, MPI_COMM_WORLD) != MPI_SUCCESS)
            pk_mpi_abort(1, "sending work to rank %d failed", r);
    }
}

/* Rank 0: receive one request (from `src`, or any rank) and answer what can be answered. */
static void deal_answer(deal *d, int src)
{
    int want = 0;
    MPI_Status s;
    if (MPI_Recv(&want, 1, MPI_INT, src, TAG_ASK, MPI_COMM_WORLD, &s) != MPI_SUCCESS)
        pk_mpi_abort(1, "receiving a request for work failed");
    d->asked[s.MPI_SOURCE]++;
    d->open[s.MPI_SOURCE]++;
    deal_settle(d, s.MPI_SOURCE, want);
}

/* Rank 0, between its pieces: answer every request that has arrived. */
static void deal_serve(void *arg)
{
    deal *d = arg;
    for (;;) {
        int flag = 0;
        MPI_Status s;
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &flag, &s) != MPI_SUCCESS)
            pk_mpi_abort(1, "waiting for requests for work failed");
        if (!flag)
            return;
        deal_answer(d, s.MPI_SOURCE);
    }
}

/* Room for n more chunk partials in d->store (a failure here cannot be agreed on: the other
 * ranks are in the exchange). */
static void deal_reserve(deal *d, size_t n)
{
    size_t ps = d->k->partial_size;
    if (d->nstore + n <= d->cap)
        return;
    size_t cap = d->cap * 2 > d->nstore + n ? d->cap * 2 : d->nstore + n;
    unsigned char *s = realloc(d->store, (cap ? cap : 1) * (ps ? ps : 1));
    if (!s)
        pk_mpi_abort(1, "out of memory (%zu chunk partials)", cap);
    d->store = s;
    d->cap = cap;
}

/* Compute chunks idx[0 .. n) (increasing) in one pass of pieces (threads stay busy across
 * chunk ends) and append their partials to d->store.  After a failure the chunks still get
 * partials (the identity), so the exchange goes on; the run fails at the end. */
static void deal_compute(deal *d, const int *idx, int n, const pk_poll *poll)
{
    const pk_kernel *k = d->k;
    const size_t ps = k->partial_size;
    deal_reserve(d, (size_t)n);
    pk_pieces *sub = calloc((size_t)n + 1, sizeof *sub);
    size_t *first = calloc((size_t)n + 1, sizeof *first);   /* first piece of each chunk */
    pk_pieces pc;
    memset(&pc, 0, sizeof pc);
    int ok = sub && first && d->err == PK_OK;
    if (ok) {
        for (int c = 0; c < n; c++) {
            pk_pieces_plan(&sub[c], k, d->ctx, d->cut[idx[c]], d->cut[idx[c] + 1], d->local->threads);
            first[c] = pc.n;
            pc.n += sub[c].n;
        }
        first[n] = pc.n;
        pc.lo = d->cut[idx[0]];
        pc.hi = d->cut[idx[n - 1] + 1];
        pc.psize = ps;
        pc.bounds = malloc((pc.n ? pc.n : 1) * 2 * sizeof *pc.bounds);
        ok = pc.bounds != NULL;
        for (int c = 0; ok && c < n; c++)
            for (size_t i = 0; i < sub[c].n; i++) {
                pc.bounds[2 * (first[c] + i)] = pk_piece_lo(&sub[c], i);
                pc.bounds[2 * (first[c] + i) + 1] = pk_piece_hi(&sub[c], i);
            }
        if (ok && pk_pieces_alloc(&pc, k, d->ctx) != PK_OK)
            ok = 0;
    }
    if (!ok && d->err == PK_OK)
        d->err = PK_ENOMEM;
    if (ok) {
        if (d->rank == 0 && pk_progress_done() + pc.n > d->expect)
            pk_progress_total(d->expect = pk_progress_done() + pc.n);
        pk_status r = pk_compute_pieces_polled(k, d->ctx, &pc, d->local, d->tsec, poll);
        if (d->thread_seconds)
            for (int t = 0; t < d->local->threads; t++)
                d->thread_seconds[t] += d->tsec[t];
        /* each chunk's pieces merged into its first piece: the chunk's partial */
        for (int c = 0; c < n; c++) {
            pk_status m = pk_merge_tree_serial(k, d->ctx, pc.parts + first[c] * ps, ps, first[c + 1] - first[c]);
            if (r == PK_OK)
                r = m;
        }
        if (r != PK_OK && d->err == PK_OK)
            d->err = r;
    }
    for (int c = 0; c < n; c++) {
        unsigned char *slot = d->store + (d->nstore + (size_t)c) * ps;
        if (ok) {   /* the partial moves to the store; its piece keeps a fresh identity */
            memcpy(slot, pk_piece_partial(&pc, first[c]), ps);
            k->identity(d->ctx, pk_piece_partial(&pc, first[c]));
        } else {
            k->identity(d->ctx, slot);
        }
    }
    d->nstore += (size_t)n;
    if (pc.parts)
        pk_pieces_free(&pc, k, d->ctx);
    free(pc.bounds), free(sub), free(first);
}

static pk_status run_dealt(const pk_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
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
    const int S = m / (2 * P) * P;   /* chunks [0, S) dealt in turn, [S, m) on demand */
    const int mine = S / P;
    deal d = {.k = k, .ctx = ctx, .local = local, .m = m, .P = P, .rank = rank, .next = S,
              .err = PK_OK, .thread_seconds = st ? st->thread_seconds : NULL};
    uint64_t *cut = malloc(((size_t)m + 1) * sizeof *cut);
    int *idx = malloc(((size_t)m + 1) * sizeof *idx);   /* the chunks of one pass */
    d.tsec = calloc((size_t)local->threads, sizeof *d.tsec);
    d.owner = rank == 0 ? malloc((size_t)m * sizeof *d.owner) : NULL;
    d.asked = rank == 0 ? calloc(3 * (size_t)P, sizeof *d.asked) : NULL;
    if (d.asked) {
        d.given = d.asked + P;
        d.open = d.asked + 2 * P;
    }
    unsigned char *tmp = rank == 0 ? malloc(ps ? ps : 1) : NULL;
    d.cap = (size_t)mine + 1;   /* room for the chunks dealt in turn (more as they come) */
    d.store = malloc(d.cap * (ps ? ps : 1));
    int ok = cut && idx && d.tsec && d.store && ps <= INT_MAX && (rank != 0 || (d.owner && d.asked && tmp));
    if (ok) {
        d.cut = cut;
        pk_split_by_cost(k, ctx, lo, hi, m, cut);
        for (int c = 0; c < mine; c++)
            idx[c] = rank + c * P;
        if (rank == 0)
            for (int j = 0; j < S; j++)
                d.owner[j] = j % P;
    }
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);   /* every rank runs, or none */
    if (!all) {
        free(cut), free(idx), free(d.tsec), free(d.owner), free(d.asked), free(tmp), free(d.store);
        return ok ? PK_EIO : PK_ENOMEM;
    }
    if (d.thread_seconds)
        memset(d.thread_seconds, 0, (size_t)local->threads * sizeof *d.thread_seconds);
    const int want = local->threads;
    if (rank == 0) {
        /* progress: its own pieces, about a P-th of all (revised as chunks are taken) */
        size_t pieces = 0;
        for (int j = 0; j < m; j++) {
            pk_pieces one;
            pk_pieces_plan(&one, k, ctx, cut[j], cut[j + 1], local->threads);
            pieces += one.n;
        }
        d.expect = (pieces + (size_t)P - 1) / (size_t)P;
        pk_progress_hold(exec, k->name, d.expect);
        pk_poll poll = {deal_serve, &d};
        if (mine)
            deal_compute(&d, idx, mine, &poll);
        for (int n; (n = deal_take(&d, want, 0, 1)) > 0;) {
            for (int i = 0; i < n; i++)
                idx[i] = d.next - n + i;
            deal_compute(&d, idx, n, &poll);
        }
        *compute_out = MPI_Wtime() - t0;
        pk_progress_release();
        for (int r = 1; r < P; r++)   /* all dealt: the open requests get "none" */
            deal_settle(&d, r, want);
        while (d.stopped < PK_MPI_ASK_AHEAD * (P - 1))
            deal_answer(&d, MPI_ANY_SOURCE);
        if (st && st->rank_chunks) {
            memset(st->rank_chunks, 0, (size_t)P * sizeof *st->rank_chunks);
            for (int j = 0; j < m; j++)
                st->rank_chunks[d.owner[j]]++;
        }
    } else {
        for (int q = 0; q < PK_MPI_ASK_AHEAD; q++)
            if (MPI_Send(&want, 1, MPI_INT, 0, TAG_ASK, MPI_COMM_WORLD) != MPI_SUCCESS)
                pk_mpi_abort(1, "asking rank 0 for work failed");
        if (mine)
            deal_compute(&d, idx, mine, NULL);
        for (int open = PK_MPI_ASK_AHEAD, more = 1; open > 0;) {
            int give[2];
            if (MPI_Recv(give, 2, MPI_INT, 0, TAG_GIVE, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                pk_mpi_abort(1, "receiving work from rank 0 failed");
            open--;
            if (give[1] == 0)
                more = 0;   /* all dealt: the open requests' answers are "none" too */
            if (!more)
                continue;
            if (MPI_Send(&want, 1, MPI_INT, 0, TAG_ASK, MPI_COMM_WORLD) != MPI_SUCCESS)
                pk_mpi_abort(1, "asking rank 0 for work failed");
            open++;
            for (int i = 0; i < give[1]; i++)
                idx[i] = give[0] + i;
            deal_compute(&d, idx, give[1], NULL);
        }
        *compute_out = MPI_Wtime() - t0;
    }
    pk_status err = d.err;
    double t1 = MPI_Wtime(), merged = 0;
    if (rank == 0) {
        k->identity(ctx, result);
        for (int j = 0, own = 0; j < m; j++) {
            const void *later;
            if (d.owner[j] == 0) {
                later = d.store + (size_t)own++ * ps;
            } else {
                if (MPI_Recv(tmp, (int)ps, MPI_BYTE, d.owner[j], TAG_PART, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                    pk_mpi_abort(1, "receiving a partial result from rank %d failed", d.owner[j]);
                later = tmp;
            }
            double tm = MPI_Wtime();
            pk_status r = k->merge(ctx, result, later);
            merged += MPI_Wtime() - tm;
            if (r != PK_OK && err == PK_OK)
                err = r;
        }
    } else {
        for (size_t c = 0; c < d.nstore; c++)   /* in chunk order */
            if (MPI_Send(d.store + c * ps, (int)ps, MPI_BYTE, 0, TAG_PART, MPI_COMM_WORLD) != MPI_SUCCESS)
                err = PK_EIO;
        k->identity(ctx, result);
    }
    *merge_out = merged;
    if (st)
        st->comm_seconds = MPI_Wtime() - t1 - merged;
    if (k->release)
        for (size_t c = 0; c < d.nstore; c++)
            k->release(ctx, d.store + c * ps);
    free(cut), free(idx), free(d.tsec), free(d.owner), free(d.asked), free(tmp), free(d.store);
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
        err = run_dealt(k, ctx, lo, hi, exec, &local, result, st, t0, &compute, &merge);
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
