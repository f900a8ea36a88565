/* parkit primorial N...: the exact product of the primes <= N, with GMP.
 * One N: the whole machine works on it (pieces in parallel, a parallel merge tree).
 * Several N: each is a task, run side by side (the Pool.map analogue), each reported. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command.h"
#include "machine.h"
#include "measure.h"
#include "isprime.h"
#include "primorial.h"
#include "primorial_residues.h"
#include "bignum.h"
#include "par_omp.h"
#ifdef __GLIBC__
#include <malloc.h>
#endif

enum { OPT_OUTPUT = 500, OPT_ALGO };


typedef struct {
    const char *output;
    pk_primes_algo algo;
} primorial_opts;

static const struct option primorial_options[] = {
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"algo", required_argument, NULL, OPT_ALGO},
    {0},
};

static int primorial_option(void *vo, int val, const char *arg)
{
    primorial_opts *o = vo;
    if (val == OPT_OUTPUT) {
        if (!*arg)
            return pk_usage_error("primorial --output: expected a file name, got \"\"");
        o->output = arg;
        return PK_EXIT_OK;
    }
    if (val == OPT_ALGO)
        return pk_parse_algo("primorial", arg, &o->algo);
    return PK_EXIT_USAGE;
}

/* Moduli for the residue check: primes below 2^63 (checked in the unit tests). */
static const uint64_t moduli[] = {9223372036854775783ull, 4611686018427387847ull,
                                  2305843009213693951ull, 1000000000000000003ull};
#define NMOD (sizeof moduli / sizeof moduli[0])

/* Digits, first and last 20 digits (from the leading limbs with a bounded error, and a
 * modulus: no conversion of the whole number), fingerprint N# mod 2^61-1. */
static size_t describe(const mpz_t z, pk_record *r)
{
    pk_dec_summary d;
    pk_mpz_dec_summary(z, &d);
    if (d.digits <= 40) {   /* small enough to show whole */
        char whole[48];
        mpz_get_str(whole, 10, z);
        pk_record_set_result(r, "%s", whole);
    } else {
        pk_record_set_result(r, "%zu digits: %s...%s", d.digits, d.first, d.last);
    }
    pk_record_extra_u64(r, "digits", d.digits);
    pk_record_extra_str(r, "first_digits", d.first);
    pk_record_extra_str(r, "last_digits", d.last);
    char h[32];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)pk_mpz_mod_m61(z));
    pk_record_extra_str(r, "mod_m61", h);
    return d.digits;
}

/* A residue check against an independent computation (its own sieve, no tree): 1 when the
 * residues agree. */
static int verify(uint64_t n, const mpz_t z, const pk_par *par, pk_record *r)
{
    uint64_t res[NMOD];
    int ok = pk_primorial_residues(n, moduli, NMOD, res, par) == PK_OK;
    for (size_t j = 0; ok && j < NMOD; j++)
        if (mpz_fdiv_ui(z, moduli[j]) != res[j])
            ok = 0;
    pk_record_extra_str(r, "reference", "residues mod 4 primes < 2^63, own sieve, no tree");
    return ok;
}

/* Digits put straight into the temporary at their place; the first error's errno kept (the
 * puts run on the lent threads, errno is theirs). */
typedef struct {
    pk_outfile *out;
    atomic_int err;
} file_sink;

static int put_file(void *env, size_t pos, const char *s, size_t len)
{
    file_sink *fs = env;
    if (pk_outfile_pwrite(fs->out, s, len, pos) == 0)
        return 0;
    int none = 0;
    atomic_compare_exchange_strong(&fs->err, &none, errno ? errno : EIO);
    return -1;
}

/* The decimal of z and a newline, converted on the lent threads, written atomically.  A
 * regular file: each converted piece goes to its offset in the temporary as soon as it is
 * done (no copy of the whole decimal in memory).  A device or FIFO, written in order: the
 * whole decimal is built first. */
