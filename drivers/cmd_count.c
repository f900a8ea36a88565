/* parkit count N: the counting loop, split across workers; the answer must be N. */
#include "cmdutil.h"
#include "measure.h"
#include "count.h"

static int count_run(const pk_cli *cli, void *opts, int argc, char **argv)
{
    (void)opts;
    uint64_t n;
    int rc = pk_one_n("count", argc, argv, &n);
    if (rc)
        return rc;
    pk_count_ctx ctx = {.n = n};
    pk_record r;
    pk_record_init(&r, cli, "count");
    pk_record_set_n(&r, n);
    uint64_t result = 0;
    pk_status s = pk_measure(cli, &pk_count_kernel, &ctx, 0, n, &result, &r);
    if (s != PK_OK) {
        pk_record_free(&r);
        return pk_runtime_error("count: %s", pk_status_str(s));
    }
    pk_record_set_result(&r, "%llu", (unsigned long long)result);
    r.verified = result == n;
    /* wall-clock ns per iteration, and what one worker spends per iteration */
    int workers = cli->exec.threads * cli->exec.nranks;
    r.rate = n ? r.seconds_median * 1e9 / (double)n : 0;
    r.rate_unit = "ns/iteration";
    pk_record_extra_double(&r, "ns_per_iteration_per_worker", r.rate * workers);
    pk_record_extra_double(&r, "iterations_per_second", r.seconds_median > 0 ? (double)n / r.seconds_median : 0);
    return pk_finish(cli, &r);
}

const pk_command pk_cmd_count = {
    .name = "count",
    .args = "N",
    .summary = "the counting loop (result += 1, N times); the answer must be N",
    .run = count_run,
};
