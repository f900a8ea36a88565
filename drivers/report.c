/* Reports: one record per run. The record becomes one JSON object, and the text block, the
 * CSV row and the JSON line are all rendered from that object, so the three formats always
 * carry the same fields under the same names. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mpi_env.h"
#include "outfile.h"
#include "provenance.h"
#include "report.h"
#include "command.h"

/* Stable CSV columns: scripts and plots depend on these names and this order. */
static const char *const csv_columns[] = {
    "kernel", "n", "class", "mode", "ranks", "threads", "schedule", "result", "verified",
    "seconds_min", "seconds_median", "seconds_max", "seconds_mean", "seconds_sd",
    "seconds_ci_low", "seconds_ci_high", "seconds_ci_level", "repeats", "repeat_policy",
    "seconds_samples", "setup_seconds", "comm_seconds", "rate",
    "rate_unit", "imbalance", "per_thread_seconds", "host", "cpu", "cores",
    "machine_governor", "machine_boost", "machine_thp", "machine_load", "machine_cpu_quota",
    "machine_cpus", "machine_workers_per_cpu", "machine_bound_shared", "machine_smt",
    "machine_numa_nodes", "machine_warnings", "compiler", "flags",
    "version", "git_commit", "mpi", "omp_env", "slurm_job_id", "slurm_nodelist", "slurm_ntasks",
    "slurm_cpus_per_task", "slurm_array_task_id", "timestamp", "details", NULL};

const char *pk_mode_name(pk_mode m)
{
    switch (m) {
    case PK_MODE_SERIAL: return "serial";
    case PK_MODE_OMP: return "omp";
    case PK_MODE_MPI: return "mpi";
    case PK_MODE_HYBRID: return "hybrid";
    case PK_MODE_AUTO: break;
    }
    return "auto";
}

const char *pk_sched_name(pk_sched s)
{
    switch (s) {
    case PK_SCHED_DYNAMIC: return "dynamic";
    case PK_SCHED_GUIDED: return "guided";
    case PK_SCHED_STATIC: break;
    }
    return "static";
}

void pk_record_init(pk_record *r, const pk_cli *cli, const char *kernel)
{
    memset(r, 0, sizeof *r);
    r->kernel = kernel;
    r->extra = json_object_new_object();
    r->imbalance = 1.0;
    if (cli->exec.mode == PK_MODE_SERIAL)
        snprintf(r->schedule, sizeof r->schedule, "none");
    else if (cli->exec.chunk)
        snprintf(r->schedule, sizeof r->schedule, "%s,%llu", pk_sched_name(cli->exec.sched),
                 (unsigned long long)cli->exec.chunk);
    else
        snprintf(r->schedule, sizeof r->schedule, "%s", pk_sched_name(cli->exec.sched));
}

void pk_record_free(pk_record *r)
{
    free(r->result);
    free(r->per_thread_seconds);
    free(r->per_rank_seconds);
    free(r->samples);
    json_object_put(r->extra);
    json_object_put(r->machine);
    memset(r, 0, sizeof *r);
}

void pk_record_set_n(pk_record *r, uint64_t n)
{
    snprintf(r->n, sizeof r->n, "%llu", (unsigned long long)n);
}

int pk_record_samples(pk_record *r, const double *secs, int n)
{
    double *copy = n > 0 ? malloc((size_t)n * sizeof *copy) : NULL;
    if (!copy || pk_stats_compute(secs, n, &r->stats) != 0) {
        free(copy);
        return -1;
    }
    memcpy(copy, secs, (size_t)n * sizeof *copy);
    free(r->samples);
    r->samples = copy;
    r->nsamples = n;
    r->seconds_min = r->stats.min;
    r->seconds_median = r->stats.median;
    r->seconds_max = r->stats.max;
    return 0;
}

void pk_record_set_result(pk_record *r, const char *fmt, ...)
{
    va_list ap;
    free(r->result);
    r->result = NULL;
    va_start(ap, fmt);
    if (vasprintf(&r->result, fmt, ap) < 0)
        r->result = NULL;
    va_end(ap);
}

void pk_record_extra_str(pk_record *r, const char *key, const char *val)
{
    json_object_object_add(r->extra, key, json_object_new_string(val));
}

void pk_record_extra_u64(pk_record *r, const char *key, uint64_t val)
{
    json_object_object_add(r->extra, key, json_object_new_uint64(val));
}

