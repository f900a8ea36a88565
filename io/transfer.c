/* One item's transfer, through attempts.  Each attempt:
 *   pk_transfer_begin  on the first, takes over the partial file a dead run left
 *                      (".NAME.TAG.pkpart", not flock'ed by a live run;
 *                      pk_outdir_claim_partial) or names this run's own; asks for the missing
 *                      tail with a Range request when the file already holds bytes -- always
 *                      with If-Range and the validator (strong ETag or Last-Modified) the
 *                      file was started with, kept in its extended attribute PK_FETCH_XATTR,
 *                      so a file changed on the server since then is fetched whole instead
 *                      of spliced (a 206 naming another total size than PK_FETCH_XATTR_SIZE
 *                      is caught too).  A partial file without a usable validator (none was
 *                      sent, only a weak ETag, the attribute cannot be read) is never
 *                      continued: it is removed and the download starts again from byte 0;
 *   (libcurl runs)     the callbacks of response.c check the status and Content-Range before
 *                      the first body byte is stored, so an error page never lands in the file;
 *   pk_transfer_end    classifies the outcome: verified complete -> renamed to NAME; transient
 *                      failure -> retried after an exponential backoff with jitter (at least
 *                      Retry-After); anything else -> failed with a one-line reason.
 * Who drives the attempts (a loop, threads, one multi handle) is the engines' business
 * (engines.c). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <curl/curl.h>
#include "clock.h"
#include "outdir.h"
#include "response.h"
#include "transfer.h"

static double rand01(uint64_t *s)
{
    /* xorshift64*: per-transfer state, no locks, no global rand(). */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* Drop the temporary file: the next attempt starts from byte 0 in a new one of this run. */
static void tmp_restart(pk_transfer *x)
{
    pk_outdir_tmp_release(x, 1);
    x->total = -1;
    x->file_v[0] = '\0';
    pk_outdir_own_tmp(x);
}

/* ---- the handle ------------------------------------------------------------------------ */

#define SETOPT(h, opt, val)                                                                  \
    do {                                                                                     \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                                 \
            goto fail;                                                                       \
    } while (0)

CURL *pk_transfer_handle_new(pk_transfer *x)
{
    const pk_fetch_opts *o = x->run->o;
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    long stall_s = (o->stall_timeout_ms + 999) / 1000;
    if (stall_s < 1)
        stall_s = 1;
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 1L);
    SETOPT(h, CURLOPT_MAXREDIRS, o->max_redirs);
    SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    SETOPT(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    SETOPT(h, CURLOPT_LOW_SPEED_TIME, stall_s);
    if (o->max_filesize > 0)
        SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_filesize);
    SETOPT(h, CURLOPT_WRITEFUNCTION, pk_response_on_write);
    SETOPT(h, CURLOPT_WRITEDATA, x);
    SETOPT(h, CURLOPT_HEADERFUNCTION, pk_response_on_header);
    SETOPT(h, CURLOPT_HEADERDATA, x);
    SETOPT(h, CURLOPT_XFERINFOFUNCTION, pk_response_on_progress);
    SETOPT(h, CURLOPT_XFERINFODATA, x);
    SETOPT(h, CURLOPT_NOPROGRESS, 0L);
    SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
    SETOPT(h, CURLOPT_PRIVATE, x);
    SETOPT(h, CURLOPT_USERAGENT, "parkit-fetch/0.1");
    SETOPT(h, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);   /* never uploads: the minimum */
    /* Receive buffer, one per transfer: 8 MiB / jobs^2 within [2 KiB, 512 KiB].  A few
     * transfers get libcurl's largest (512 KiB up to 4 jobs: fewer callbacks and writes, so
     * less CPU on large files); with many in flight the total shrinks (1 MiB at 8 jobs,
     * 2 KiB each from 64 on), since an event loop with that many is busy with many small
     * reads and every buffer costs memory.  (Measured: results/fetch/README.md.) */
    long j = o->jobs > 0 ? o->jobs : 1;
    long buf = j > 2048 ? 2048 : (8L << 20) / (j * j);
    buf = buf < 2048 ? 2048 : buf > (512L << 10) ? (512L << 10) : buf;
    SETOPT(h, CURLOPT_BUFFERSIZE, buf);
    x->stage_cap = buf >= 65536 ? (size_t)buf : 0;
    x->h = h;
    x->fd = x->lockfd = -1;
    return h;