static int write_decimal(pk_outfile *out, const mpz_t z, size_t digits, const pk_par *par)
{
    pk_status st;
    if (pk_outfile_seekable(out)) {
        if (pk_outfile_reserve(out, (uint64_t)digits + 1) != 0)
            return -1;
        file_sink fs = {.out = out};
        atomic_init(&fs.err, 0);
        pk_dec_sink sink = {.put = put_file, .env = &fs};
        st = pk_mpz_get_dec_sink(&sink, digits, z, par);
        if (st == PK_EIO)
            return errno = atomic_load(&fs.err), -1;
        if (st == PK_OK && pk_outfile_pwrite(out, "\n", 1, digits) != 0)
            return -1;
    } else {
        char *s = malloc(digits + 2);
        if (!s)
            return errno = ENOMEM, -1;
        st = pk_mpz_get_dec(s, digits, z, par);
        if (st == PK_OK) {
            s[digits] = '\n';
            int rc = pk_outfile_write(out, s, digits + 1), e = errno;
            free(s);
            if (rc != 0)
                return errno = e, -1;
        } else {
            free(s);
        }
    }
    if (st != PK_OK)
        return errno = st == PK_ENOMEM ? ENOMEM : EINVAL, -1;
    return pk_outfile_commit(out);
}

static int check_memory(uint64_t n, const char *arg, char *why, size_t len)
{
    double bytes = pk_primorial_bits_estimate(n) / 8.0 * 4.0;   /* result + tree temporaries */
    uint64_t avail = pk_mem_available();
    if (avail && bytes > (double)avail) {
        char a[32], b[32];
        snprintf(why, len, "primorial: N = %s needs about %s of memory, this machine has %s available",
                 arg, pk_bytes_str(bytes, a, sizeof a), pk_bytes_str((double)avail, b, sizeof b));
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

/* ---- several N as parallel tasks ---- */

typedef struct {
    const primorial_opts *o;
    const uint64_t *ns;
    pk_primorial_ctx *ctx;
    mpz_t *z;
    double *secs;   /* [rep][task] */
    double *setup;
    size_t rep, ntasks;
    int failed;
} batch;

static int batch_task(void *arg, size_t i)
{
    batch *b = arg;
    double t0 = pk_wtime();
    if (b->rep == 0) {
        if (pk_primorial_setup(&b->ctx[i], b->o->algo, b->ns[i]) != PK_OK)
            return 1;
        b->setup[i] = pk_wtime() - t0;
        t0 = pk_wtime();
    } else {
        mpz_clear(b->z[i]);
    }
    uint64_t lo, hi;
    pk_primes_index_range(2, b->ns[i] < 2 ? 2 : b->ns[i], &lo, &hi);
    if (b->ns[i] < 2)
        hi = lo;
    pk_status s = pk_backend_serial(&pk_primorial_kernel, &b->ctx[i], lo, hi, &b->z[i], NULL);
    b->secs[b->rep * b->ntasks + i] = pk_wtime() - t0;
    return s != PK_OK;
}

static int run_many(const pk_cli *cli, const primorial_opts *o, int argc, const uint64_t *ns)
{
    size_t nt = (size_t)argc, runs = (size_t)(cli->warmup + cli->repeat);
    batch b = {.o = o, .ns = ns, .ntasks = nt};
    b.ctx = calloc(nt, sizeof *b.ctx);
    b.z = calloc(nt, sizeof *b.z);
    b.secs = calloc(runs * nt, sizeof *b.secs);
    b.setup = calloc(nt, sizeof *b.setup);
    double *wall = calloc(runs, sizeof *wall);
    int rc = PK_EXIT_OK;
    if (!b.ctx || !b.z || !b.secs || !b.setup || !wall)
        rc = pk_runtime_error("primorial: out of memory");
    json_object *machine = rc == PK_EXIT_OK ? pk_machine_probe(cli) : NULL;   /* one process */
    size_t done = 0;   /* runs made: warm-ups, then timed ones as --repeat / --budget say */
    double timed = 0;
    while (rc == PK_EXIT_OK && done < runs &&
           (done < (size_t)cli->warmup || pk_repeat_more(cli, (int)(done - (size_t)cli->warmup), timed))) {
        b.rep = done;
        double t0 = pk_wtime();
        if (pk_run_tasks(&cli->exec, nt, batch_task, &b) != 0)
            rc = pk_runtime_error("primorial: a task failed");
        wall[done] = pk_wtime() - t0;
        if (done >= (size_t)cli->warmup)
            timed += wall[done];
        done++;
    }
    pk_par_omp po;
    const pk_par *lent = pk_par_omp_init(&po, pk_exec_local(&cli->exec).threads);
    int m = rc == PK_EXIT_OK ? (int)done - cli->warmup : 1;
    double *mine = calloc((size_t)m, sizeof *mine), wall_min, wall_med, wall_max;
    if (rc == PK_EXIT_OK && (!mine || pk_summarize(wall + cli->warmup, m, &wall_min, &wall_med, &wall_max) != 0))
        rc = pk_runtime_error("primorial: out of memory");
    for (size_t i = 0; rc == PK_EXIT_OK && i < nt; i++) {
        pk_record r;
        pk_record_init(&r, cli, "primorial");
        pk_record_set_n(&r, ns[i]);
        r.machine = json_object_get(machine);
        for (int k = 0; k < m; k++)   /* task i's time in each timed repetition */
            mine[k] = b.secs[((size_t)cli->warmup + (size_t)k) * nt + i];
        if (pk_record_samples(&r, mine, m) != 0)
            pk_summarize(mine, m, &r.seconds_min, &r.seconds_median, &r.seconds_max);
        r.setup_seconds = b.setup[i];
        describe(b.z[i], &r);
        r.verified = verify(ns[i], b.z[i], lent, &r);   /* after the batch: its threads are free */
        pk_record_extra_str(&r, "algo", pk_algo_name(o->algo));
        pk_record_extra_str(&r, "multiply", pk_bignum_mul_name());
        pk_record_extra_u64(&r, "tasks", nt);
        pk_record_extra_double(&r, "batch_wall_seconds_median", wall_med);
        r.rate = r.seconds_median > 0 ? (double)ns[i] / r.seconds_median : 0;
        r.rate_unit = "numbers/s";
        if (pk_report_finish(cli, &r) != PK_EXIT_OK)
            rc = PK_EXIT_FAIL;
    }
    for (size_t i = 0; i < nt && b.z && b.ctx; i++) {
        if (b.secs && runs)
            mpz_clear(b.z[i]);
        pk_primorial_free(&b.ctx[i]);
    }
    json_object_put(machine);
    free(mine), free(b.ctx), free(b.z), free(b.secs), free(b.setup), free(wall);
    return rc;
}

/* ---- one N on the whole machine ---- */

typedef struct {
    const primorial_opts *o;
    uint64_t n;
    pk_par_omp par;   /* this process's threads, lent to the kernel's merges and to the describe */
    pk_primorial_ctx ctx;
    int have_ctx, output_failed;
    pk_outfile *out;
} one_state;

static pk_status one_setup(void *vs, pk_kernel_job *job, const char **why)
{
    (void)why;
    one_state *st = vs;
    pk_status s = pk_primorial_setup(&st->ctx, st->o->algo, st->n);
    st->have_ctx = s == PK_OK;
    st->ctx.par = &st->par.par;
    *job = (pk_kernel_job){.kernel = &pk_primorial_kernel, .ctx = &st->ctx, .n = st->n};
    if (s == PK_OK && st->n >= 2)
        pk_primes_index_range(2, st->n, &job->lo, &job->hi);
    return s;
}

static void one_describe(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    one_state *st = vs;
    mpz_srcptr z = result;
    size_t digits = describe(z, r);
    if (st->o->output) {
        if (write_decimal(st->out, z, digits, &st->par.par) != 0) {
            pk_runtime_error("primorial --output %s: cannot write: %s", st->o->output, strerror(errno));
            st->output_failed = 1;
        } else {
            pk_record_extra_str(r, "output", st->o->output);
        }
    }
    pk_record_extra_str(r, "algo", pk_algo_name(st->o->algo));
    pk_record_extra_str(r, "multiply", pk_bignum_mul_name());
    r->rate = r->seconds_median > 0 ? (double)job->n / r->seconds_median : 0;
    r->rate_unit = "numbers/s";
}

static int one_verify(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    one_state *st = vs;
    mpz_srcptr z = result;
    return verify(job->n, z, &st->par.par, r) && !st->output_failed;
}

static void one_teardown(void *vs)
{
    one_state *st = vs;
    if (st->have_ctx)
        pk_primorial_free(&st->ctx);
    st->have_ctx = 0;
}

static const pk_kernel_phases one_phases = {
    .name = "primorial", .setup = one_setup, .describe = one_describe, .verify = one_verify,
    .teardown = one_teardown,
};

/* The product tree frees and allocates blocks of up to tens of megabytes at every level.
 * glibc maps the big ones afresh each time (and trims the heap's top), so their pages are
 * faulted in again and again; first touch is slow on VMs.  Blocks up to 32 MiB (its cap) are
 * kept in the heap instead: about half the page faults of primorial 3e7 go (28k -> 15k). */
static void keep_blocks_mapped(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

static int primorial_run(const pk_cli *cli, void *vo, int argc, char **argv)
{
    primorial_opts *o = vo;
    if (argc < 1)
        return pk_usage_error("primorial: missing N (see parkit primorial --help)");
    if (o->output && argc > 1)
        return pk_usage_error("primorial --output: takes one N, got %d", argc);
    uint64_t *ns = calloc((size_t)argc, sizeof *ns);
    int rc = pk_agree(!ns, "primorial: out of memory");
    if (rc)
        return free(ns), rc;
    for (int i = 0; rc == PK_EXIT_OK && i < argc; i++)
        rc = pk_arg_u64("primorial", "N", argv[i], &ns[i]);
    /* the memory each rank has may differ: any rank short of it stops the job */
    char why[PK_MSG_MAX] = "";
    int mrc = PK_EXIT_OK;
    for (int i = 0; rc == PK_EXIT_OK && mrc == PK_EXIT_OK && i < argc; i++)
        mrc = check_memory(ns[i], argv[i], why, sizeof why);
    if (rc == PK_EXIT_OK)
        rc = pk_agree(mrc, "%s", why);
    /* the output file is opened (its temporary created) before the work, on rank 0 */
    pk_outfile out = {.fd = -1};
    if (rc == PK_EXIT_OK && o->output) {
        int bad = pk_is_root() && pk_outfile_open(&out, o->output) != 0;
        rc = pk_agree(bad ? PK_EXIT_USAGE : 0, "primorial --output %s: cannot write: %s", o->output,
                      pk_outfile_strerror(errno));
    }
    if (rc == PK_EXIT_OK)
        keep_blocks_mapped();
    if (rc == PK_EXIT_OK && argc > 1 && cli->exec.nranks == 1) {
        rc = run_many(cli, o, argc, ns);
        free(ns);
        return rc;
    }
    for (int i = 0; rc == PK_EXIT_OK && i < argc; i++) {
        one_state st = {.o = o, .n = ns[i], .out = &out};
        pk_par_omp_init(&st.par, pk_exec_local(&cli->exec).threads);
        rc = pk_run_kernel_command(cli, &one_phases, &st);
    }
    pk_outfile_abort(&out);   /* left only when the run failed before writing */
    free(ns);
    return rc;
}

static void primorial_defaults(void *vo)
{
    ((primorial_opts *)vo)->algo = PK_PRIMES_SIEVE;
}

const pk_command pk_cmd_primorial = {
    .name = "primorial",
    .args = "N...",
    .summary = "the exact product of all primes <= N (N#) with GMP; several N run as parallel tasks",
    .options_help =
        "      --output FILE        write the full decimal of N# to FILE (atomically; one N)\n"
        "      --algo sieve|trial|naive   how the primes are found (default sieve)\n",
    .options = primorial_options,
    .opts_size = sizeof(primorial_opts),
    .defaults = primorial_defaults,
    .on_option = primorial_option,
    .run = primorial_run,
};
