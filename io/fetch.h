/* parkit download module, the public entry (fetch.c): options and their defaults, the
 * engines' names, process-wide setup, one run over a finished URL list (pk_fetch_run), its
 * per-item results and statistics.  URL lists and names: urllist.h.
 *
 * Inside io/ (private headers, each with its .c):
 *   fetch_state.h  the state of one run and of one transfer, shared by the files below
 *   outdir.h       the output directory: scan, per-run temporaries, dead runs' partial files
 *   response.h     libcurl's callbacks for one response: status, body, progress limits
 *   transfer.h     one item's attempts: handle, resume request, verdict, retries
 *   engines.h      seq, pool and multi driving the transfers
 *   clock.h        monotonic time and sleeping
 *
 * Library code: nothing here prints (except the optional progress line on stderr that the
 * caller asks for) or exits; every function returns a status and, on failure, a one-line
 * message in the caller's buffer. */
#ifndef PK_FETCH_H
#define PK_FETCH_H
#include <stddef.h>
#include <stdint.h>
#include "urllist.h"

/* ---- Downloading --------------------------------------------------------------------- */

/* The engine that drives the transfers (`--engine`; reported as the field "mode"). */
typedef enum { PK_FETCH_SEQ = 0, PK_FETCH_POOL, PK_FETCH_MULTI } pk_fetch_mode;

typedef struct pk_fetch_opts {
    pk_fetch_mode mode;
    int jobs;                 /* pool threads / multi transfers in flight (seq: ignored) */
    int retries;              /* extra attempts for transient failures */
    int64_t max_filesize;     /* bytes, 0 = no limit */
    long connect_timeout_ms;  /* connection phase */
    long stall_timeout_ms;    /* abort when nothing arrives for this long */
    int64_t min_speed;        /* bytes/s: abort an attempt slower than this over ... */
    long min_speed_time_ms;   /* ... this long (0 / 0: no speed limit) */
    long max_time_ms;         /* one URL, all its attempts and waits: at most this (0: none) */
    long deadline_ms;         /* the whole run: at most this (0: none) */
    long max_redirs;          /* redirects followed at most */
    double retry_base_s;      /* first backoff delay (doubled each attempt, with jitter) */
    double retry_max_s;       /* cap on one delay, Retry-After included */
    int force;                /* re-download files that already exist */
    int progress;             /* print a progress line on stderr */
} pk_fetch_opts;

void pk_fetch_opts_default(pk_fetch_opts *o);
const char *pk_fetch_mode_name(pk_fetch_mode m);
int pk_fetch_mode_parse(const char *s, pk_fetch_mode *m);   /* 0 or -1 */

typedef enum { PK_ITEM_PENDING = 0, PK_ITEM_OK, PK_ITEM_SKIPPED, PK_ITEM_FAILED } pk_item_state;

typedef struct pk_fetch_result {
    pk_item_state state;
    int attempts;
    long http_code;           /* last HTTP status seen, 0 when none */
    uint64_t bytes;           /* bytes received this run */
    uint64_t size;            /* final file size (ok / skipped) */
    int resumed;              /* a Range request continued a partial file */
    char *why;                /* failure reason (owned; NULL unless failed) */
} pk_fetch_result;

/* Release the failure reasons of res (n entries); the entries stay readable otherwise. */
void pk_fetch_results_free(pk_fetch_result *res, size_t n);

typedef struct pk_fetch_stats {
    uint64_t total, ok, skipped, failed, resumed, retries;
    uint64_t bytes;           /* bytes received */
    double wall_s;
    long peak_rss_kib;        /* peak resident memory of the process that downloaded */
} pk_fetch_stats;

/* Once per process, before any thread starts. */
int pk_fetch_global_init(char *err, size_t errsz);
void pk_fetch_global_cleanup(void);

/* Create DIR when missing (parents included) and check that a file can be created in it.
 * PK_FETCH_EINPUT with a message when it cannot.  (Defined in outdir.c.) */
int pk_fetch_dir_prepare(const char *dir, char *err, size_t errsz);

/* Download every item of the (finished) list into dir.  res has l->n entries, zeroed or
 * left by an earlier run (whose reasons are released first).  Returns
 * PK_FETCH_OK when all succeeded or were skipped, PK_FETCH_EFAIL when any failed, or on a
 * runtime failure (then the message is in err and st->total is 0), PK_FETCH_EINPUT when
 * dir cannot be opened.  Release res with pk_fetch_results_free. */
int pk_fetch_run(const pk_fetch_list *l, const char *dir, const pk_fetch_opts *o,
                 pk_fetch_result *res, pk_fetch_stats *st, char *err, size_t errsz);

#endif
