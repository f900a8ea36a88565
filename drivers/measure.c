/* Timing: warm-up runs discarded, then min / median / max over the repeats; per-thread
 * compute times of the median run and their imbalance (max / mean). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mpi_env.h"
#include "measure.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double fabs_diff(double a, double b)
{
    return a > b ? a - b : b - a;
}

int pk_summarize(const double *v, int n, double *min, double *median, double *max)
{
    double *sorted = malloc((size_t)n * sizeof *sorted);
    if (!sorted || n < 1) {
        free(sorted);
        return -1;
    }
    memcpy(sorted, v, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
    *min = sorted[0];
    *max = sorted[n - 1];
    *median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    free(sorted);
    return 0;
}

double pk_imbalance(const double *t, int n)
{
    double max = 0, sum = 0;
    for (int i = 0; i < n; i++) {
        sum += t[i];
        if (t[i] > max)
            max = t[i];
    }
    return sum > 0 ? max / (sum / n) : 1.0;
}

/* Timed runs: exactly cli->repeat, or with --repeat auto (the default) until their total
 * reaches cli->budget seconds and 3 runs, or cli->repeat runs, whichever first (one run when
 * it alone took the budget) -- every rank agrees on
 * whether to go on, so the collectives stay matched. */
int pk_repeat_more(const pk_cli *cli, int done, double total)
{
    /* auto: at least 3 runs for a stable median, unless the first one alone took the budget */
    int more = done < cli->repeat &&
               (!cli->repeat_auto || total < cli->budget || (done < 3 && !(done == 1 && total >= cli->budget)));
    if (cli->repeat_auto && cli->exec.nranks > 1) {
        int mn, mx;
        pk_mpi_minmax_int(more, &mn, &mx);
        more = mx;   /* rank 0's clock and the others' differ slightly: go on while any says so */
    }
    return more;
}

pk_status pk_measure(const pk_cli *cli, const pk_kernel *k, const void *ctx, uint64_t lo,
                     uint64_t hi, void *result, pk_record *r)
{
    int maxruns = cli->warmup + cli->repeat, T = cli->exec.threads;
    double *secs = calloc((size_t)maxruns, sizeof *secs);
    double *comm = calloc((size_t)maxruns, sizeof *comm);
    double *threads = calloc((size_t)maxruns * (size_t)T, sizeof *threads);
    int P = cli->exec.nranks;
    double *ranks = calloc((size_t)maxruns * (size_t)P, sizeof *ranks);
    int *chunks = calloc((size_t)maxruns * (size_t)P, sizeof *chunks);
    pk_status err = (secs && comm && threads && ranks && chunks) ? PK_OK : PK_ENOMEM;
    /* every rank enters the backend's collectives, or none does */
    if (cli->exec.nranks > 1) {
        if (pk_mpi_agree(err != PK_OK, NULL) && err == PK_OK)
            err = PK_ENOMEM;   /* another rank could not allocate its timing buffers */
    }
    int have = 0, runs = 0;
    double timed = 0;
    while (err == PK_OK && (runs < cli->warmup || pk_repeat_more(cli, runs - cli->warmup, timed))) {
        int i = runs;
        if (have && k->release)
            k->release(ctx, result);
        pk_run_stats st = {.thread_seconds = threads + (size_t)i * (size_t)T,
                           .rank_seconds = ranks + (size_t)i * (size_t)P,
                           .rank_chunks = chunks + (size_t)i * (size_t)P};
        err = pk_backend_run(k, ctx, lo, hi, &cli->exec, result, &st);
        have = 1;
        secs[i] = st.seconds;
        comm[i] = st.comm_seconds;
        if (i >= cli->warmup)
            timed += st.seconds;
        runs++;
    }
    if (err == PK_OK) {
        /* statistics of the timed runs (warm-ups excluded) */
        if (pk_record_samples(r, secs + cli->warmup, runs - cli->warmup) != 0) {
            err = PK_ENOMEM;
        } else {
            int med = cli->warmup;   /* the timed run closest to the median */
            for (int i = cli->warmup; i < runs; i++)
                if (fabs_diff(secs[i], r->seconds_median) < fabs_diff(secs[med], r->seconds_median))
                    med = i;
            r->comm_seconds = comm[med];
            free(r->per_thread_seconds);
            r->per_thread_seconds = malloc((size_t)T * sizeof(double));
            if (r->per_thread_seconds) {
                memcpy(r->per_thread_seconds, threads + (size_t)med * (size_t)T, (size_t)T * sizeof(double));
                r->nper_thread = T;
                r->imbalance = pk_imbalance(r->per_thread_seconds, T);
            }
            if (P > 1) {   /* across ranks: each rank's compute time */
                free(r->per_rank_seconds);
                r->per_rank_seconds = malloc((size_t)P * sizeof(double));
                if (r->per_rank_seconds) {
                    memcpy(r->per_rank_seconds, ranks + (size_t)med * (size_t)P, (size_t)P * sizeof(double));
                    r->nper_rank = P;
                    double ib = pk_imbalance(r->per_rank_seconds, P), mn = r->per_rank_seconds[0],
                           mx = mn, sum = 0;
                    for (int q = 0; q < P; q++) {
                        double x = r->per_rank_seconds[q];
                        mn = x < mn ? x : mn;
                        mx = x > mx ? x : mx;
                        sum += x;
                    }
                    pk_record_extra_double(r, "rank_seconds_min", mn);
                    pk_record_extra_double(r, "rank_seconds_avg", sum / P);
                    pk_record_extra_double(r, "rank_seconds_max", mx);
                    pk_record_extra_double(r, "rank_imbalance", ib);
                    pk_record_extra_double(r, "thread_imbalance_rank0", r->imbalance);
                    const int *ch = chunks + (size_t)med * (size_t)P;
                    long dealt = 0;
                    for (int q = 0; q < P; q++)
                        dealt += ch[q];
                    if (dealt)   /* dealt in chunks: how many each rank took, [40, 24] */
                        pk_record_extra_ints(r, "rank_chunks", ch, P);
                    if (ib > r->imbalance)
                        r->imbalance = ib;
                }
            }
        }
    } else if (!have) {
        k->identity(ctx, result);
    }
    free(secs);
    free(comm);
    free(threads);
    free(ranks);
    free(chunks);
    return err;
}
