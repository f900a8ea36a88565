/* parkit count N: the counting loop, split across workers; the answer must be N. */
#include "command.h"
#include "count.h"

typedef struct {
    uint64_t n;
    pk_count_ctx ctx;
    int workers;
} count_state;

static pk_status count_setup(void *vs, pk_kernel_job *job, const char **why)
{
    (void)why;
    count_state *st = vs;
    st->ctx.n = st->n;
    *job = (pk_kernel_job){.kernel = &pk_count_kernel, .ctx = &st->ctx, .lo = 0, .hi = st->n, .n = st->n};
    return PK_OK;
}

static void count_describe(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    const count_state *st = vs;
    pk_record_set_result(r, "%llu", (unsigned long long)*(const uint64_t *)result);
    /* wall-clock ns per iteration, and what one worker spends per iteration */
    r->rate = job->n ? r->seconds_median * 1e9 / (double)job->n : 0;
    r->rate_unit = "ns/iteration";
    pk_record_extra_double(r, "ns_per_iteration_per_worker", r->rate * st->workers);
    pk_record_extra_double(r, "iterations_per_second",
                           r->seconds_median > 0 ? (double)job->n / r->seconds_median : 0);
}

static int count_verify(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    (void)vs, (void)r;
    return *(const uint64_t *)result == job->n;   /* the known answer */
}

static const pk_kernel_phases count_phases = {
    .name = "count", .setup = count_setup, .describe = count_describe, .verify = count_verify,
};

static int count_run(const pk_cli *cli, void *opts, int argc, char **argv)
{
    (void)opts;
    count_state st = {.workers = cli->exec.threads * cli->exec.nranks};
    int rc = pk_arg_n("count", argc, argv, &st.n);
    return rc ? rc : pk_run_kernel_command(cli, &count_phases, &st);
}

const pk_command pk_cmd_count = {
    .name = "count",
    .args = "N",
    .summary = "the counting loop (result += 1, N times); the answer must be N",
    .run = count_run,
};
