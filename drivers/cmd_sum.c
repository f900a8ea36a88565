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
#include "cmdutil.h"
#include "sum.h"

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

static int read_file(const char *path, void **data, uint64_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pk_usage_error("sum --file %s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return pk_usage_error("sum --file %s: not a regular file", path);
    }
    if (sb.st_size % 8) {
        close(fd);
        return pk_usage_error("sum --file %s: size %lld bytes is not a multiple of 8 (the element size)",
                              path, (long long)sb.st_size);
    }
    uint64_t avail = pk_mem_available();
    if (avail && (uint64_t)sb.st_size > avail) {
        char a[32], b[32];
        close(fd);
        return pk_usage_error("sum --file %s: needs %s of memory, %s available", path,
                              pk_bytes_str((double)sb.st_size, a, sizeof a),
                              pk_bytes_str((double)avail, b, sizeof b));
    }
    char *buf = big_alloc((size_t)sb.st_size);
    if (!buf) {
        close(fd);
        return pk_runtime_error("sum --file %s: cannot allocate %lld bytes", path, (long long)sb.st_size);
    }
    size_t off = 0;
    while (off < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + off, (size_t)sb.st_size - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            close(fd);
            munmap(buf, (size_t)sb.st_size ? (size_t)sb.st_size : 1);
            return pk_runtime_error("sum --file %s: read failed: %s", path, strerror(e));
        }
        off += (size_t)r;
    }
    close(fd);
    *data = buf;
    *n = (uint64_t)sb.st_size / 8;
    return PK_EXIT_OK;
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

