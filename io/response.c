/* What libcurl calls while one response arrives:
 *   pk_response_on_header  the status, ETag, Last-Modified and Content-Range of the response;
 *   pk_response_on_write   the body: before its first byte is stored, the status and the
 *                          range are checked (pk_response_begin_body), so an error page never
 *                          lands in the file; then it goes to the item's temporary file, the
 *                          version it belongs to recorded on it;
 *   pk_response_on_progress  the limits checked while the transfer runs.
 * Whatever stops an attempt is left in x->abort for its verdict (transfer.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <curl/curl.h>
#include "clock.h"
#include "outdir.h"
#include "response.h"

static int full_write(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Stop the attempt for `kind`, keeping errno for its reason: -1. */
static int abort_io(pk_transfer *x, int kind)
{
    x->abort = kind;
    x->io_errno = errno;
    return -1;
}

/* ---- the body's file ------------------------------------------------------------------ */

/* Open the temporary file for this attempt's body, created on the first body byte (so an
 * error page, a refused connection or a redirect never leaves one) and locked at once.
 * O_NOFOLLOW: a symlink planted at the name is not followed. */
static int open_tmp(pk_transfer *x)
{
    pk_fetch_run_state *run = x->run;
    struct stat st;
    if (x->lockfd < 0) {
        /* A new file under this run's own name, ours alone (O_EXCL). */
        int fd = openat(run->dirfd, x->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0644);
        if (fd < 0)
            return abort_io(x, PK_ABORT_OPEN);
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            return abort_io(x, PK_ABORT_OPEN);
        }
        x->lockfd = fd;
        if (x->offset > 0) {   /* the bytes asked for no longer exist: start again */
            x->abort = PK_ABORT_RANGE;
            return -1;
        }
    } else if (fstat(x->lockfd, &st) != 0 || st.st_nlink != 1 ||
               (uint64_t)st.st_size != x->offset) {
        /* Changed since the request (or its name is gone): do not trust it. */
        x->abort = PK_ABORT_RANGE;
        return -1;
    }
    /* The writes go through a second descriptor of the same open file: closing it after
     * the attempt keeps the lock, which goes only with lockfd. */
    x->fd = dup(x->lockfd);
    if (x->fd < 0)
        return abort_io(x, PK_ABORT_IO);
    return 0;
}

/* Record on the temporary file which version of the content it holds (ETag, else
 * Last-Modified) and the size announced for it; without one, none.  A partial file is
 * continued only with a strong validator sent as If-Range (pk_transfer_begin): one without
 * it -- no ETag nor Last-Modified, or a file system without extended attributes -- starts
 * again from byte 0 in a later run.  Within this run the validator is also kept in
 * x->file_v, so a retry can continue where the attribute cannot be stored. */
static void store_validator(pk_transfer *x)
{
    /* A weak ETag says two bodies are equivalent, not identical: never a validator for a
     * range (RFC 9110 13.1.5).  Recorded only when there is nothing better, so that a later
     * run knows the partial file cannot be continued (pk_transfer_begin). */
    const char *v = x->etag[0] == '"' ? x->etag : x->lastmod[0] ? x->lastmod : x->etag;
    x->v_pending = 0;
    snprintf(x->file_v, sizeof x->file_v, "%s", strlen(v) < sizeof x->file_v ? v : "");
    if (v[0])
        fsetxattr(x->fd, PK_FETCH_XATTR, v, strlen(v), 0);
    else
        fremovexattr(x->fd, PK_FETCH_XATTR);
    if (x->total >= 0) {
        char t[24];
        int n = snprintf(t, sizeof t, "%lld", (long long)x->total);
        fsetxattr(x->fd, PK_FETCH_XATTR_SIZE, t, (size_t)n, 0);
    } else {
        fremovexattr(x->fd, PK_FETCH_XATTR_SIZE);
    }
}

/* ---- libcurl callbacks ---------------------------------------------------------------- */