void pk_record_extra_double(pk_record *r, const char *key, double val)
{
    json_object_object_add(r->extra, key, json_object_new_double(val));
}

void pk_record_extra_ints(pk_record *r, const char *key, const int *val, int n)
{
    json_object *a = json_object_new_array();
    if (!a)
        return;
    for (int i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_int(val[i]));
    json_object_object_add(r->extra, key, a);
}

static json_object *doubles(const double *v, int n)
{
    json_object *a = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_double(v[i]));
    return a;
}

/* The one representation every format is rendered from. */
static json_object *record_json(const pk_cli *cli, const pk_record *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kernel", json_object_new_string(r->kernel));
    json_object_object_add(o, "n", json_object_new_string(r->n));
    char klass[2] = {cli->klass, 0};
    json_object_object_add(o, "class", json_object_new_string(klass));
    json_object_object_add(o, "mode", json_object_new_string(pk_mode_name(cli->exec.mode)));
    json_object_object_add(o, "ranks", json_object_new_int(cli->exec.nranks));
    json_object_object_add(o, "threads", json_object_new_int(cli->exec.threads));
    json_object_object_add(o, "schedule", json_object_new_string(r->schedule));
    json_object_object_add(o, "result", json_object_new_string(r->result ? r->result : ""));
    json_object_object_add(o, "verified", json_object_new_boolean(r->verified));
    json_object *s = json_object_new_object();
    json_object_object_add(s, "min", json_object_new_double(r->seconds_min));
    json_object_object_add(s, "median", json_object_new_double(r->seconds_median));
    json_object_object_add(s, "max", json_object_new_double(r->seconds_max));
    if (r->nsamples) {
        json_object_object_add(s, "mean", json_object_new_double(r->stats.mean));
        json_object_object_add(s, "sd", json_object_new_double(r->stats.sd));
        json_object_object_add(s, "ci_low", json_object_new_double(r->stats.ci_low));
        json_object_object_add(s, "ci_high", json_object_new_double(r->stats.ci_high));
        json_object_object_add(s, "ci_level", json_object_new_double(r->stats.ci_level));
        json_object_object_add(s, "samples", doubles(r->samples, r->nsamples));
    }
    json_object_object_add(o, "seconds", s);
    json_object_object_add(o, "repeats", json_object_new_int(r->nsamples));
    char policy[96];
    if (cli->repeat_auto)
        snprintf(policy, sizeof policy, "auto: until %gs and 3 runs (at most %d)", cli->budget, cli->repeat);
    else
        snprintf(policy, sizeof policy, "fixed: %d runs", cli->repeat);
    json_object_object_add(o, "repeat_policy", json_object_new_string(policy));
    json_object_object_add(o, "setup_seconds", json_object_new_double(r->setup_seconds));
    json_object_object_add(o, "comm_seconds", json_object_new_double(r->comm_seconds));
    json_object_object_add(o, "rate", json_object_new_double(r->rate));
    json_object_object_add(o, "rate_unit", json_object_new_string(r->rate_unit ? r->rate_unit : ""));
    json_object_object_add(o, "imbalance", json_object_new_double(r->imbalance));
    json_object_object_add(o, "per_thread_seconds", doubles(r->per_thread_seconds, r->nper_thread));
    if (r->nper_rank)
        json_object_object_add(o, "per_rank_seconds", doubles(r->per_rank_seconds, r->nper_rank));
    json_object_object_add(o, "details", json_object_get(r->extra));
    if (r->machine)
        json_object_object_add(o, "machine", json_object_get(r->machine));
    json_object *prov = pk_provenance(cli);
    json_object_object_foreach(prov, key, val) json_object_object_add(o, key, json_object_get(val));
    json_object_put(prov);
    return o;
}

/* ---- CSV ------------------------------------------------------------------------ */

static void csv_cell(FILE *f, json_object *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    switch (v ? json_object_get_type(v) : json_type_null) {
    case json_type_null: break;
    case json_type_boolean: fputs(json_object_get_boolean(v) ? "true" : "false", m); break;
    case json_type_double: fprintf(m, "%.9g", json_object_get_double(v)); break;
    case json_type_int: fputs(json_object_to_json_string(v), m); break;
    case json_type_string: fputs(json_object_get_string(v), m); break;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(v); i++)
            fprintf(m, "%s%.9g", i ? ";" : "", json_object_get_double(json_object_array_get_idx(v, i)));
        break;
    case json_type_object: fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), m); break;
    }
    fclose(m);
    if (strpbrk(buf, ",\"\n\r")) {
        fputc('"', f);
        for (char *p = buf; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
        }
        fputc('"', f);
    } else {
        fputs(buf, f);
    }
    free(buf);
}

