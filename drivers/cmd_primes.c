/* parkit primes N: count (and sum, and list) the primes in [A, N]; pi(N) alone by the
 * combinatorial method of Lagarias-Miller-Odlyzko (kernels/pi_lmo.c) when that is faster. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command.h"
#include "measure.h"
#include "isprime.h"
#include "primecount.h"
#include "primes.h"
#include "pi_lmo.h"
#include "par_omp.h"

/* --algo auto takes LMO for pi(N) from this N on.  Measured on the 2-core development VM
 * (noisy): at 1e7 both take a few milliseconds, lost in the noise; at 1e8 LMO takes well
 * under a millisecond plus its setup against the sieve's 60 ms.  1e8 keeps the sieve where
 * the two are even, and every N the sieve's lessons (threads, schedules) are taught with. */
#define LMO_AUTO_MIN 100000000ull

enum { OPT_FROM = 400, OPT_SUM, OPT_PRINT, OPT_ALGO };

typedef struct {
    uint64_t from;
    int want_sum, print, from_given;
    int lmo;                 /* 1 lmo, 0 the sieve family (algo), -1 auto */
    pk_primes_algo algo;
} primes_opts;

static const struct option primes_options[] = {
    {"from", required_argument, NULL, OPT_FROM},
    {"sum", no_argument, NULL, OPT_SUM},
    {"print", no_argument, NULL, OPT_PRINT},
    {"algo", required_argument, NULL, OPT_ALGO},
    {0},
};

static int primes_option(void *vo, int val, const char *arg)
{
    primes_opts *o = vo;
    switch (val) {
    case OPT_FROM: o->from_given = 1; return pk_arg_u64("primes --from", "A", arg, &o->from);
    case OPT_SUM: o->want_sum = 1; return PK_EXIT_OK;
    case OPT_PRINT: o->print = 1; return PK_EXIT_OK;
    case OPT_ALGO:
        if (!strcmp(arg, "auto") || !strcmp(arg, "lmo")) {
            o->lmo = arg[0] == 'a' ? -1 : 1;
            return PK_EXIT_OK;
        }
        if (strcmp(arg, "sieve") && strcmp(arg, "trial") && strcmp(arg, "naive"))
            return pk_usage_error("primes --algo: expected auto, lmo, sieve, trial or naive, got \"%s\"", arg);
        o->lmo = 0;
        return pk_parse_algo("primes", arg, &o->algo);
    }
    return PK_EXIT_USAGE;
}

static int print_batch(const uint64_t *p, size_t n, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < n; i++)
        if (printf("%llu\n", (unsigned long long)p[i]) < 0) {
            pk_stdout_failed(errno);
            return 1;
        }
    return 0;
}

static int known_pi(uint64_t x, uint64_t *pi);

/* A reference pi(x) for the sieve's ranges: a known value (also at x = K - 1 for a known K
 * that is not prime, as in --from 1e16), else the LMO kernel run serially. */
typedef struct {
    uint64_t x, pi;
    pk_status st;
} pi_task;

static int pi_task_run(void *arg, size_t i)
{
    pi_task *t = (pi_task *)arg + i;
    t->st = PK_OK;
    if (known_pi(t->x, &t->pi))
        return 0;
    if (t->x < UINT64_MAX && !pk_is_prime_u64(t->x + 1) && known_pi(t->x + 1, &t->pi))
        return 0;
    t->st = pk_lmo_pi(t->x, NULL, &t->pi);
    return t->st != PK_OK;
}

/* LMO as the reference for the sieve's ranges where the O(x^3/4) count is too dear; up to
 * here pi(x) takes about a minute on one core of the development VM (1e16: 18 s). */
#define LMO_REFERENCE_MAX 100000000000000000ull

/* The references' cost in seconds, from one core of the development VM (2026-11-29, while
 * other work ran): the O(x^3/4) count took 17 s at 1e13 and 75 s at 1e14 (about 20 ns per
 * unit of pk_prime_count_combinatorial_cost), LMO 2.8 s at 1e15 (0.3 ns per x^(2/3)), with
 * about 10 ms of tables and threads at any x, Miller-Rabin 0.25 us per number.  A window of
 * one number at N = 1e15 used to take the O(x^3/4) count twice (minutes) where Miller-Rabin
 * needs microseconds. */
static double lucy_seconds(uint64_t a, uint64_t n)
{
    double u = pk_prime_count_combinatorial_cost(n) + (a >= 2 ? pk_prime_count_combinatorial_cost(a - 1) : 0);
    return 2e-8 * u;
}