/* First body byte (or end of an empty body): decide where the body goes. 0 or -1 (abort). */
int pk_response_begin_body(pk_transfer *x)
{
    x->started = 1;
    long code = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code >= 300) {
        x->abort = PK_ABORT_HTTP;
        return -1;
    }
    curl_off_t cl = -1;
    curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (code == 206) {
        /* Only the bytes asked for, from where the file ends, and a Content-Length (when
         * given) that is the length of that range. */
        if (x->offset == 0 || x->cr_start != (int64_t)x->offset ||
            (cl >= 0 && x->cr_end >= 0 && cl != x->cr_end - x->cr_start + 1)) {
            x->abort = PK_ABORT_RANGE;
            return -1;
        }
        /* Another total size is another version of the file. */
        if (x->total >= 0 && x->cr_total >= 0 && x->cr_total != x->total) {
            x->abort = PK_ABORT_CHANGED;
            return -1;
        }
        /* A server that honours Range but not If-Range still names the version it sends
         * (an ETag, weak or strong, or Last-Modified). */
        const char *now_v = x->sent_v[0] == '"' ? x->etag : x->lastmod;
        if (x->sent_v[0] && now_v[0] && strcmp(now_v, x->sent_v) != 0) {
            x->abort = PK_ABORT_CHANGED;
            return -1;
        }
        if (x->total < 0 && x->cr_total >= 0)
            x->total = x->cr_total;
    }
    int had = x->lockfd >= 0;   /* a file from before: its records describe another body */
    if (open_tmp(x) != 0)
        return -1;
    if (code == 206) {
        x->run->res[x->idx].resumed = 1;
    } else {
        /* The whole file: over what an earlier attempt left if the server ignored the Range
         * or (If-Range) the file has changed.  Record which version this is. */
        if (x->offset > 0 && ftruncate(x->fd, 0) != 0)
            return abort_io(x, PK_ABORT_IO);
        x->offset = 0;
        x->total = cl >= 0 ? (int64_t)cl : -1;
        x->file_v[0] = '\0';   /* a new body: no version known for it until recorded */
        /* Over a validator of an older version: replaced (or removed) now.  On a new file
         * it is written only once the body needs more than one write (pk_response_on_write): a file
         * that arrives in one piece is never left partial. */
        if (had)
            store_validator(x);
        else
            x->v_pending = x->etag[0] || x->lastmod[0] || x->total >= 0;
    }
    /* A fresh descriptor starts at 0; only a continued file needs positioning. */
    if (lseek(x->fd, (off_t)x->offset, SEEK_SET) < 0)
        return abort_io(x, PK_ABORT_IO);
    return 0;
}

/* Write what is staged; 0 or -1 (errno). */
int pk_response_flush(pk_transfer *x)
{
    size_t n = x->staged;
    x->staged = 0;
    return n ? full_write(x->fd, x->stage, n) : 0;
}

/* libcurl hands the body over in pieces of at most 16 KiB (CURL_MAX_WRITE_SIZE), however
 * much one read brought.  With large receive buffers (few transfers) the pieces are staged
 * and written a buffer at a time, so a large body takes far fewer write calls (measured:
 * results/fetch/README.md, design notes).  Everything staged is written before the attempt
 * is judged (pk_transfer_end). */
size_t pk_response_on_write(char *p, size_t sz, size_t nm, void *ud)
{
    pk_transfer *x = ud;
    size_t n = sz * nm;
    if (!x->started && pk_response_begin_body(x) != 0)
        return 0;
    int64_t max = x->run->o->max_filesize;
    if (max > 0 && x->offset + x->got + n > (uint64_t)max) {
        x->abort = PK_ABORT_TOOBIG;
        return 0;
    }
    if (x->stage_cap && !x->stage && !(x->stage = malloc(x->stage_cap)))
        x->stage_cap = 0;
    int bad;
    if (n < x->stage_cap) {
        bad = x->staged + n > x->stage_cap && pk_response_flush(x) != 0;
        if (!bad) {
            memcpy(x->stage + x->staged, p, n);
            x->staged += n;
        }
    } else {
        bad = pk_response_flush(x) != 0 || full_write(x->fd, p, n) != 0;
    }
    if (bad) {
        x->abort = PK_ABORT_IO;
        x->io_errno = errno;
        return 0;
    }
    x->got += n;
    atomic_fetch_add_explicit(&x->run->bytes, n, memory_order_relaxed);
    if (x->v_pending) {
        curl_off_t cl = -1;
        curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        if (cl < 0 || (uint64_t)cl > x->got)
            store_validator(x);
    }
    return n;
}