const pk_layout pk_kernel_layout = {"kernel", csv_columns};

/* The cell of column c: row[c], or for a column "a_b" that the row lacks, row[a][b]
 * (seconds_min <- seconds.min). */
static json_object *column_value(json_object *row, const char *c)
{
    json_object *v;
    if (json_object_object_get_ex(row, c, &v))
        return v;
    /* row[a][b] for each split of c at an underscore (machine_cpu_quota <- machine.cpu_quota) */
    for (const char *us = strchr(c, '_'); us; us = strchr(us + 1, '_')) {
        char outer[64];
        if ((size_t)(us - c) >= sizeof outer)
            break;
        snprintf(outer, sizeof outer, "%.*s", (int)(us - c), c);
        json_object *o;
        if (json_object_object_get_ex(row, outer, &o) && json_object_is_type(o, json_type_object) &&
            json_object_object_get_ex(o, us + 1, &v))
            return v;
    }
    return NULL;
}

/* One CSV line: the header (row NULL) or a row. */
static char *csv_line(const pk_layout *l, json_object *row)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (int i = 0; l->columns[i]; i++) {
        if (i)
            fputc(',', f);
        if (row)
            csv_cell(f, column_value(row, l->columns[i]));
        else
            fputs(l->columns[i], f);
    }
    fputc('\n', f);
    fclose(f);
    return buf;
}

char *pk_csv_header(const pk_layout *l)
{
    return csv_line(l, NULL);
}

char *pk_csv_row(const pk_layout *l, json_object *row)
{
    return csv_line(l, row);
}

void pk_print_csv(const pk_layout *l, json_object *row)
{
    static const pk_layout *header_done;   /* the header once per process and layout */
    if (header_done != l) {
        char *h = pk_csv_header(l);
        if (h)
            fputs(h, stdout);
        free(h);
        header_done = l;
    }
    char *r = pk_csv_row(l, row);
    if (r)
        fputs(r, stdout);
    free(r);
}

const char *pk_results_strerror(int rc, int e)
{
    return rc == PK_APPEND_OTHER_LAYOUT ? "its first line is not this command's CSV header (rows of "
                                          "another layout would be misaligned; use another file)"
                                        : pk_outfile_strerror(e);
}

int pk_results_append(const pk_cli *cli, const pk_layout *l, json_object *row)
{
    if (!cli->results_path || !pk_is_root())
        return PK_EXIT_OK;
    char *h = pk_csv_header(l), *r = pk_csv_row(l, row);
    int rc = h && r ? pk_append_locked(cli->results_path, h, r) : -1;
    int e = h && r ? errno : ENOMEM;
    free(h);
    free(r);
    if (rc != 0)
        return pk_runtime_error("--results %s: cannot append: %s", cli->results_path, pk_results_strerror(rc, e));
    return PK_EXIT_OK;
}

int pk_results_check(const pk_cli *cli, const pk_layout *l)
{
    int rc = 0, e = 0;
    if (cli->results_path && pk_is_root()) {
        char *h = pk_csv_header(l);
        rc = h ? pk_append_check(cli->results_path, h) : -1;
        e = h ? errno : ENOMEM;
        free(h);
    }
    return pk_agree(rc ? PK_EXIT_USAGE : 0, "--results %s: cannot append: %s", cli->results_path,
                    pk_results_strerror(rc, e));
}

/* ---- text ------------------------------------------------------------------------ */