/* Independent verification: a known value, else the cheapest sound method that is affordable.
 * Returns 1 verified, 0 wrong. */
static int verify(const primes_opts *o, uint64_t a, uint64_t n, const pk_primes_partial *got,
                  pk_record *r)
{
    uint64_t pi;
    if (a <= 2 && pk_primes_known_pi(n, &pi) && !o->want_sum) {
        pk_record_extra_str(r, "reference", "table of known pi(x)");
        return got->count == pi;
    }
    /* the candidates: the combinatorial count pi(N) - pi(A - 1) (counts and sums; up to 1e15
     * and an estimated 15 minutes), LMO's pi(N) - pi(A - 1) (a different algorithm from the
     * sieve: a count of leaves, not of marks; counts only, up to LMO_REFERENCE_MAX), and
     * Miller-Rabin on every number of a window of up to 2e8 */
    const uint64_t w = n - a + 1;
    const int lucy_ok = n <= 1000000000000000ull && pk_prime_count_combinatorial_cost(n) < 4e10;
    const int lmo_ok = !o->want_sum && n <= LMO_REFERENCE_MAX;
    const int mr_ok = n - a <= 200000000ull;
    const double t_lucy = lucy_ok ? lucy_seconds(a, n) : INFINITY;
    const double t_lmo = lmo_ok ? 0.01 + 3e-10 * pow((double)n, 2.0 / 3.0) : INFINITY;
    const double t_mr = mr_ok ? 2.5e-7 * (double)w : INFINITY;
    if (lucy_ok && t_lucy <= t_lmo && t_lucy <= t_mr) {
        uint64_t c1 = 0, c0 = 0;
        pk_u128 s1 = 0, s0 = 0;
        if (pk_prime_count_combinatorial(n, &c1, o->want_sum ? &s1 : NULL) == PK_OK &&
            (a < 2 || pk_prime_count_combinatorial(a - 1, &c0, o->want_sum ? &s0 : NULL) == PK_OK)) {
            pk_record_extra_str(r, "reference", "combinatorial prime count (Lucy/Legendre)");
            return got->count == c1 - c0 && (!o->want_sum || got->sum == s1 - s0);
        }
    }
    if (lmo_ok && t_lmo <= t_mr) {   /* the two counts on two threads */
        pi_task t[2] = {{.x = n}, {.x = a > 0 ? a - 1 : 0}};
        if (pk_run_tasks_on(2, 2, pi_task_run, t) == 0) {
            pk_record_extra_str(r, "reference", "pi(N) - pi(A-1) by LMO (combinatorial count)");
            return got->count == t[0].pi - t[1].pi;
        }
    }
    if (mr_ok) {
        uint64_t c = 0;
        pk_u128 s = 0;
        for (uint64_t x = a;; x++) {
            if (pk_is_prime_u64(x))
                c++, s += x;
            if (x == n)
                break;
        }
        pk_record_extra_str(r, "reference", "Miller-Rabin on every number");
        return got->count == c && (!o->want_sum || got->sum == s);
    }
    pk_record_extra_str(r, "reference", "none affordable for this range: verification FAILED by rule");
    return 0;
}

/* ---- pi(N) by LMO: verification independent of the run ---- */

/* pi(x) from a table: primes.c's (10^k), then x = 2^k and a few others, each computed by
 * primecount 7.6 (an independent program) on the development VM, one run each. */
static int known_pi(uint64_t x, uint64_t *pi)
{
    if (pk_primes_known_pi(x, pi))
        return 1;
    static const struct { uint64_t x, pi; } t[] = {
        {1ull << 32, 203280221ull},
        {(1ull << 32) - 1, 203280221ull},
        {(1ull << 32) + 1, 203280221ull},
        {1ull << 33, 393615806ull},
        {1ull << 36, 2874398515ull},
        {1ull << 40, 41203088796ull},
        {1ull << 44, 597116381732ull},
        {1ull << 48, 8731188863470ull},
        {1ull << 50, 33483379603407ull},
        {1ull << 52, 128625503610475ull},
        {1ull << 54, 494890204904784ull},
        {1ull << 56, 1906879381028850ull},
        {1ull << 58, 7357400267843990ull},
        {1ull << 60, 28423094496953330ull},
        {1ull << 62, 109932807585469973ull},
        {1ull << 63, 216289611853439384ull},
        {UINT64_MAX, 425656284035217743ull},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].x == x) {
            *pi = t[i].pi;
            return 1;
        }
    return 0;
}