fail:
    curl_easy_cleanup(h);
    return NULL;
}

void pk_transfer_handle_free(pk_transfer *x)
{
    free(x->stage);
    x->stage = NULL;
    curl_easy_cleanup(x->h);
    curl_slist_free_all(x->hdrs);
    x->h = NULL;
    x->hdrs = NULL;
}

/* One reusable handle per transfer slot, xs[0..n); *made counts those created (for cleanup). */
int pk_transfer_handles_new(pk_transfer *xs, size_t n, pk_fetch_run_state *run, size_t *made,
                            char *err, size_t errsz)
{
    for (; *made < n; (*made)++) {
        xs[*made].run = run;
        if (!pk_transfer_handle_new(&xs[*made])) {
            snprintf(err, errsz, "cannot create a libcurl handle");
            return -1;
        }
    }
    return 0;
}

/* ---- results and the run's counters ------------------------------------------------------ */

static void count_done(pk_transfer *x, int failed)
{
    atomic_fetch_add_explicit(&x->run->done, 1, memory_order_relaxed);
    if (failed)
        atomic_fetch_add_explicit(&x->run->failed, 1, memory_order_relaxed);
}

static void set_why(pk_fetch_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(pk_fetch_result *r, const char *fmt, ...)
{
    char b[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    free(r->why);
    r->why = strdup(b);   /* NULL when out of memory: reported as an unknown reason */
}

static int finish_fail(pk_transfer *x, const char *fmt, const char *detail)
{
    pk_outdir_tmp_release(x, 0);   /* a partial file stays for a later run to continue */
    pk_fetch_result *r = &x->run->res[x->idx];
    r->state = PK_ITEM_FAILED;
    set_why(r, fmt, detail);
    count_done(x, 1);
    return 1;
}

/* ---- one attempt ---------------------------------------------------------------------- */

/* Seconds left before --max-time (this item) or --deadline (the run), whichever is first;
 * a large number when neither is set. */
static double time_left(const pk_transfer *x, double now)
{
    const pk_fetch_opts *o = x->run->o;
    double left = 1e9;
    if (o->max_time_ms > 0)
        left = x->item_t0 + (double)o->max_time_ms / 1000.0 - now;
    if (x->run->deadline > 0 && x->run->deadline - now < left)
        left = x->run->deadline - now;
    return left;
}

/* Can v continue a partial file as If-Range: a strong ETag ("...") or an HTTP date
 * (Last-Modified), printable ASCII only?  Not "", not a weak ETag (W/"...": equivalent, not
 * byte-identical bodies, RFC 9110 13.1.5), nothing that could end the header line. */
static int usable_validator(const char *v)
{
    if (!v[0] || strncmp(v, "W/", 2) == 0)
        return 0;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            return 0;
    return 1;
}

/* 0: handle ready for a transfer; 1: the item is finished (skipped or failed). */
int pk_transfer_begin(pk_transfer *x)
{
    pk_fetch_run_state *run = x->run;
    const pk_fetch_item *it = &run->l->v[x->idx];
    pk_fetch_result *r = &run->res[x->idx];
    struct stat st;
    double now = pk_clock_now();
    if (r->attempts == 0) {
        x->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)x->idx * 0xbf58476d1ce4e5b9ull) ^
                 (uint64_t)(now * 1e6);
        if (x->rng == 0)
            x->rng = 1;
        x->fd = x->lockfd = -1;
        x->total = -1;
        x->file_v[0] = '\0';   /* a dead run's file: only its attribute names its version */
        x->item_t0 = now;
        if (run->deadline > 0 && now >= run->deadline)
            return finish_fail(x, "%s", "not started: the run reached its --deadline");
        int e = pk_outdir_stat(run, it->name, 1, &st);
        int redo = run->o->force;
        if (e == 0) {
            if (S_ISLNK(st.st_mode))
                return finish_fail(x, "%s", "output name exists as a symbolic link (not followed)");
            if (!S_ISREG(st.st_mode))
                return finish_fail(x, "%s", "output name exists and is not a regular file");
            if (!redo && !pk_outdir_finished_ok(run, it->name, &st))
                redo = 1;   /* not the file that was finished: fetched again */
            if (!redo) {
                const char *why = NULL;
                pk_outdir_claim_partial(x, 0, &why);   /* leftovers of dead runs: removed */
                r->state = PK_ITEM_SKIPPED;
                r->size = (uint64_t)st.st_size;
                count_done(x, 0);
                return 1;
            }
        } else if (e != ENOENT) {
            return finish_fail(x, "cannot inspect output name: %s", strerror(e));
        }
        /* A partial file a dead run left for this item is continued (--force: removed). */
        pk_outdir_own_tmp(x);
        const char *why = NULL;
        if (pk_outdir_claim_partial(x, !redo, &why) != 0)
            return finish_fail(x, "%s", why);
        if (x->lockfd >= 0)
            x->total = pk_outdir_recorded_size(x->lockfd);
    }
    if (time_left(x, now) <= 0)
        return finish_fail(x, "%s", run->deadline > 0 && now >= run->deadline
                                        ? "the run reached its --deadline"
                                        : "took longer than --max-time");
    r->attempts++;
    /* What is already in the temporary file (a dead run, an earlier attempt) is asked for
     * no more: a Range request continues it.  It is opened for writing in
     * pk_response_begin_body. */
    x->offset = 0;
    if (x->lockfd >= 0) {
        if (fstat(x->lockfd, &st) != 0)
            return finish_fail(x, "cannot inspect temporary file: %s", strerror(errno));
        x->offset = (uint64_t)st.st_size;
    }
    x->got = 0;
    x->staged = 0;
    x->v_pending = 0;
    x->started = 0;
    x->abort = PK_ABORT_NONE;
    x->io_errno = 0;
    x->cr_start = x->cr_end = x->cr_total = -1;
    x->errbuf[0] = '\0';
    x->last_dl = 0;
    x->last_data = x->win_t0 = now;
    x->win_dl = 0;
    const char *range = NULL;
    x->sent_v[0] = '\0';
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    if (x->offset > 0) {
        /* The version the partial file belongs to: the server sends the rest only if it
         * still has that version, else the whole new one.  Read from the file (what this
         * run recorded on it, failing that: a file system without user attributes). */
        ssize_t k = fgetxattr(x->lockfd, PK_FETCH_XATTR, x->sent_v, sizeof x->sent_v - 1);
        x->sent_v[k > 0 ? k : 0] = '\0';
        if (k <= 0 && x->file_v[0])
            snprintf(x->sent_v, sizeof x->sent_v, "%s", x->file_v);
        if (!usable_validator(x->sent_v)) {
            /* No version to continue safely (none recorded, unreadable, only a weak ETag,
             * not a header value): a Range without If-Range could join two versions.  The
             * partial file goes; start again from byte 0. */
            tmp_restart(x);
            x->offset = 0;
            x->sent_v[0] = '\0';
        }
    }
    if (x->offset > 0) {
        snprintf(x->range, sizeof x->range, "%llu-", (unsigned long long)x->offset);
        range = x->range;
        char h[sizeof x->sent_v + 16];
        snprintf(h, sizeof h, "If-Range: %s", x->sent_v);
        if (!(x->hdrs = curl_slist_append(NULL, h)))
            return finish_fail(x, "%s", "out of memory");
    }
    /* The whole transfer within --max-time / --deadline (connecting included). */
    double left = time_left(x, now);
    long tmo = left >= 1e8 ? 0L : (long)ceil(left * 1000.0);
    if (curl_easy_setopt(x->h, CURLOPT_RANGE, range) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, tmo) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_URL, it->url) != CURLE_OK) {
        return finish_fail(x, "%s", "libcurl rejected the request options");
    }
    return 0;
}

