/* parkit isprime NUM...: deterministic Miller-Rabin, many numbers in parallel. */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command.h"
#include "isprime.h"

typedef struct {
    const pk_cli *cli;
    int count;
    uint64_t *nums;
    uint8_t *verdict;   /* the side output: one byte per number, gathered to rank 0 */
    pk_isprime_ctx ctx;
} isprime_state;

static pk_status isprime_setup(void *vs, pk_kernel_job *job, const char **why)
{
    (void)why;
    isprime_state *st = vs;
    st->ctx = (pk_isprime_ctx){.nums = st->nums, .verdict = st->verdict};
    *job = (pk_kernel_job){.kernel = &pk_isprime_kernel, .ctx = &st->ctx, .lo = 0,
                           .hi = (uint64_t)st->count, .n = (uint64_t)st->count};
    return PK_OK;
}

static pk_status isprime_gather(void *vs, const pk_exec *exec)
{
    isprime_state *st = vs;
    return pk_backend_collect_bytes(exec, st->verdict, (size_t)st->count);
}

static void isprime_describe(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    (void)job, (void)result;
    isprime_state *st = vs;
    uint64_t primes = 0;
    for (int i = 0; i < st->count; i++)
        primes += st->verdict[i] ? 1 : 0;
    if (st->cli->format == PK_FMT_TEXT)
        for (int i = 0; i < st->count; i++)
            printf("%llu %s\n", (unsigned long long)st->nums[i], st->verdict[i] ? "prime" : "composite");
    else {
        json_object *arr = json_object_new_array();
        for (int i = 0; i < st->count; i++)   /* every verdict: a cut list would pass for a whole one */
            json_object_array_add(arr, json_object_new_string(st->verdict[i] ? "prime" : "composite"));
        json_object_object_add(r->extra, "verdicts", arr);
    }
    pk_record_set_result(r, "%llu", (unsigned long long)primes);
    r->rate = r->seconds_median > 0 ? st->count / r->seconds_median : 0;
    r->rate_unit = "tests/s";
}

/* GMP's own primality test (BPSW, no known counterexample below 2^64): an implementation
 * independent of ours.  The kernel's count of primes must agree with its verdicts too. */
static int isprime_verify(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    (void)job;
    isprime_state *st = vs;
    int ok = 1;
    uint64_t primes = 0;
    mpz_t z;
    mpz_init(z);
    for (int i = 0; i < st->count; i++) {
        mpz_set_ui(z, st->nums[i]);
        int ref = mpz_probab_prime_p(z, 30) > 0;
        primes += st->verdict[i] ? 1 : 0;
        if (ref != (st->verdict[i] != 0))
            ok = 0;
    }
    mpz_clear(z);
    pk_record_extra_str(r, "reference", "GMP mpz_probab_prime_p");
    return ok && primes == *(const uint64_t *)result;
}

static const pk_kernel_phases isprime_phases = {
    .name = "isprime", .setup = isprime_setup, .gather = isprime_gather,
    .describe = isprime_describe, .verify = isprime_verify,
};

static int isprime_run(const pk_cli *cli, void *vo, int argc, char **argv)
{
    (void)vo;
    if (argc < 1)
        return pk_usage_error("isprime: missing NUM (see parkit isprime --help)");
    isprime_state st = {.cli = cli, .count = argc};
    st.nums = malloc((size_t)argc * sizeof *st.nums);
    st.verdict = calloc((size_t)argc, 1);
    int rc = pk_agree(!st.nums || !st.verdict, "isprime: out of memory");
    for (int i = 0; rc == PK_EXIT_OK && i < argc; i++)
        rc = pk_arg_u64("isprime", "NUM", argv[i], &st.nums[i]);
    if (rc == PK_EXIT_OK)
        rc = pk_run_kernel_command(cli, &isprime_phases, &st);
    free(st.nums);
    free(st.verdict);
    return rc;
}

const pk_command pk_cmd_isprime = {
    .name = "isprime",
    .args = "NUM...",
    .summary = "deterministic Miller-Rabin for every n < 2^64; prints NUM prime|composite",
    .run = isprime_run,
};