/* The tuning of the second, checking run: another y, segment and block count, so the work
 * is split differently (other leaves easy or hard, other carries between blocks). */
static void second_tuning(const pk_lmo_ctx *c, pk_lmo_tuning *t)
{
    *t = (pk_lmo_tuning){0};
    t->alpha = c->alpha * 1.5;
    if ((double)c->y * 1.4 >= (double)c->sqrtx)   /* y clamped at sqrt x: go down instead */
        t->alpha = c->alpha / 1.5;
    t->seg_log2 = c->seg_log2 > 12 ? c->seg_log2 - 1 : c->seg_log2 + 1;
    t->blocks = c->nblocks > 1 ? (unsigned)(c->nblocks / 2 + 1) : 3;
    /* a quarter of the pi table past y: the easy leaves past it are counted on the sieve (with
     * no table in the first run, the default gives the second one a table) */
    t->pitab_max = c->T > c->y ? c->y + (c->T - c->y) / 4 : 0;
}

static int verify_pi(uint64_t n, uint64_t got, const pk_lmo_ctx *c, pk_record *r)
{
    uint64_t pi;
    if (known_pi(n, &pi)) {
        pk_record_extra_str(r, "reference", "table of known pi(x)");
        return got == pi;
    }
    if (n <= 1000000000000ull) {   /* about a second of the O(x^3/4) count at 1e12 */
        uint64_t cnt;
        if (pk_prime_count_combinatorial(n, &cnt, NULL) == PK_OK) {
            pk_record_extra_str(r, "reference", "combinatorial prime count (Lucy/Legendre)");
            return got == cnt;
        }
    }
    pk_lmo_tuning t;
    second_tuning(c, &t);
    if (pk_lmo_pi(n, &t, &pi) != PK_OK) {
        pk_record_extra_str(r, "reference", "second LMO run failed: verification FAILED by rule");
        return 0;
    }
    char buf[160];
    snprintf(buf, sizeof buf,
             "second LMO run with other tuning (alpha %.2f, segment 2^%u bits, %u blocks, pi table to %llu)",
             t.alpha, t.seg_log2, t.blocks, (unsigned long long)t.pitab_max);
    pk_record_extra_str(r, "reference", buf);
    return got == pi;
}

typedef struct {
    const primes_opts *o;
    uint64_t n;
    int lmo;   /* this run counts by LMO */
    unsigned workers;   /* ranks x threads: LMO cuts at least 8 blocks for each */
    pk_primes_ctx ctx;
    pk_lmo_ctx lctx;
    pk_par_omp par;     /* this process's threads, lent to the setup of the sieving primes */
    int have_ctx, have_lctx, print_failed;
} primes_state;

static pk_status primes_setup(void *vs, pk_kernel_job *job, const char **why)
{
    primes_state *st = vs;
    if (st->lmo) {
        pk_lmo_tuning t = {.workers = st->workers};
        pk_status s = pk_lmo_setup(&st->lctx, st->n, &t);
        st->have_lctx = s == PK_OK;
        if (s == PK_ENOMEM)
            *why = "out of memory for the tables up to y = alpha x^(1/3)";
        *job = (pk_kernel_job){.kernel = &st->lctx.kernel, .ctx = &st->lctx, .n = st->n,
                               .lo = 0, .hi = s == PK_OK ? st->lctx.nblocks : 0};
        return s;
    }
    pk_status s = pk_primes_setup_par(&st->ctx, st->o->algo, st->n, st->o->want_sum, &st->par.par);
    st->have_ctx = s == PK_OK;
    *job = (pk_kernel_job){.kernel = &pk_primes_kernel, .ctx = &st->ctx, .n = st->n};
    if (s == PK_OK)
        pk_primes_index_range(st->o->from, st->n, &job->lo, &job->hi);
    return s;
}

/* Test hook: PARKIT_TEST_PI_OFFSET=k adds k to a count (LMO or sieve) before it is reported
 * and verified, so the tests watch the verification fail.  Not for use. */
static uint64_t test_offset(void)
{
    const char *v = getenv("PARKIT_TEST_PI_OFFSET");
    return v ? (uint64_t)strtoll(v, NULL, 10) : 0;
}