static int curl_transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* The temporary file is complete and verified: give it its name. 0, or -1 with why. */
static int finish_ok(pk_transfer *x, uint64_t size, char *why, size_t whysz)
{
    pk_fetch_run_state *run = x->run;
    if (x->fd >= 0) {
        int c = close(x->fd);
        x->fd = -1;
        if (c != 0) {
            snprintf(why, whysz, "write error on close: %s", strerror(errno));
            return -1;
        }
    }
    /* The size it was finished with: a rerun trusts the file only while it has it.  Then
     * the name, while the lock is still held (no other run touches a locked file). */
    char t[24];
    int n = snprintf(t, sizeof t, "%llu", (unsigned long long)size);
    fsetxattr(x->lockfd, PK_FETCH_XATTR_SIZE, t, (size_t)n, 0);
    if (renameat(run->dirfd, x->tmp, run->dirfd, run->l->v[x->idx].name) != 0) {
        snprintf(why, whysz, "cannot rename temporary file: %s", strerror(errno));
        return -1;
    }
    close(x->lockfd);
    x->lockfd = -1;
    pk_fetch_result *r = &run->res[x->idx];
    r->state = PK_ITEM_OK;
    r->size = size;
    count_done(x, 0);
    return 0;
}

/* After libcurl finished an attempt: PK_TRANSFER_DONE (item finished) or PK_TRANSFER_RETRY
 * (x->delay). */
