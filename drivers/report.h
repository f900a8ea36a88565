/* Reports: one record per run, printed as text, CSV or JSON Lines, and appended to --results. */
#ifndef PK_REPORT_H
#define PK_REPORT_H
#include <json-c/json.h>
#include "cli.h"
#include "exec.h"
#include "pk_kernel.h"
#include "outfile.h"
#include "stats.h"

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
    double *samples;             /* owned: every timed run's seconds, in run order */
    int nsamples;
    pk_stats stats;              /* of the samples */
    json_object *machine;        /* owned: the machine's state (machine.h), or NULL */
} pk_record;

void pk_record_init(pk_record *r, const pk_cli *cli, const char *kernel);
void pk_record_free(pk_record *r);
void pk_record_set_n(pk_record *r, uint64_t n);
/* Keep n >= 1 timed samples and set min / median / max and the statistics from them;
 * 0, or -1 when out of memory. */
int pk_record_samples(pk_record *r, const double *secs, int n);
void pk_record_set_result(pk_record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pk_record_extra_str(pk_record *r, const char *key, const char *val);
void pk_record_extra_u64(pk_record *r, const char *key, uint64_t val);
void pk_record_extra_double(pk_record *r, const char *key, double val);
/* an array of n ints (JSON: [18, 21]; text: 18 21) */
void pk_record_extra_ints(pk_record *r, const char *key, const int *val, int n);

/* ---- the report engine: a row is a JSON object of named fields; a layout names the CSV
 * columns; text is each command's own block.  JSON Lines print the row as it is. ---- */
typedef struct pk_layout {
    const char *name;             /* "kernel", "fetch" */
    const char *const *columns;   /* CSV columns in order, NULL-terminated; a column "a_b" that
                                     a row lacks reads row[a][b] (seconds_min <- seconds.min) */
} pk_layout;
extern const pk_layout pk_kernel_layout;   /* every kernel command's rows */

/* The CSV header line and a row's CSV line under layout l (malloc'd, '\n'-terminated). */
char *pk_csv_header(const pk_layout *l);
char *pk_csv_row(const pk_layout *l, json_object *row);
/* A CSV row on stdout, the header first (once per process and layout). */
void pk_print_csv(const pk_layout *l, json_object *row);
/* Append a row to --results (rank 0; locked, whole or not at all).  A file that already
 * holds rows of another layout is refused, never misaligned.  PK_EXIT_OK, or a runtime
 * error printed and returned. */
int pk_results_append(const pk_cli *cli, const pk_layout *l, json_object *row);
/* Before the work: can rows of layout l be appended to --results?  Collective under MPI
 * (every rank gets the answer); PK_EXIT_OK or a usage error printed once. */
int pk_results_check(const pk_cli *cli, const pk_layout *l);

/* Print *r (rank 0 only) in cli->format and append a CSV row to cli->results_path.
 * Returns 0, or 1 when the results file could not be written. */
int pk_report_emit(const pk_cli *cli, const pk_record *r);


const char *pk_mode_name(pk_mode m);
const char *pk_sched_name(pk_sched s);
#endif
