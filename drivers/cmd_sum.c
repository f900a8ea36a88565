/* parkit sum N: the chunked sum of a[i] = i + 1 (or of a raw binary file).
 * Setup (allocation, first touch, reading a file) is timed apart; only the sum is timed. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "command.h"
#include "machine.h"
#include "measure.h"
#include "distribute.h"
#include "mpi_env.h"
#include "sum.h"
#include "sum_exact.h"

enum { OPT_CHUNKS = 300, OPT_DTYPE, OPT_FILE, OPT_DISTRIBUTE };

typedef struct {
    uint64_t chunks;
    pk_dtype dtype;
    const char *file;
    int distribute_local;
} sum_opts;

static const struct option sum_options[] = {
    {"chunks", required_argument, NULL, OPT_CHUNKS},
    {"dtype", required_argument, NULL, OPT_DTYPE},
    {"file", required_argument, NULL, OPT_FILE},
    {"distribute", required_argument, NULL, OPT_DISTRIBUTE},
    {0},
};

static int sum_option(void *vo, int val, const char *arg)
{
    sum_opts *o = vo;
    switch (val) {
    case OPT_CHUNKS:
        return pk_parse_count_opt("sum --chunks", arg, 1u << 20, &o->chunks);
    case OPT_DTYPE:
        if (!strcmp(arg, "i64"))
            o->dtype = PK_DTYPE_I64;
        else if (!strcmp(arg, "f64"))
            o->dtype = PK_DTYPE_F64;
        else
            return pk_usage_error("sum --dtype: expected i64 or f64, got \"%s\"", arg);
        return PK_EXIT_OK;
    case OPT_FILE:
        if (!*arg)
            return pk_usage_error("sum --file: expected a file name, got \"\"");
        o->file = arg;
        return PK_EXIT_OK;
    case OPT_DISTRIBUTE:
        if (!strcmp(arg, "scatter"))
            o->distribute_local = 0;
        else if (!strcmp(arg, "local"))
            o->distribute_local = 1;
        else
            return pk_usage_error("sum --distribute: expected scatter or local, got \"%s\"", arg);
        return PK_EXIT_OK;
    }
    return PK_EXIT_USAGE;
}

/* Big arrays: anonymous mappings with transparent huge pages (first touch is far faster
 * with them on this kind of machine). */
static void *big_alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

typedef struct {
    const pk_kernel *k;
    const pk_sum_ctx *ctx;
    uint64_t n, nchunks;
    unsigned char *parts;
} chunk_job;

static int chunk_task(void *arg, size_t i)
{
    chunk_job *j = arg;
    uint64_t lo = j->n * i / j->nchunks, hi = j->n * (i + 1) / j->nchunks;
    return pk_backend_serial(j->k, j->ctx, lo, hi, j->parts + i * j->k->partial_size, NULL) != PK_OK;
}

static void value_str(pk_dtype dt, const void *partial, char *buf, size_t len)
{
    if (dt == PK_DTYPE_F64)
        snprintf(buf, len, "%.17g", pk_sum_f64_value(partial));
    else
        pk_i128_str(((const pk_sum_i64_partial *)partial)->s, buf);
}

static void fill_local(const pk_exec *exec, pk_dtype dt, void *data, uint64_t a, uint64_t b)
{
    pk_exec local = pk_exec_local(exec);   /* each rank fills its own part */
    local.progress = 0;
    pk_sum_fill_ctx fctx = {.data = data, .base = a, .dtype = dt};
    unsigned char dummy;
    pk_backend_run(&pk_sum_fill_kernel, &fctx, a, b, &local, &dummy, NULL);
}

/* The size of the file in elements, checked the same way on every rank.  Only regular files
 * whose size is known: pipes, devices and sockets have none, and procfs files report 0 bytes
 * (sysfs ones 4096) whatever they hold -- an empty file is refused rather than summed to 0,
 * and a size that overstates the content is caught by the read as a short read. */