static void text_line(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_line(const char *key, const char *fmt, ...)
{
    va_list ap;
    printf(" %-27s = ", key);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void print_text(json_object *o, const pk_record *r)
{
#define STR(k) json_object_get_string(json_object_object_get(o, k))
    printf("\n ===== parkit %s =====\n", r->kernel);
    text_line("Kernel", "%s", r->kernel);
    text_line("N", "%s", r->n);
    text_line("Result", "%s", r->result ? r->result : "");
    json_object_object_foreach(r->extra, key, val) {
        if (json_object_get_type(val) == json_type_double)
            text_line(key, "%.6g", json_object_get_double(val));
        else if (json_object_get_type(val) == json_type_string)
            text_line(key, "%s", json_object_get_string(val));
        else if (json_object_get_type(val) == json_type_array) {   /* "18 21" */
            printf(" %-27s = ", key);
            for (size_t i = 0; i < json_object_array_length(val); i++)
                printf("%s%s", i ? " " : "", json_object_get_string(json_object_array_get_idx(val, i)));
            putchar('\n');
        } else
            text_line(key, "%s", json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
    }
    text_line("Mode", "%s", STR("mode"));
    text_line("Ranks x threads", "%s x %s", STR("ranks"), STR("threads"));
    text_line("Schedule", "%s", r->schedule);
    text_line("Time (s) min/med/max", "%.6f / %.6f / %.6f", r->seconds_min, r->seconds_median,
              r->seconds_max);
    if (r->nsamples > 1) {
        text_line("Median CI (s)", "%.6f .. %.6f (%.1f%% confidence)", r->stats.ci_low, r->stats.ci_high,
                  100 * r->stats.ci_level);
        text_line("Mean +- sd (s)", "%.6f +- %.6f (%.1f%%)", r->stats.mean, r->stats.sd,
                  r->stats.mean > 0 ? 100 * r->stats.sd / r->stats.mean : 0);
    }
    text_line("Repeats", "%d (%s)", r->nsamples, STR("repeat_policy"));
    text_line("Setup (s)", "%.6f", r->setup_seconds);
    if (r->comm_seconds > 0)
        text_line("Communication (s)", "%.6f", r->comm_seconds);
    text_line("Rate", "%.4g %s", r->rate, r->rate_unit ? r->rate_unit : "");
    printf(" %-27s = ", "Per-thread (s)");
    for (int i = 0; i < r->nper_thread; i++)
        printf("%s%.4f", i ? " " : "", r->per_thread_seconds[i]);
    putchar('\n');
    if (r->nper_rank) {
        printf(" %-27s = ", "Per-rank (s)");
        for (int i = 0; i < r->nper_rank; i++)
            printf("%s%.4f", i ? " " : "", r->per_rank_seconds[i]);
        putchar('\n');
    }
    text_line("Imbalance (max/mean)", "%.3f", r->imbalance);
    text_line("Verification", "%s", r->verified ? "PASSED" : "FAILED");
    text_line("Version", "%s (git %s)", STR("version"), STR("git_commit"));
    text_line("Compiler", "%s", STR("compiler"));
    text_line("Flags", "%s", STR("flags"));
    text_line("Hot loops", "%s", STR("isa"));
    text_line("MPI", "%s", STR("mpi"));
    text_line("Host", "%s (%s, %s cores)", STR("host"), STR("cpu"), STR("cores"));
    if (r->machine) {
#define M(k) json_object_get_string(json_object_object_get(r->machine, k))
        text_line("Machine", "governor %s, boost %s, THP %s, load %.2f (%s others running), SMT %s",
                  M("governor"), M("boost"), M("thp"),
                  json_object_get_double(json_object_object_get(r->machine, "load")), M("others_running"),
                  M("smt"));
        text_line("Workers per CPU", "%.2f (%s CPUs, quota %s, NUMA nodes %s of %s)",
                  json_object_get_double(json_object_object_get(r->machine, "workers_per_cpu")),
                  M("cpus"), json_object_object_get(r->machine, "cpu_quota") ? M("cpu_quota") : "none",
                  M("numa_nodes"), M("numa_nodes_total"));
        if (*M("warnings"))
            text_line("Warnings", "%s", M("warnings"));
#undef M
    }
    text_line("Date", "%s", STR("timestamp"));
#undef STR
}

/* ---- emit ------------------------------------------------------------------------ */

int pk_report_emit(const pk_cli *cli, const pk_record *r)
{
    if (!pk_is_root())
        return 0;
    json_object *o = record_json(cli, r);
    switch (cli->format) {
    case PK_FMT_TEXT: print_text(o, r); break;
    case PK_FMT_JSON: puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)); break;
    case PK_FMT_CSV: pk_print_csv(&pk_kernel_layout, o); break;
    }
    pk_flush_stdout();
    int rc = pk_results_append(cli, &pk_kernel_layout, o) != PK_EXIT_OK;
    json_object_put(o);
    return rc;
}