int pk_transfer_end(pk_transfer *x, CURLcode rc)
{
    pk_fetch_run_state *run = x->run;
    const pk_fetch_opts *o = run->o;
    pk_fetch_result *r = &run->res[x->idx];
    long code = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    r->http_code = code;
    r->bytes += x->got;
    if (x->staged && pk_response_flush(x) != 0 && x->abort == PK_ABORT_NONE) {
        x->abort = PK_ABORT_IO;
        x->io_errno = errno;
    }
    if (rc == CURLE_OK && !x->started)
        pk_response_begin_body(x);   /* empty body: the status checks still apply */
    char why[256];
    int transient = 0, drop_tmp = 0;
    curl_off_t retry_after = 0;
    if (x->abort == PK_ABORT_OPEN) {
        snprintf(why, sizeof why, "cannot create temporary file: %s", strerror(x->io_errno));
    } else if (x->abort == PK_ABORT_IO) {
        snprintf(why, sizeof why, "write error: %s", strerror(x->io_errno));
    } else if (x->abort == PK_ABORT_TOOBIG || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(why, sizeof why, "larger than --max-filesize (%lld bytes)",
                 (long long)o->max_filesize);
        drop_tmp = 1;
    } else if (x->abort == PK_ABORT_STALL) {
        snprintf(why, sizeof why, "stalled: nothing received for %.*f s",
                 o->stall_timeout_ms % 100 ? 3 : 1, (double)o->stall_timeout_ms / 1000.0);
        transient = 1;
    } else if (x->abort == PK_ABORT_SLOW) {
        snprintf(why, sizeof why, "too slow: under %lld bytes/s for %.3g s (--min-speed)",
                 (long long)o->min_speed, (double)o->min_speed_time_ms / 1000.0);
        transient = 1;
    } else if (x->abort == PK_ABORT_DEADLINE ||
               (rc == CURLE_OPERATION_TIMEDOUT && run->deadline > 0 &&
                pk_clock_now() >= run->deadline)) {
        snprintf(why, sizeof why, "the run reached its --deadline (%.3g s)",
                 (double)o->deadline_ms / 1000.0);
    } else if (x->abort == PK_ABORT_MAXTIME ||
               (rc == CURLE_OPERATION_TIMEDOUT && o->max_time_ms > 0 &&
                time_left(x, pk_clock_now()) <= 0)) {
        snprintf(why, sizeof why, "took longer than --max-time (%.3g s)",
                 (double)o->max_time_ms / 1000.0);
    } else if (x->abort == PK_ABORT_RANGE || x->abort == PK_ABORT_CHANGED) {
        snprintf(why, sizeof why, "%s", x->abort == PK_ABORT_RANGE
                 ? "server sent a partial response that does not match"
                 : "changed on the server since the partial file was begun");
        tmp_restart(x);   /* the retry starts from byte 0 */
        transient = 1;
    } else if (code == 416 && x->offset > 0 && (x->abort == PK_ABORT_HTTP || rc == CURLE_OK)) {
        /* Range not satisfiable: the partial file may already be whole (a run killed
         * between the last byte and the rename) -- when the size the server names is that
         * of the file, and of the version it was begun with; otherwise it is stale: start
         * again. */
        if (x->cr_total == (int64_t)x->offset && (x->total < 0 || x->total == x->cr_total) &&
            finish_ok(x, x->offset, why, sizeof why) == 0)
            return PK_TRANSFER_DONE;
        snprintf(why, sizeof why, "HTTP 416 for the partial file (%llu bytes): starting again",
                 (unsigned long long)x->offset);
        tmp_restart(x);
        transient = 1;
    } else if (x->abort == PK_ABORT_HTTP || (rc == CURLE_OK && (code < 200 || code >= 300))) {
        snprintf(why, sizeof why, "HTTP %ld", code);
        transient = code == 408 || code == 429 || code >= 500;
        drop_tmp = !transient;
        curl_easy_getinfo(x->h, CURLINFO_RETRY_AFTER, &retry_after);
    } else if (rc != CURLE_OK) {
        snprintf(why, sizeof why, "%.60s%s%.120s", curl_easy_strerror(rc), x->errbuf[0] ? ": " : "",
                 x->errbuf);
        transient = curl_transient(rc);
        drop_tmp = !transient;
    } else {
        /* Complete as far as libcurl knows: verify the size before the rename. */
        curl_off_t cl = -1;
        curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        int64_t expect = -1;
        if (code == 206)
            expect = x->cr_total >= 0 ? x->cr_total : (cl >= 0 ? (int64_t)x->offset + cl : -1);
        else
            expect = cl;
        if (expect < 0)
            expect = x->total;   /* the size announced when the file was begun */
        /* Every byte went through full_write (the stage was flushed above): the file
         * holds offset + got bytes. */
        int64_t size = (int64_t)(x->offset + x->got);
        if (expect >= 0 && size != expect) {
            snprintf(why, sizeof why, "incomplete: %lld of %lld bytes", (long long)size,
                     (long long)expect);
            transient = 1;
        } else if (finish_ok(x, (uint64_t)size, why, sizeof why) == 0) {
            return PK_TRANSFER_DONE;
        }
    }
    if (x->fd >= 0) {
        struct stat st;
        if (!drop_tmp && fstat(x->fd, &st) == 0 && st.st_size == 0)
            drop_tmp = 1;
        close(x->fd);
        x->fd = -1;
    }
    if (drop_tmp && x->lockfd >= 0)
        tmp_restart(x);
    double left = time_left(x, pk_clock_now());
    if (transient && r->attempts <= o->retries && left > 0) {
        double d = o->retry_base_s * pow(2.0, r->attempts - 1);
        if (d > o->retry_max_s)
            d = o->retry_max_s;
        d *= 0.5 + 0.5 * rand01(&x->rng);
        if (retry_after > 0) {
            double ra = (double)retry_after < o->retry_max_s ? (double)retry_after : o->retry_max_s;
            if (ra > d)
                d = ra;
        }
        x->delay = d < left ? d : left;   /* the next attempt then fails at once */
        return PK_TRANSFER_RETRY;
    }
    pk_outdir_tmp_release(x, 0);   /* what is left of the file stays for a later run to continue */
    r->state = PK_ITEM_FAILED;
    if (r->attempts > 1)
        set_why(r, "%s (after %d attempts)", why, r->attempts);
    else
        set_why(r, "%s", why);
    count_done(x, 1);
    return PK_TRANSFER_DONE;
}
