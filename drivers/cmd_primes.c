/* parkit primes N: count (and sum, and list) the primes in [A, N]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdutil.h"
#include "measure.h"
#include "isprime.h"
#include "primecount.h"
#include "primes.h"

enum { OPT_FROM = 400, OPT_SUM, OPT_PRINT, OPT_ALGO };

typedef struct {
    uint64_t from;
    int want_sum, print;
    pk_primes_algo algo;
} primes_opts;

static const struct option primes_options[] = {
    {"from", required_argument, NULL, OPT_FROM},
    {"sum", no_argument, NULL, OPT_SUM},
    {"print", no_argument, NULL, OPT_PRINT},
    {"algo", required_argument, NULL, OPT_ALGO},
    {0},
};

int pk_parse_algo(const char *cmd, const char *arg, pk_primes_algo *algo)
{
    if (!strcmp(arg, "sieve"))
        *algo = PK_PRIMES_SIEVE;
    else if (!strcmp(arg, "trial"))
        *algo = PK_PRIMES_TRIAL;
    else if (!strcmp(arg, "naive"))
        *algo = PK_PRIMES_NAIVE;
    else
        return pk_usage_error("%s --algo: expected sieve, trial or naive, got \"%s\"", cmd, arg);
    return PK_EXIT_OK;
}

const char *pk_algo_name(pk_primes_algo a)
{
    return a == PK_PRIMES_TRIAL ? "trial" : a == PK_PRIMES_NAIVE ? "naive" : "sieve";
}

static int primes_option(void *vo, int val, const char *arg)
{
    primes_opts *o = vo;
    switch (val) {
    case OPT_FROM: return pk_arg_u64("primes --from", "A", arg, &o->from);
    case OPT_SUM: o->want_sum = 1; return PK_EXIT_OK;
    case OPT_PRINT: o->print = 1; return PK_EXIT_OK;
    case OPT_ALGO: return pk_parse_algo("primes", arg, &o->algo);
    }
    return PK_EXIT_USAGE;
}

static int print_batch(const uint64_t *p, size_t n, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < n; i++)
        if (printf("%llu\n", (unsigned long long)p[i]) < 0)
            return 1;
    return 0;
}

/* Independent verification, cheapest sound method first. Returns 1 verified, 0 wrong. */
static int verify(const primes_opts *o, uint64_t a, uint64_t n, const pk_primes_partial *got,
                  pk_record *r)
{
    uint64_t pi;
    if (a <= 2 && pk_primes_known_pi(n, &pi) && !o->want_sum) {
        pk_record_extra_str(r, "reference", "table of known pi(x)");
        return got->count == pi;
    }
    /* combinatorial count pi(N) - pi(A - 1), when affordable */
    if (n <= 1000000000000000ull && pk_prime_count_combinatorial_cost(n) < 4e10) {
        uint64_t c1 = 0, c0 = 0;
        pk_u128 s1 = 0, s0 = 0;
        if (pk_prime_count_combinatorial(n, &c1, o->want_sum ? &s1 : NULL) == PK_OK &&
            (a < 2 || pk_prime_count_combinatorial(a - 1, &c0, o->want_sum ? &s0 : NULL) == PK_OK)) {
            pk_record_extra_str(r, "reference", "combinatorial prime count (Lucy/Legendre)");
            return got->count == c1 - c0 && (!o->want_sum || got->sum == s1 - s0);
        }
    }
    /* a narrow window far out: Miller-Rabin on every number */
    if (n - a <= 200000000ull) {
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

static int primes_run(const pk_cli *cli, void *vo, int argc, char **argv)
{
    primes_opts *o = vo;
    uint64_t n;
    int rc = pk_one_n("primes", argc, argv, &n);
    if (rc)
        return rc;
    if (o->from > n)
        return pk_usage_error("primes: --from %llu is larger than N = %llu",
                              (unsigned long long)o->from, (unsigned long long)n);
    uint64_t a = o->from;
    pk_primes_ctx ctx;
    double t0 = pk_wtime();
    pk_status s = pk_primes_setup(&ctx, o->algo, n, o->want_sum);
    double setup = pk_wtime() - t0;
    if ((rc = pk_agree(s != PK_OK, "primes: setup: %s", pk_status_str(s))) != 0) {
        if (s == PK_OK)
            pk_primes_free(&ctx);
        return rc;
    }
    uint64_t lo, hi;
    pk_primes_index_range(a, n, &lo, &hi);

    pk_record r;
    pk_record_init(&r, cli, "primes");
    pk_record_set_n(&r, n);
    r.setup_seconds = setup;
    pk_primes_partial got;
    s = pk_measure(cli, &pk_primes_kernel, &ctx, lo, hi, &got, &r);
    if (s != PK_OK) {
        pk_primes_free(&ctx);
        pk_record_free(&r);
        return pk_runtime_error("primes: %s", pk_status_str(s));
    }
    char b1[48];
    if (o->want_sum) {
        pk_record_set_result(&r, "%llu", (unsigned long long)got.count);
        pk_record_extra_str(&r, "sum", pk_u128_str(got.sum, b1));
    } else {
        pk_record_set_result(&r, "%llu", (unsigned long long)got.count);
    }
    pk_record_extra_str(&r, "algo", pk_algo_name(o->algo));
    pk_record_extra_u64(&r, "from", a);
    r.verified = pk_is_root() ? verify(o, a, n, &got, &r) : 1;
    r.rate = r.seconds_median > 0 ? (double)(hi - lo) / r.seconds_median : 0;
    r.rate_unit = "numbers/s";
    if (o->print && pk_is_root() && pk_primes_foreach(&ctx, a, n, print_batch, NULL) != 0)
        r.verified = 0;
    pk_primes_free(&ctx);
    return pk_finish(cli, &r);
}

static void primes_defaults(void *vo)
{
    ((primes_opts *)vo)->algo = PK_PRIMES_SIEVE;
}

const pk_command pk_cmd_primes = {
    .name = "primes",
    .args = "N",
    .summary = "count the primes <= N (pi(N)); a segmented sieve, or trial / naive division",
    .options_help =
        "      --from A             count the primes in [A, N] (default 0)\n"
        "      --sum                also give their sum (128-bit)\n"
        "      --print              list them, one per line, before the report\n"
        "      --algo sieve|trial|naive   how primes are found (default sieve; naive is the\n"
        "                           tutorial's division by every j up to i/2)\n",
    .options = primes_options,
    .opts_size = sizeof(primes_opts),
    .defaults = primes_defaults,
    .on_option = primes_option,
    .run = primes_run,
};
