/* Reports: one record per run, printed as text, CSV or JSON Lines, and appended to --results. */
#ifndef PK_REPORT_H
#define PK_REPORT_H
#include <json-c/json.h>
#include "cli.h"
#include "backend.h"
#include "pk_kernel.h"
#include "outfile.h"

typedef struct pk_record {
    const char *kernel;
    char n[64];                  /* the problem size, decimal */
    char schedule[40];
    char *result;                /* owned; a string: results can be huge */
    int verified;
    double seconds_min, seconds_median, seconds_max;
    double setup_seconds, comm_seconds;
    double rate;                 /* per second, in rate_unit (or per-iteration ns for count) */
    const char *rate_unit;
    double *per_thread_seconds;  /* owned, nthreads entries (of the median run) */
    int nper_thread;
    double imbalance;            /* max / mean of per-worker compute time */
    double *per_rank_seconds;    /* owned, MPI: compute seconds per rank (rank 0 only) */
    int nper_rank;
    json_object *extra;          /* owned: kernel-specific fields, shown in text and JSON */
} pk_record;

void pk_record_init(pk_record *r, const pk_cli *cli, const char *kernel);
void pk_record_free(pk_record *r);
void pk_record_set_n(pk_record *r, uint64_t n);
void pk_record_set_result(pk_record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pk_record_extra_str(pk_record *r, const char *key, const char *val);
void pk_record_extra_u64(pk_record *r, const char *key, uint64_t val);
void pk_record_extra_double(pk_record *r, const char *key, double val);

/* Run the kernel cli->warmup + cli->repeat times through the backend; fill the timing fields
 * of *r (min / median / max, per-thread seconds of the median run, imbalance) and leave the
 * last run's merged partial in *result (caller releases). Returns a kernel status. */
pk_status pk_measure(const pk_cli *cli, const pk_kernel *k, const void *ctx, uint64_t lo,
                     uint64_t hi, void *result, pk_record *r);

/* Print *r (rank 0 only) in cli->format and append a CSV row to cli->results_path.
 * Returns 0, or 1 when the results file could not be written. */
int pk_report_emit(const pk_cli *cli, const pk_record *r);


/* Provenance as a JSON object (host, cpu, cores, compiler, flags, version, git_commit,
 * omp_env, timestamp, mpi, slurm_*); caller owns it. */
json_object *pk_provenance(const pk_cli *cli);
/* The commit parkit was built from ("-dirty": with uncommitted changes outside results/),
 * or "unknown". */
const char *pk_git_commit(void);

/* Minimum, median (mean of the middle two for even n) and maximum of n >= 1 values;
 * 0, or -1 when out of memory. */
int pk_summarize(const double *v, int n, double *min, double *median, double *max);

/* max / mean of n compute times (1 when all are 0). */
double pk_imbalance(const double *t, int n);

const char *pk_mode_name(pk_mode m);
const char *pk_sched_name(pk_sched s);
#endif
