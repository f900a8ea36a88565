/* Timing a kernel: warm-up runs discarded, then min / median / max over the repeats, the
 * per-thread and per-rank compute times of the median run and their imbalance (measure.c). */
#ifndef PK_MEASURE_H
#define PK_MEASURE_H
#include "cli.h"
#include "exec.h"
#include "report.h"

/* Run the kernel cli->warmup + cli->repeat times through the backend; fill the timing fields
 * of *r (min / median / max, per-thread seconds of the median run, imbalance) and leave the
 * last run's merged partial in *result (caller releases). Returns a kernel status. */
pk_status pk_measure(const pk_cli *cli, const pk_kernel *k, const void *ctx, uint64_t lo,
                     uint64_t hi, void *result, pk_record *r);

/* After `done` timed runs that took `total` seconds, is another one due (--repeat R, or
 * --repeat auto within --budget)?  Collective under MPI when auto (the ranks agree). */
int pk_repeat_more(const pk_cli *cli, int done, double total);

/* Minimum, median (mean of the middle two for even n) and maximum of n >= 1 values;
 * 0, or -1 when out of memory. */
int pk_summarize(const double *v, int n, double *min, double *median, double *max);

/* max / mean of n compute times (1 when all are 0). */
double pk_imbalance(const double *t, int n);

#endif