static void primes_describe(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    primes_state *st = vs;
    if (st->lmo) {
        uint64_t pi = pk_lmo_result(&st->lctx, result) + test_offset();
        pk_record_set_result(r, "%llu", (unsigned long long)pi);
        pk_record_extra_str(r, "algo", "lmo");
        pk_record_extra_u64(r, "from", 0);
        pk_record_extra_u64(r, "lmo_y", st->lctx.y);
        pk_record_extra_u64(r, "lmo_blocks", st->lctx.nblocks);
        r->rate = r->seconds_median > 0 ? (double)st->n / r->seconds_median : 0;
        r->rate_unit = "numbers/s";
        return;
    }
    const pk_primes_partial *got = result;
    char b1[48];
    pk_record_set_result(r, "%llu", (unsigned long long)(got->count + test_offset()));
    if (st->o->want_sum)
        pk_record_extra_str(r, "sum", pk_u128_str(got->sum, b1));
    pk_record_extra_str(r, "algo", pk_algo_name(st->o->algo));
    pk_record_extra_u64(r, "from", st->o->from);
    r->rate = r->seconds_median > 0 ? (double)(job->hi - job->lo) / r->seconds_median : 0;
    r->rate_unit = "numbers/s";
    if (st->o->print && pk_primes_foreach(&st->ctx, st->o->from, st->n, print_batch, NULL) != 0)
        st->print_failed = 1;   /* the list is part of the answer: a cut list is not verified */
}

static int primes_verify(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    (void)job;
    primes_state *st = vs;
    if (st->lmo)
        return verify_pi(st->n, pk_lmo_result(&st->lctx, result) + test_offset(), &st->lctx, r);
    pk_primes_partial got = *(const pk_primes_partial *)result;
    got.count += test_offset();
    return verify(st->o, st->o->from, st->n, &got, r) && !st->print_failed;
}

static void primes_teardown(void *vs)
{
    primes_state *st = vs;
    if (st->have_ctx)
        pk_primes_free(&st->ctx);
    if (st->have_lctx)
        pk_lmo_free(&st->lctx);
}

static const pk_kernel_phases primes_phases = {
    .name = "primes", .setup = primes_setup, .describe = primes_describe,
    .verify = primes_verify, .teardown = primes_teardown,
};

static int primes_run(const pk_cli *cli, void *vo, int argc, char **argv)
{
    primes_state st = {.o = vo};
    int rc = pk_arg_n("primes", argc, argv, &st.n);
    if (rc)
        return rc;
    if (st.o->from > st.n)
        return pk_usage_error("primes: --from %llu is larger than N = %llu",
                              (unsigned long long)st.o->from, (unsigned long long)st.n);
    const primes_opts *o = st.o;
    const int plain_pi = !o->from_given && !o->want_sum && !o->print;
    if (o->lmo == 1 && !plain_pi)
        return pk_usage_error("primes --algo lmo: counts pi(N) only; --from, --sum and --print need "
                              "--algo sieve, trial or naive");
    st.lmo = o->lmo == 1 || (o->lmo == -1 && plain_pi && st.n >= LMO_AUTO_MIN);
    st.workers = (unsigned)cli->exec.threads * (unsigned)cli->exec.nranks;
    pk_par_omp_init(&st.par, pk_exec_local(&cli->exec).threads);
    return pk_run_kernel_command(cli, &primes_phases, &st);
}

static void primes_defaults(void *vo)
{
    ((primes_opts *)vo)->algo = PK_PRIMES_SIEVE;
    ((primes_opts *)vo)->lmo = -1;
}

const pk_command pk_cmd_primes = {
    .name = "primes",
    .args = "N",
    .summary = "count the primes <= N (pi(N)); LMO's combinatorial count, a segmented sieve, or trial / naive division",
    .options_help =
        "      --from A             count the primes in [A, N] (default 0)\n"
        "      --sum                also give their sum (128-bit)\n"
        "      --print              list them, one per line, before the report\n"
        "      --algo auto|lmo|sieve|trial|naive   how primes are found (default auto: lmo for\n"
        "                           pi(N) alone with N >= 1e8, else sieve; lmo is the\n"
        "                           combinatorial count of Lagarias-Miller-Odlyzko, N < 2^64;\n"
        "                           naive is the tutorial's division by every j up to i/2)\n",
    .options = primes_options,
    .opts_size = sizeof(primes_opts),
    .defaults = primes_defaults,
    .on_option = primes_option,
    .run = primes_run,
};