static int file_elements(const char *path, uint64_t *n, pk_file_id *id, char *msg, size_t len)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);   /* O_NONBLOCK: a FIFO must not hang */
    if (fd < 0 && errno == EACCES) {
        snprintf(msg, len, "sum --file %s: cannot read: %s", pk_shown(path), strerror(errno));
        return PK_EXIT_USAGE;
    }
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(msg, len, "sum --file %s: cannot open: %s", pk_shown(path), strerror(errno));
        if (fd >= 0)
            close(fd);
        return PK_EXIT_USAGE;
    }
    close(fd);
    if (!S_ISREG(sb.st_mode)) {
        snprintf(msg, len, "sum --file %s: not a regular file (a %s has no size to check the read against)", pk_shown(path),
                 S_ISDIR(sb.st_mode) ? "directory" : S_ISFIFO(sb.st_mode) ? "pipe" :
                 S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "device" : "special file");
        return PK_EXIT_USAGE;
    }
    if (sb.st_size == 0) {
        snprintf(msg, len, "sum --file %s: the file reports 0 bytes (empty, or a procfs-like file whose size is "
                 "unknown); expected at least one 8-byte element", pk_shown(path));
        return PK_EXIT_USAGE;
    }
    if (sb.st_size % 8) {
        snprintf(msg, len, "sum --file %s: size %lld bytes is not a multiple of 8 (the element size)",
                 pk_shown(path), (long long)sb.st_size);
        return PK_EXIT_USAGE;
    }
    *n = (uint64_t)sb.st_size / 8;
    pk_file_id_of(&sb, id);
    return PK_EXIT_OK;
}

/* Every rank must see the same file size; else one message (by rank 0) and exit 1 everywhere. */
static int file_same_size(const pk_exec *ex, const char *path, uint64_t n)
{
    uint64_t n0, nr;
    int r;
    char msg[512] = "";
    int bad = pk_dist_same_u64(ex, n, &n0, &r, &nr);
    if (bad && r < 0)
        snprintf(msg, sizeof msg, "sum --file %s: out of memory comparing the file's size across ranks", pk_shown(path));
    else if (bad)
        snprintf(msg, sizeof msg, "sum --file %s: ranks see different files at this path: %llu bytes on rank 0, "
                 "%llu bytes on rank %d", pk_shown(path), (unsigned long long)n0 * 8, (unsigned long long)nr * 8, r);
    /* the same outcome on every rank: rank 0 reports it */
    return pk_mpi_agree(bad && ex->rank == 0 ? PK_EXIT_FAIL : 0, msg) ? PK_EXIT_FAIL : 0;
}

/* A one-line note on infinities and NaNs among the terms (empty when there are none). */
static void nonfinite_note(const pk_sum_f64_partial *p, char *buf, size_t len)
{
    unsigned long long nan = p->nan, pinf = p->pinf, ninf = p->ninf;
    buf[0] = 0;
    if (nan)
        snprintf(buf, len, "NaN: the input holds %llu NaN term%s%s", nan, nan == 1 ? "" : "s",
                 pinf || ninf ? " (and infinities)" : "");
    else if (pinf && ninf)
        snprintf(buf, len, "NaN: the input holds both +inf (%llu) and -inf (%llu); inf - inf is undefined", pinf,
                 ninf);
    else if (pinf || ninf)
        snprintf(buf, len, "%cinf: the input holds %llu %cinf term%s", pinf ? '+' : '-', pinf ? pinf : ninf,
                 pinf ? '+' : '-', (pinf ? pinf : ninf) == 1 ? "" : "s");
}

/* ---- the command's phases ---- */

typedef struct {
    const sum_opts *o;
    const pk_exec *ex;
    uint64_t n;
    pk_file_id fid;
    const pk_kernel *k;
    pk_sum_ctx ctx;
    uint64_t *cut;                /* the ranks' shares */
    int scatter;
    void *data;                   /* this rank's share (rank 0: the whole array under scatter) */
    size_t mapped;
    double scatter_seconds;
    pk_i128 want_i;               /* the reference (gather) */
    double want_f;
} sum_state;

