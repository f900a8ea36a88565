/* parkit download module, private: the two records the io/ files share.
 *   pk_fetch_run_state  one run of pk_fetch_run: its list, options, results, output directory
 *                       (and what its scan found), counters the engines and the progress line
 *                       read, and the run's deadline;
 *   pk_transfer         one transfer slot: its libcurl handle and the item it is working on,
 *                       the temporary file, and what the current attempt and response have
 *                       shown so far.  A slot is reused for item after item (pool, multi).
 * Only the .c files of io/ include this; nothing here is part of the public API (fetch.h,
 * urllist.h). */
#ifndef PK_FETCH_STATE_H
#define PK_FETCH_STATE_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include "fetch.h"

typedef struct pk_fetch_run_state {
    const pk_fetch_list *l;
    const pk_fetch_opts *o;
    pk_fetch_result *res;
    int dirfd;
    atomic_size_t next;        /* pool: next item to take */
    atomic_uint_fast64_t bytes;
    atomic_size_t done, failed;
    atomic_int stop;           /* progress thread */
    double t0;
    char **names;              /* the names in DIR when the run began, sorted */
    size_t nnames;
    int scanned;               /* names is complete: a name not in it did not exist */
    char **tmps;               /* the temporary files (".*.pkpart") in DIR then, sorted */
    size_t ntmps;
    int tmps_ok;               /* tmps is complete */
    char tag[32];              /* this run's part of its temporary names */
    double deadline;           /* --deadline as a monotonic time; 0: none */
} pk_fetch_run_state;

typedef struct pk_transfer {
    pk_fetch_run_state *run;
    size_t idx;
    CURL *h;
    int fd;
    int lockfd;                /* the temporary file, flock'ed while this run owns it; -1: none yet */
    uint64_t offset;           /* bytes in the temporary file when the body starts */
    uint64_t got;              /* body bytes stored by this attempt */
    int started, abort, io_errno;
    int64_t cr_start, cr_end, cr_total;   /* Content-Range of the current response, -1 if none */
    int64_t total;             /* the size announced for the version in the temporary file, -1: unknown */
    double item_t0;            /* when the item's first attempt began (--max-time) */
    double win_t0;             /* --min-speed: the current window began then ... */
    curl_off_t win_dl;         /* ... with this many bytes received */
    char range[48];
    char errbuf[CURL_ERROR_SIZE];
    char tmp[PK_FETCH_NAME_MAX + 64];
    char etag[160];            /* the current response's strong ETag, or "" */
    char lastmod[64];          /* its Last-Modified, or "" */
    char sent_v[160];          /* the validator sent with If-Range this attempt, or "" */
    char file_v[160];          /* the validator this run recorded on the temporary file
                                * (store_validator), or "": where the attribute cannot be
                                * read back, a retry within the run still knows it */
    struct curl_slist *hdrs;   /* the If-Range header of this attempt */
    int v_pending;             /* the validator is still to be stored (pk_response_begin_body) */
    char *stage;               /* body bytes not yet written (see pk_response_on_write) */
    size_t stage_cap, staged;
    uint64_t rng;
    double last_data;          /* when the last byte arrived (or the attempt began) */
    curl_off_t last_dl;
    double delay;              /* retry: seconds to wait */
    double due;                /* multi: when the retry may start */
    int waiting;               /* multi: slot is waiting for its retry */
} pk_transfer;

#endif