/* A header's value without surrounding blanks and CR LF; "" when it does not fit. */
static void header_value(const char *p, size_t n, char *out, size_t outsz)
{
    while (n > 0 && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n >= outsz)
        n = 0;
    memcpy(out, p, n);
    out[n] = '\0';
}

size_t pk_response_on_header(char *p, size_t sz, size_t nm, void *ud)
{
    pk_transfer *x = ud;
    size_t n = sz * nm;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        x->cr_start = x->cr_end = x->cr_total = -1;   /* a new response (after a redirect, or 1xx) */
        x->etag[0] = x->lastmod[0] = '\0';
    } else if (n > 5 && strncasecmp(p, "etag:", 5) == 0) {
        /* A weak ETag is kept too (it still names a version: compared with the one sent in
         * If-Range) but never stored as the validator of a partial file (store_validator). */
        header_value(p + 5, n - 5, x->etag, sizeof x->etag);
    } else if (n > 14 && strncasecmp(p, "last-modified:", 14) == 0) {
        header_value(p + 14, n - 14, x->lastmod, sizeof x->lastmod);
    } else if (n > 14 && strncasecmp(p, "content-range:", 14) == 0) {
        char v[128];
        size_t k = n - 14 < sizeof v - 1 ? n - 14 : sizeof v - 1;
        memcpy(v, p + 14, k);
        v[k] = '\0';
        unsigned long long a, b, t;
        char star;
        if (sscanf(v, " bytes %llu-%llu/%llu", &a, &b, &t) == 3 && a <= b && b < t) {
            x->cr_start = (int64_t)a;
            x->cr_end = (int64_t)b;
            x->cr_total = (int64_t)t;
        } else if (sscanf(v, " bytes %llu-%llu/%c", &a, &b, &star) == 3 && star == '*' &&
                   a <= b) {
            x->cr_start = (int64_t)a;
            x->cr_end = (int64_t)b;
            x->cr_total = -1;
        } else if (sscanf(v, " bytes */%llu", &t) == 1) {   /* with 416 */
            x->cr_start = -1;
            x->cr_total = (int64_t)t;
        }
    }
    return n;
}

/* Limits checked while a transfer runs (libcurl calls this at least once a second):
 *   stall      nothing received for stall_timeout_ms (libcurl's own low-speed check
 *              averages over several seconds, so it reacts late);
 *   min speed  fewer than min_speed bytes/s over each min_speed_time_ms window (a server
 *              that drips a byte a second never stalls);
 *   max time   the item's attempts together past --max-time; the run past --deadline. */
int pk_response_on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                            curl_off_t ulnow)
{
    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    pk_transfer *x = ud;
    const pk_fetch_opts *o = x->run->o;
    double now = pk_clock_now();
    if (dlnow != x->last_dl) {
        x->last_dl = dlnow;
        x->last_data = now;
    } else if ((now - x->last_data) * 1000.0 > (double)o->stall_timeout_ms) {
        x->abort = PK_ABORT_STALL;
        return 1;
    }
    if (o->min_speed > 0 && o->min_speed_time_ms > 0 &&
        (now - x->win_t0) * 1000.0 >= (double)o->min_speed_time_ms) {
        double rate = (double)(dlnow - x->win_dl) / (now - x->win_t0);
        if (rate < (double)o->min_speed) {
            x->abort = PK_ABORT_SLOW;
            return 1;
        }
        x->win_t0 = now;
        x->win_dl = dlnow;
    }
    if (o->max_time_ms > 0 && (now - x->item_t0) * 1000.0 >= (double)o->max_time_ms) {
        x->abort = PK_ABORT_MAXTIME;
        return 1;
    }
    if (x->run->deadline > 0 && now >= x->run->deadline) {
        x->abort = PK_ABORT_DEADLINE;
        return 1;
    }
    return 0;
}