/* Every rank: the array, built, scattered or read.  Its own failures are agreed on here. */
static int sum_setup(void *vs, pk_kernel_job *job)
{
    sum_state *st = vs;
    const sum_opts *o = st->o;
    const pk_exec *ex = st->ex;
    int P = ex->nranks, rank = ex->rank, rc;
    uint64_t n = st->n;
    char msg[512] = "", buf0[32];
    st->k = o->dtype == PK_DTYPE_F64 ? &pk_sum_f64_kernel : &pk_sum_i64_kernel;
    st->cut = malloc(((size_t)P + 1) * sizeof *st->cut);
    if ((rc = pk_agree(!st->cut, "sum: out of memory")) != 0)
        return rc;
    pk_split_by_cost(st->k, NULL, 0, n, P, st->cut);
    uint64_t a = st->cut[rank], b = st->cut[rank + 1];
    st->scatter = P > 1 && !o->file && !o->distribute_local;

    /* refuse what cannot fit, before touching memory */
    double need = 8.0 * (double)(st->scatter && rank == 0 ? n : b - a);
    uint64_t avail = pk_mem_available();
    rc = 0;
    if (avail && need > (double)avail) {
        char x[32], y[32];
        snprintf(msg, sizeof msg, "sum: N = %llu needs %s of memory for the array%s, this machine has %s available",
                 (unsigned long long)n, pk_bytes_str(need, x, sizeof x), P > 1 ? " on this rank" : "",
                 pk_bytes_str((double)avail, y, sizeof y));
        rc = PK_EXIT_USAGE;
    }
    if ((rc = pk_mpi_agree(rc, msg)) != 0)
        return rc;

    /* allocate and first-touch (with the sum's own schedule: the same threads touch the
     * same pieces), read the file, or scatter */
    if (st->scatter) {
        /* rank 0 builds the whole array; every other rank first-touches its share's pages
         * (placed near the threads that will sum them), then MPI_Scatterv fills them */
        st->mapped = (size_t)(rank == 0 ? n : b - a) * 8;
        st->data = big_alloc(st->mapped);
        snprintf(msg, sizeof msg, "sum: cannot allocate %s", pk_bytes_str((double)st->mapped, buf0, sizeof buf0));
        if ((rc = pk_mpi_agree(!st->data, msg)) == 0) {
            fill_local(ex, o->dtype, st->data, rank == 0 ? 0 : a, rank == 0 ? n : b);
            pk_mpi_barrier();
            double ts = pk_wtime();
            if (pk_dist_scatter(ex, rank == 0 ? st->data : NULL, st->data, a, b, st->cut) != 0)
                rc = pk_mpi_agree(PK_EXIT_FAIL, "sum: MPI_Scatterv failed");
            st->scatter_seconds = pk_wtime() - ts;
        }
    } else {
        st->mapped = (size_t)(b - a) * 8;
        st->data = big_alloc(st->mapped);
        snprintf(msg, sizeof msg, "sum: cannot allocate %s", pk_bytes_str((double)st->mapped, buf0, sizeof buf0));
        if ((rc = pk_mpi_agree(!st->data, msg)) == 0) {
            if (o->file) {
                char why[400] = "";
                int e = pk_dist_read_file(ex, o->file, &st->fid, a, b, st->data, why, sizeof why);
                snprintf(msg, sizeof msg, "sum --file %s", why);
                rc = pk_mpi_agree(e ? PK_EXIT_FAIL : 0, msg);
            } else {
                fill_local(ex, o->dtype, st->data, a, b);
            }
        }
    }
    st->ctx = (pk_sum_ctx){.data = st->data, .base = a};
    *job = (pk_kernel_job){.kernel = st->k, .ctx = &st->ctx, .lo = 0, .hi = n, .n = n};
    return rc;
}

/* Every rank: the independent reference, where it needs the ranks (rank 0 re-reads the file). */
static pk_status sum_gather(void *vs, const pk_exec *ex)
{
    sum_state *st = vs;
    const sum_opts *o = st->o;
    int P = ex->nranks, rank = ex->rank, bad = 0;
    uint64_t n = st->n;
    char msg[600] = "", why[400] = "", buf0[32];
    if (o->dtype == PK_DTYPE_I64) {
        if (!o->file) {
            st->want_i = (pk_i128)pk_sum_closed_form(n);
        } else if (P == 1) {
            const int64_t *x = st->data;
            st->want_i = 0;
            for (uint64_t i = 0; i < n; i++)
                st->want_i += x[i];
        } else if (rank == 0) {
            /* rank 0 re-reads the whole file itself (1 MiB at a time): the ranks' reads are
             * checked too -- a rank that saw another file of the same size (a node-local copy)
             * makes the answers differ */
            enum { BLOCK = 1 << 17 };
            int64_t *blk = malloc(BLOCK * sizeof *blk);
            bad = !blk;
            snprintf(msg, sizeof msg, "sum --file: out of memory on rank 0 for the reference");
            st->want_i = 0;
            for (uint64_t i = 0; !bad && i < n; i += BLOCK) {
                uint64_t e = n - i < BLOCK ? n : i + BLOCK;
                if (pk_dist_read_file_local(o->file, &st->fid, i, e, blk, why, sizeof why) != 0) {
                    snprintf(msg, sizeof msg, "sum --file %s (re-read for the reference)", why);
                    bad = 1;
                }
                for (uint64_t j = 0; !bad && j < e - i; j++)
                    st->want_i += blk[j];
            }
            free(blk);
        }
    } else if (rank == 0) {
        /* the correctly rounded exact sum, by an independent method */
        if (o->file && P == 1) {
            st->want_f = pk_sum_f64_exact(st->data, n, NULL);
        } else if (o->file) {   /* rank 0 re-reads the whole file: also checks what the ranks read */
            void *whole = big_alloc((size_t)n * 8);
            if (!whole) {
                snprintf(msg, sizeof msg, "sum --file %s: cannot allocate %s on rank 0 for the reference",
                         pk_shown(o->file), pk_bytes_str((double)n * 8, buf0, sizeof buf0));
                bad = 1;
            } else if (pk_dist_read_file_local(o->file, &st->fid, 0, n, whole, why, sizeof why) != 0) {
                snprintf(msg, sizeof msg, "sum --file %s (re-read for the reference)", why);
                bad = 1;
            } else {
                st->want_f = pk_sum_f64_exact(whole, n, NULL);
            }
            if (whole)
                munmap(whole, (size_t)n * 8);
        } else {
            st->want_f = pk_u128_to_double(pk_sum_closed_form(n));
        }
    }
    return pk_mpi_agree(bad ? PK_EXIT_FAIL : 0, msg) ? PK_EIO : PK_OK;
}