static int sum_run(const pk_cli *cli, void *vo, int argc, char **argv)
{
    sum_opts *o = vo;
    uint64_t n = 0;
    int rc;
    if (o->file) {
        if (argc > 0)
            return pk_usage_error("sum: N and --file exclude each other (the file's size gives N)");
    } else if ((rc = pk_one_n("sum", argc, argv, &n)) != 0) {
        return rc;
    }
    if (!o->file) {
        uint64_t avail = pk_mem_available();
        double need = (double)n * 8.0;
        if (n > UINT64_MAX / 8 || (avail && need > (double)avail)) {
            char a[32], b[32];
            return pk_usage_error("sum: N = %s needs %s of memory for the array, this machine has %s "
                                  "available", argv[0], pk_bytes_str(need, a, sizeof a),
                                  pk_bytes_str((double)avail, b, sizeof b));
        }
    }
    pk_cli run_cli = *cli;
    if (!cli->sched_set)
        run_cli.exec.sched = PK_SCHED_STATIC;   /* fill and sum touch the same pieces */

    /* ---- setup (timed apart): allocate and first-touch, or read the file ---- */
    double t0 = pk_wtime();
    void *data = NULL;
    if (o->file) {
        if ((rc = read_file(o->file, &data, &n)) != 0)
            return rc;
    } else {
        data = big_alloc((size_t)n * 8);
        if (!data)
            return pk_runtime_error("sum: cannot allocate %llu elements", (unsigned long long)n);
        pk_sum_fill_ctx fctx = {.data = data, .base = 0, .dtype = o->dtype};
        unsigned char dummy;
        pk_backend_run(&pk_sum_fill_kernel, &fctx, 0, n, &run_cli.exec, &dummy, NULL);
    }
    double setup = pk_wtime() - t0;

    /* ---- the timed sum ---- */
    const pk_kernel *k = o->dtype == PK_DTYPE_F64 ? &pk_sum_f64_kernel : &pk_sum_i64_kernel;
    pk_sum_ctx ctx = {.data = data, .base = 0};
    pk_record r;
    pk_record_init(&r, &run_cli, "sum");
    pk_record_set_n(&r, n);
    r.setup_seconds = setup;
    union { pk_sum_i64_partial i; pk_sum_f64_partial f; } result;
    pk_status s = pk_measure(&run_cli, k, &ctx, 0, n, &result, &r);
    if (s != PK_OK) {
        munmap(data, n ? n * 8 : 1);
        pk_record_free(&r);
        return pk_runtime_error("sum: %s", pk_status_str(s));
    }
    char buf[64];
    value_str(o->dtype, &result, buf, sizeof buf);
    pk_record_set_result(&r, "%s", buf);
    pk_record_extra_str(&r, "dtype", o->dtype == PK_DTYPE_F64 ? "f64" : "i64");
    if (o->file)
        pk_record_extra_str(&r, "file", o->file);

    /* ---- verification: closed form, or an independent reference for files and f64 ---- */
    if (o->dtype == PK_DTYPE_I64) {
        pk_i128 want;
        if (o->file) {
            want = 0;
            const int64_t *a = data;
            for (uint64_t i = 0; i < n; i++)
                want += a[i];
            pk_record_extra_str(&r, "reference", "serial 128-bit loop");
        } else {
            want = (pk_i128)pk_sum_closed_form(n);
            pk_record_extra_str(&r, "reference", "closed form n(n+1)/2");
        }
        r.verified = result.i.s == want;
    } else {
        double want, abs_sum;
        if (o->file) {
            want = pk_sum_f64_exact(data, n, &abs_sum);
            pk_record_extra_str(&r, "reference", "exact sum, rounded once");
        } else {
            want = (double)pk_sum_closed_form(n);   /* the exact sum, correctly rounded */
            abs_sum = want;
            pk_record_extra_str(&r, "reference", "closed form n(n+1)/2, rounded once");
        }
        double got = pk_sum_f64_value(&result.f), u = 0x1p-53;
        /* compensated summation: |error| <= 2u|S| + O(n u^2) sum|a| */
        double bound = 2 * u * fabs(want) + 4.0 * (double)n * u * u * abs_sum;
        r.verified = (isnan(want) && isnan(got)) || got == want || fabs(got - want) <= bound;
        char eb[32];
        snprintf(eb, sizeof eb, "%.3g", fabs(got - want));
        pk_record_extra_str(&r, "error_vs_reference", eb);
    }
    r.rate = r.seconds_median > 0 ? (double)n * 8.0 / r.seconds_median / 1e9 : 0;
    r.rate_unit = "GB/s";

    /* ---- --chunks K: each chunk's partial, as the tutorial prints them ---- */
    if (o->chunks) {
        unsigned char *parts = calloc(o->chunks, k->partial_size);
        chunk_job job = {.k = k, .ctx = &ctx, .n = n, .nchunks = o->chunks, .parts = parts};
        if (parts && pk_run_tasks(&run_cli.exec, o->chunks, chunk_task, &job) == 0) {
            json_object *arr = json_object_new_array();
            for (uint64_t i = 0; i < o->chunks; i++) {
                value_str(o->dtype, parts + i * k->partial_size, buf, sizeof buf);
                json_object_array_add(arr, json_object_new_string(buf));
                if (i)
                    k->merge(&ctx, parts, parts + i * k->partial_size);
            }
            json_object_object_add(r.extra, "chunks", arr);
            value_str(o->dtype, parts, buf, sizeof buf);
            pk_record_extra_str(&r, "chunks_total", buf);
            if (o->dtype == PK_DTYPE_I64 && ((pk_sum_i64_partial *)parts)->s != result.i.s)
                r.verified = 0;
        } else {
            r.verified = 0;
        }
        free(parts);
    }
    munmap(data, n ? n * 8 : 1);
    return pk_finish(cli, &r);
}

static void sum_defaults(void *vo)
{
    sum_opts *o = vo;
    o->dtype = PK_DTYPE_I64;
}

const pk_command pk_cmd_sum = {
    .name = "sum",
    .args = "N | --file PATH",
    .summary = "chunked sum of a[i] = i + 1 (exact 128-bit, or reproducible f64); GB/s",
    .options_help =
        "      --dtype i64|f64      element type (default i64; f64 is bit-identical for any\n"
        "                           number of threads and ranks)\n"
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
