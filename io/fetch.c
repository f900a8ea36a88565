/* The public entry of the download module: options and their defaults, the engines' names,
 * process-wide setup, pk_fetch_run (one run: set up, an engine, statistics) and the progress
 * line.  The work itself: engines.c, transfer.c, response.c, outdir.c. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <curl/curl.h>
#include "clock.h"
#include "engines.h"
#include "fetch.h"
#include "fetch_state.h"
#include "outdir.h"

/* ---- options ------------------------------------------------------------------------ */

void pk_fetch_opts_default(pk_fetch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = PK_FETCH_MULTI;
    o->jobs = 8;
    o->retries = 3;
    o->connect_timeout_ms = 10000;
    o->stall_timeout_ms = 30000;
    o->min_speed = 1024;
    o->min_speed_time_ms = 30000;
    o->max_redirs = 10;
    o->retry_base_s = 0.5;
    o->retry_max_s = 30.0;
}

static const char *const mode_names[] = { "seq", "pool", "multi" };

const char *pk_fetch_mode_name(pk_fetch_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "?";
}

int pk_fetch_mode_parse(const char *s, pk_fetch_mode *m)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, mode_names[i]) == 0) {
            *m = (pk_fetch_mode)i;
            return 0;
        }
    return -1;
}

/* ---- process-wide setup ------------------------------------------------------------- */

int pk_fetch_global_init(char *err, size_t errsz)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_ALL);
    if (rc != CURLE_OK) {
        snprintf(err, errsz, "libcurl initialisation failed: %s", curl_easy_strerror(rc));
        return PK_FETCH_EFAIL;
    }
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (v->version_num < 0x075500) {   /* CURLOPT_PROTOCOLS_STR needs 7.85.0 */
        snprintf(err, errsz, "libcurl %s is too old (7.85.0 or newer needed)", v->version);
        curl_global_cleanup();
        return PK_FETCH_EFAIL;
    }
    return PK_FETCH_OK;
}

void pk_fetch_global_cleanup(void) { curl_global_cleanup(); }

/* ---- results ------------------------------------------------------------------------- */

void pk_fetch_results_free(pk_fetch_result *res, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(res[i].why);
        res[i].why = NULL;
    }
}

/* ---- progress ------------------------------------------------------------------------------ */

static void progress_line(pk_fetch_run_state *run, int final)
{
    size_t done = atomic_load(&run->done), failed = atomic_load(&run->failed);
    double mb = (double)atomic_load(&run->bytes) / 1e6;
    double t = pk_clock_now() - run->t0;
    fprintf(stderr, "\rfetch: %zu/%zu files, %.1f MB, %.1f MB/s, %zu failed   %s", done,
            run->l->n, mb, t > 0 ? mb / t : 0.0, failed, final ? "\n" : "");
    fflush(stderr);
}

static void *progress_thread(void *arg)
{
    pk_fetch_run_state *run = arg;
    while (!atomic_load(&run->stop)) {
        progress_line(run, 0);
        for (int i = 0; i < 5 && !atomic_load(&run->stop); i++)
            pk_clock_sleep(0.05);
    }
    progress_line(run, 1);
    return NULL;
}

/* ---- one run: set up, an engine, statistics ------------------------------------------- */

int pk_fetch_run(const pk_fetch_list *l, const char *dir, const pk_fetch_opts *o,
                 pk_fetch_result *res, pk_fetch_stats *st, char *err, size_t errsz)
{
    memset(st, 0, sizeof *st);
    if (o->jobs < 1) {
        snprintf(err, errsz, "jobs must be at least 1");
        return PK_FETCH_EINPUT;
    }
    pk_fetch_run_state *run = calloc(1, sizeof *run);
    if (!run) {
        snprintf(err, errsz, "out of memory");
        return PK_FETCH_EFAIL;
    }
    run->l = l;
    run->o = o;
    run->res = res;
    run->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (run->dirfd < 0) {
        char shown[120];
        snprintf(err, errsz, "%s: cannot open directory: %s", pk_fetch_show(dir, shown, sizeof shown),
                 strerror(errno));
        free(run);
        return PK_FETCH_EINPUT;
    }
    pk_fetch_results_free(res, l->n);
    memset(res, 0, l->n * sizeof *res);
    /* Two descriptors per transfer in flight (socket, file): raise the soft limit if needed. */
    struct rlimit rl;
    rlim_t need = (rlim_t)o->jobs * 2 + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    run->t0 = pk_clock_now();
    if (o->deadline_ms > 0)
        run->deadline = run->t0 + (double)o->deadline_ms / 1000.0;
    pk_outdir_tag(run);
    pk_outdir_scan(run, 2 * l->n + 1024);
    pthread_t pt;
    int have_pt = o->progress && pthread_create(&pt, NULL, progress_thread, run) == 0;
    int rc;
    switch (o->mode) {
    case PK_FETCH_SEQ: rc = pk_engine_seq(run, err, errsz); break;
    case PK_FETCH_POOL: rc = pk_engine_pool(run, err, errsz); break;
    default: rc = pk_engine_multi(run, err, errsz); break;
    }
    double t1 = pk_clock_now();
    if (have_pt) {
        atomic_store(&run->stop, 1);
        pthread_join(pt, NULL);
    }
    close(run->dirfd);
    pk_outdir_scan_free(run);
    if (rc != PK_FETCH_OK) {   /* a runtime failure: no statistics */
        free(run);
        return rc;
    }
    st->total = l->n;
    for (size_t i = 0; i < l->n; i++) {
        st->ok += res[i].state == PK_ITEM_OK;
        st->skipped += res[i].state == PK_ITEM_SKIPPED;
        st->failed += res[i].state == PK_ITEM_FAILED;
        st->resumed += res[i].resumed != 0;
        st->retries += res[i].attempts > 1 ? (uint64_t)(res[i].attempts - 1) : 0;
        st->bytes += res[i].bytes;
    }
    st->wall_s = t1 - run->t0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        st->peak_rss_kib = ru.ru_maxrss;
    free(run);
    return st->failed ? PK_FETCH_EFAIL : PK_FETCH_OK;
}