/* Rank 0: the result, where the data came from, the rate, and --chunks' partials. */
static void sum_describe(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    sum_state *st = vs;
    const sum_opts *o = st->o;
    char buf[64];
    value_str(o->dtype, result, buf, sizeof buf);
    pk_record_set_result(r, "%s", buf);
    pk_record_extra_str(r, "dtype", o->dtype == PK_DTYPE_F64 ? "f64" : "i64");
    if (st->ex->nranks > 1) {
        pk_record_extra_str(r, "distribute", o->file ? "file (MPI-IO)" : st->scatter ? "scatter" : "local");
        if (st->scatter)
            pk_record_extra_double(r, "scatter_seconds", st->scatter_seconds);
    }
    if (o->file)
        pk_record_extra_str(r, "file", o->file);
    r->rate = r->seconds_median > 0 ? (double)job->n * 8.0 / r->seconds_median / 1e9 : 0;
    r->rate_unit = "GB/s";
    /* what the bandwidth depends on: huge pages (TLB reach) and the array's size next to the
     * last-level cache (rank 0's share) */
    if (st->data && st->mapped) {
        long long huge = pk_huge_page_bytes(st->data, st->mapped);
        char hb[32], ab[32];
        if (huge >= 0) {
            double frac = (double)huge / (double)st->mapped;
            pk_record_extra_double(r, "huge_page_fraction", frac);
            if (st->mapped >= (8u << 20) && frac < 0.5)
                pk_machine_warn(r->machine, "sum: only %.0f%% of the %s array is in transparent huge "
                                            "pages (THP mode: see machine.thp): TLB misses lower the "
                                            "bandwidth", 100 * frac,
                                pk_bytes_str((double)st->mapped, ab, sizeof ab));
        }
        long llc = pk_llc_bytes();
        if (llc > 0) {
            pk_record_extra_u64(r, "llc_bytes", (uint64_t)llc);
            if ((double)st->mapped < 4.0 * (double)llc)
                pk_machine_warn(r->machine, "sum: the array (%s on rank 0) is smaller than 4x the "
                                            "last-level cache (%s): this measures the cache and not memory",
                                pk_bytes_str((double)st->mapped, ab, sizeof ab),
                                pk_bytes_str((double)llc, hb, sizeof hb));
        }
    }
}

/* Rank 0: the reference (closed form, or an independent reading of the file) must be met
 * exactly -- integers equal, f64 bit-equal; --chunks' partials must add up to the same. */
static int sum_verify(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    sum_state *st = vs;
    const sum_opts *o = st->o;
    int P = st->ex->nranks, ok;
    char buf[64];
    const char *differs = "the ranks' sum differs from rank 0's own reading of the file: "
                          "do all ranks see the same file at this path?";
    if (o->dtype == PK_DTYPE_I64) {
        pk_record_extra_str(r, "reference", !o->file ? "closed form n(n+1)/2"
                                            : P > 1  ? "plain 128-bit loop over the file, re-read by rank 0"
                                                     : "plain 128-bit loop");
        ok = ((const pk_sum_i64_partial *)result)->s == st->want_i;
    } else {
        pk_record_extra_str(r, "reference", o->file ? "exact sum (integer bins per exponent, GMP), rounded once"
                                                    : "closed form n(n+1)/2, rounded once");
        pk_record_extra_str(r, "check", "bit-equal to the reference");
        double got = pk_sum_f64_value(result);
        ok = pk_sum_f64_matches(got, st->want_f);
        snprintf(buf, sizeof buf, "%.3g", ok ? 0.0 : fabs(got - st->want_f));
        pk_record_extra_str(r, "error_vs_reference", buf);
        char note[160];
        nonfinite_note(result, note, sizeof note);
        if (note[0])
            pk_record_extra_str(r, "nonfinite", note);
    }
    if (!ok && o->file && P > 1)
        pk_record_extra_str(r, "note", differs);

    /* --chunks K: each chunk's partial, as the tutorial prints them */
    if (o->chunks) {
        const pk_kernel *k = st->k;
        unsigned char *parts = calloc(o->chunks, k->partial_size);
        chunk_job cj = {.k = k, .ctx = &st->ctx, .n = job->n, .nchunks = o->chunks, .parts = parts};
        if (parts && pk_run_tasks(st->ex, o->chunks, chunk_task, &cj) == 0) {
            json_object *arr = json_object_new_array();
            for (uint64_t i = 0; i < o->chunks; i++) {
                value_str(o->dtype, parts + i * k->partial_size, buf, sizeof buf);
                json_object_array_add(arr, json_object_new_string(buf));
                if (i)
                    k->merge(&st->ctx, parts, parts + i * k->partial_size);
            }
            json_object_object_add(r->extra, "chunks", arr);
            value_str(o->dtype, parts, buf, sizeof buf);
            pk_record_extra_str(r, "chunks_total", buf);
            if (o->dtype == PK_DTYPE_I64 && ((pk_sum_i64_partial *)parts)->s != ((const pk_sum_i64_partial *)result)->s)
                ok = 0;
            if (o->dtype == PK_DTYPE_F64 &&   /* exact merges: any split gives the same bits */
                !pk_sum_f64_matches(pk_sum_f64_value((const pk_sum_f64_partial *)(void *)parts),
                                    pk_sum_f64_value(result)))
                ok = 0;
        } else {
            ok = 0;
        }
        if (parts && k->release)
            for (uint64_t i = 0; i < o->chunks; i++)
                k->release(&st->ctx, parts + i * k->partial_size);
        free(parts);
    }
    return ok;
}

static void sum_teardown(void *vs)
{
    sum_state *st = vs;
    if (st->data)
        munmap(st->data, st->mapped ? st->mapped : 1);   /* rank 0's is the whole array under scatter */
    free(st->cut);
    st->data = NULL, st->cut = NULL;
}

static const pk_kernel_phases sum_phases = {
    .name = "sum", .setup_agreed = sum_setup, .gather = sum_gather, .describe = sum_describe,
    .verify = sum_verify, .teardown = sum_teardown,
};

static int sum_run(const pk_cli *cli, void *vo, int argc, char **argv)
{
    sum_opts *o = vo;
    pk_cli run_cli = *cli;
    if (!cli->sched_set)
        run_cli.exec.sched = PK_SCHED_STATIC;   /* fill and sum touch the same pieces */
    sum_state st = {.o = o, .ex = &run_cli.exec};
    int P = cli->exec.nranks, rc;
    if (o->file) {
        if (argc > 0)
            return pk_usage_error("sum: N and --file exclude each other (the file's size gives N)");
        char msg[512] = "";
        rc = file_elements(o->file, &st.n, &st.fid, msg, sizeof msg);
        if ((rc = pk_mpi_agree(rc, msg)) != 0)
            return rc;
        if ((rc = file_same_size(&cli->exec, o->file, st.n)) != 0)
            return rc;
    } else if ((rc = pk_arg_n("sum", argc, argv, &st.n)) != 0) {
        return rc;
    }
    if (o->chunks && P > 1)
        return pk_usage_error("sum --chunks: runs in one process (this job has %d ranks)", P);
    if (st.n > UINT64_MAX / 16)
        return pk_usage_error("sum: N = %s is too large for an array of 8-byte elements", argv[0]);
    return pk_run_kernel_command(&run_cli, &sum_phases, &st);
}

static void sum_defaults(void *vo)
{
    sum_opts *o = vo;
    o->dtype = PK_DTYPE_I64;
}

const pk_command pk_cmd_sum = {
    .name = "sum",
    .args = "N | --file PATH",
    .summary = "chunked sum of a[i] = i + 1 (exact 128-bit, or correctly rounded f64); GB/s",
    .options_help =
        "      --dtype i64|f64      element type (default i64; f64 gives the correctly rounded\n"
        "                           exact sum, the same for any number of threads and ranks)\n"
        "      --chunks K           also print each of K chunks' partial sums\n"
        "      --file PATH          sum a raw little-endian binary file of --dtype elements\n"
        "      --distribute scatter|local   under MPI: rank 0 builds and scatters the array\n"
        "                           (default), or each rank builds its own part\n",
    .options = sum_options,
    .opts_size = sizeof(sum_opts),
    .defaults = sum_defaults,
    .on_option = sum_option,
    .run = sum_run,
};
