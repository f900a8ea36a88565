/* The three download engines and the per-transfer logic they share.
 *
 * One transfer of one item goes through attempts.  Each attempt:
 *   attempt_begin  on the first, takes over the partial file a dead run left (".NAME.TAG.pkpart",
 *                  not flock'ed by a live run; claim_partial) or names this run's own; asks
 *                  for the missing tail with a Range request when the file already holds
 *                  bytes -- with If-Range and the validator (strong ETag or Last-Modified) the
 *                  file was started with, kept in its extended attribute PK_FETCH_XATTR, so a
 *                  file changed on the server since then is fetched whole instead of spliced
 *                  (a 206 naming another total size than PK_FETCH_XATTR_SIZE is caught too);
 *   (libcurl runs) on_header / on_write check the status and Content-Range before the
 *                  first body byte is stored, so an error page never lands in the file;
 *   attempt_end    classifies the outcome: verified complete -> renamed to NAME; transient
 *                  failure -> retried after an exponential backoff with jitter (at least
 *                  Retry-After); anything else -> failed with a one-line reason.
 * The engines differ only in who drives the attempts: a loop (seq), N threads each with
 * its own easy handle (pool), or one curl multi handle with N transfers in flight driven by
 * an epoll loop through curl_multi_socket_action (multi). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "fetch.h"

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

int pk_fetch_dir_prepare(const char *dir, char *err, size_t errsz)
{
    size_t len = strlen(dir);
    if (len == 0) {
        snprintf(err, errsz, "-o: empty directory name");
        return PK_FETCH_EINPUT;
    }
    char *p = strdup(dir);
    if (!p) {
        snprintf(err, errsz, "out of memory");
        return PK_FETCH_EFAIL;
    }
    /* Long paths are shown cut in the middle: the reason at the end is never lost. */
    char shown[120], shown2[120];
    pk_fetch_show(dir, shown, sizeof shown);
    /* mkdir -p: create each missing component. */
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errsz, "-o %s: cannot create directory \"%s\": %s", shown,
                     pk_fetch_show(p, shown2, sizeof shown2), strerror(errno));
            free(p);
            return PK_FETCH_EINPUT;
        }
        p[i] = c;
    }
    free(p);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errsz, "-o %s: not a usable directory: %s", shown, strerror(errno));
        return PK_FETCH_EINPUT;
    }
    char probe[64];
    snprintf(probe, sizeof probe, ".pkprobe.%ld", (long)getpid());
    int pf = openat(fd, probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (pf < 0) {
        snprintf(err, errsz, "-o %s: cannot write in this directory: %s", shown, strerror(errno));
        close(fd);
        return PK_FETCH_EINPUT;
    }
    close(pf);
    unlinkat(fd, probe, 0);
    close(fd);
    return PK_FETCH_OK;
}

/* ---- shared state of one run --------------------------------------------------------- */

typedef struct shared {
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
} shared;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_tmp_name(const char *n)
{
    size_t len = strlen(n), k = sizeof PK_FETCH_TMP_SUFFIX - 1;
    return n[0] == '.' && len > k && strcmp(n + len - k, PK_FETCH_TMP_SUFFIX) == 0;
}

/* Append a copy of name to *v (capacity *cap); 0, or -1 when out of memory. */
static int push_name(char ***v, size_t *n, size_t *cap, const char *name)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        char **nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = nc;
    }
    if (!((*v)[*n] = strdup(name)))
        return -1;
    (*n)++;
    return 0;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Read DIR's names once, so that on a fresh or small folder the per-item checks for an
 * existing file need no system call each, and the temporary files that runs left are known
 * without a lookup per item.  Names: given up (sh->scanned = 0: every name is looked up on
 * its own) beyond `limit` entries or on any error; temporary files: always all of them. */
static void scan_dir(shared *sh, size_t limit)
{
    int fd = openat(sh->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t cap = 0, tcap = 0;
    int ok = 1, tok = 1;
    struct dirent *e;
    errno = 0;
    while ((ok || tok) && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (ok && (sh->nnames == limit || push_name(&sh->names, &sh->nnames, &cap, e->d_name) != 0))
            ok = 0;
        if (tok && is_tmp_name(e->d_name) && push_name(&sh->tmps, &sh->ntmps, &tcap, e->d_name) != 0)
            tok = 0;
        errno = 0;
    }
    if (errno)
        ok = tok = 0;
    closedir(d);
    if (ok) {
        if (sh->nnames > 1)
            qsort(sh->names, sh->nnames, sizeof *sh->names, cmp_name);
        sh->scanned = 1;
    } else {
        free_names(sh->names, sh->nnames);
        sh->names = NULL;
        sh->nnames = 0;
    }
    if (tok) {
        if (sh->ntmps > 1)
            qsort(sh->tmps, sh->ntmps, sizeof *sh->tmps, cmp_name);
        sh->tmps_ok = 1;
    } else {
        free_names(sh->tmps, sh->ntmps);
        sh->tmps = NULL;
        sh->ntmps = 0;
    }
}

/* lstat of DIR/name: 0, or an errno value (ENOENT without a system call when the scan at
 * the start of the run did not see it and `fresh` says nothing of ours could have made it). */
static int stat_name(const shared *sh, const char *name, int fresh, struct stat *st)
{
    if (fresh && sh->scanned &&
        (sh->nnames == 0 || !bsearch(&name, sh->names, sh->nnames, sizeof *sh->names, cmp_name)))
        return ENOENT;
    return fstatat(sh->dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

enum {
    AB_NONE = 0, AB_HTTP, AB_TOOBIG, AB_IO, AB_OPEN, AB_RANGE, AB_STALL, AB_CHANGED, AB_SLOW,
    AB_MAXTIME, AB_DEADLINE
};
enum { END_DONE = 0, END_RETRY = 1 };

typedef struct xfer {
    shared *sh;
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
    struct curl_slist *hdrs;   /* the If-Range header of this attempt */
    int v_pending;             /* the validator is still to be stored (see begin_body) */
    char *stage;               /* body bytes not yet written (see on_write) */
    size_t stage_cap, staged;
    uint64_t rng;
    double last_data;          /* when the last byte arrived (or the attempt began) */
    curl_off_t last_dl;
    double delay;              /* retry: seconds to wait */
    double due;                /* multi: when the retry may start */
    int waiting;               /* multi: slot is waiting for its retry */
} xfer;

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

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

/* ---- libcurl callbacks ---------------------------------------------------------------- */

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

/* First body byte (or end of an empty body): decide where the body goes. 0 or -1 (abort). */
static int abort_io(xfer *x, int kind)
{
    x->abort = kind;
    x->io_errno = errno;
    return -1;
}

/* ---- temporary files: one per run and item, locked while the run lives -------------- */

/* This run's temporary name for the item: ".NAME.TAG.pkpart". */
static void own_tmp_name(xfer *x)
{
    snprintf(x->tmp, sizeof x->tmp, ".%s.%s%s", x->sh->l->v[x->idx].name, x->sh->tag,
             PK_FETCH_TMP_SUFFIX);
}

/* Is tmp a temporary file of the item named `name`: ".NAME.TAG.pkpart" with a TAG as runs
 * make them ("p" PID "-" 8 hex digits, see pk_fetch_run), or the older ".NAME.pkpart"?  (The
 * TAG's form keeps the temporary files of a name "NAME.x" apart from those of "NAME".) */
static int tmp_of_item(const char *tmp, const char *name)
{
    size_t nl = strlen(name), sl = sizeof PK_FETCH_TMP_SUFFIX - 1, len = strlen(tmp);
    if (len < 1 + nl + sl || tmp[0] != '.' || memcmp(tmp + 1, name, nl) != 0 ||
        strcmp(tmp + len - sl, PK_FETCH_TMP_SUFFIX) != 0)
        return 0;
    const char *tag = tmp + 1 + nl;   /* "" or ".TAG", then the suffix */
    size_t tl = len - 1 - nl - sl;
    if (tl == 0)
        return 1;
    if (tl < 1 + 2 + 9 || tag[0] != '.' || tag[1] != 'p')
        return 0;
    size_t i = 2, digits = 0;
    while (i < tl && isxdigit((unsigned char)tag[i]) && !isupper((unsigned char)tag[i]))
        i++, digits++;
    if (digits == 0 || digits > 8 || i + 9 != tl || tag[i] != '-')
        return 0;
    for (i++; i < tl; i++)
        if (!isxdigit((unsigned char)tag[i]) || isupper((unsigned char)tag[i]))
            return 0;
    return 1;
}

/* Release the item's temporary file: closed (the lock goes with it), removed when `drop`. */
static void tmp_release(xfer *x, int drop)
{
    if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
    }
    if (x->lockfd >= 0) {
        if (drop)
            unlinkat(x->sh->dirfd, x->tmp, 0);
        close(x->lockfd);
        x->lockfd = -1;
    }
}

/* Drop the temporary file: the next attempt starts from byte 0 in a new one of this run. */
static void tmp_restart(xfer *x)
{
    tmp_release(x, 1);
    x->total = -1;
    own_tmp_name(x);
}

/* The temporary files that dead runs left for this item (same NAME, not locked):
 * with `keep`, the largest becomes this run's (locked, x->tmp, x->lockfd) and the others are
 * removed; without, all are removed.  A locked one belongs to a run still going: left alone.
 * 0, or -1 with *why (a symbolic link or something else than a file at such a name). */
static int claim_partial(xfer *x, int keep, const char **why)
{
    shared *sh = x->sh;
    const pk_fetch_item *it = &sh->l->v[x->idx];
    char legacy[PK_FETCH_NAME_MAX + 16];
    snprintf(legacy, sizeof legacy, ".%s%s", it->name, PK_FETCH_TMP_SUFFIX);
    /* Candidates: from the scan, the names starting with ".NAME." (sorted: one range);
     * without a scan, the older name only. */
    const char *one[1] = { legacy };
    const char *const *cand = one;
    size_t lo = 0, hi = 1;
    if (sh->tmps_ok) {
        char prefix[PK_FETCH_NAME_MAX + 4];
        snprintf(prefix, sizeof prefix, ".%s.", it->name);
        size_t pl = strlen(prefix), a = 0, b = sh->ntmps;
        while (a < b) {
            size_t m = a + (b - a) / 2;
            if (strcmp(sh->tmps[m], prefix) < 0)
                a = m + 1;
            else
                b = m;
        }
        cand = (const char *const *)sh->tmps;
        lo = hi = a;
        while (hi < sh->ntmps && strncmp(sh->tmps[hi], prefix, pl) == 0)
            hi++;
        /* ".NAME.pkpart" sorts among them only when NAME has no "." after it; it is looked
         * for in the same range (every name in it starts with the prefix). */
    }
    int best = -1;
    off_t best_size = -1;
    for (size_t i = lo; i < hi; i++) {
        const char *name = cand[i];
        if (!tmp_of_item(name, it->name))
            continue;
        int fd = openat(sh->dirfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st, again;
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            *why = errno == ELOOP ? "temporary name exists and is not a regular file "
                                    "(a symbolic link is not followed)"
                                  : "cannot open a temporary file of this item";
            if (best >= 0)
                close(best);
            return -1;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            *why = "temporary name exists and is not a regular file";
            if (best >= 0)
                close(best);
            return -1;
        }
        if (st.st_nlink > 1) {   /* a hard link to something else: not ours to write */
            close(fd);
            unlinkat(sh->dirfd, name, 0);
            continue;
        }
        /* Locked: a run still downloading it.  Unlocked: its run died (or ended with the
         * file left for a resume).  Once locked, check the name is still that file (the
         * owner might have renamed it just before it let go). */
        if (flock(fd, LOCK_EX | LOCK_NB) != 0 ||
            fstatat(sh->dirfd, name, &again, AT_SYMLINK_NOFOLLOW) != 0 ||
            again.st_ino != st.st_ino || again.st_dev != st.st_dev) {
            close(fd);
            continue;
        }
        if (keep && st.st_size > best_size) {
            if (best >= 0) {
                unlinkat(sh->dirfd, x->tmp, 0);
                close(best);
            }
            best = fd;
            best_size = st.st_size;
            snprintf(x->tmp, sizeof x->tmp, "%s", name);
        } else {
            unlinkat(sh->dirfd, name, 0);
            close(fd);
        }
    }
    if (best >= 0)
        x->lockfd = best;
    return 0;
}

/* Open the temporary file for this attempt's body, created on the first body byte (so an
 * error page, a refused connection or a redirect never leaves one) and locked at once.
 * O_NOFOLLOW: a symlink planted at the name is not followed. */
static int open_tmp(xfer *x)
{
    shared *sh = x->sh;
    struct stat st;
    if (x->lockfd < 0) {
        /* A new file under this run's own name, ours alone (O_EXCL). */
        int fd = openat(sh->dirfd, x->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            return abort_io(x, AB_OPEN);
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            return abort_io(x, AB_OPEN);
        }
        x->lockfd = fd;
        if (x->offset > 0) {   /* the bytes asked for no longer exist: start again */
            x->abort = AB_RANGE;
            return -1;
        }
    } else if (fstat(x->lockfd, &st) != 0 || st.st_nlink != 1 ||
               (uint64_t)st.st_size != x->offset) {
        /* Changed since the request (or its name is gone): do not trust it. */
        x->abort = AB_RANGE;
        return -1;
    }
    /* The writes go through a second descriptor of the same open file: closing it after
     * the attempt keeps the lock, which goes only with lockfd. */
    x->fd = dup(x->lockfd);
    if (x->fd < 0)
        return abort_io(x, AB_IO);
    return 0;
}

/* Record on the temporary file which version of the content it holds (ETag, else
 * Last-Modified) and the size announced for it; without one, none.  Where extended
 * attributes are not supported the file simply has none, and a later run resumes it
 * without If-Range and without the size check. */
static void store_validator(xfer *x)
{
    /* A weak ETag says two bodies are equivalent, not identical: never a validator for a
     * range (RFC 9110 13.1.5).  Recorded only when there is nothing better, so that a later
     * run knows the partial file cannot be continued (attempt_begin). */
    const char *v = x->etag[0] == '"' ? x->etag : x->lastmod[0] ? x->lastmod : x->etag;
    x->v_pending = 0;
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

/* The size recorded in fd's PK_FETCH_XATTR_SIZE, or -1. */
static int64_t recorded_size(int fd)
{
    char t[24];
    ssize_t k = fgetxattr(fd, PK_FETCH_XATTR_SIZE, t, sizeof t - 1);
    if (k <= 0)
        return -1;
    t[k] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    return errno || *end || v < 0 ? -1 : (int64_t)v;
}

/* First body byte (or end of an empty body): decide where the body goes. 0 or -1 (abort). */
static int begin_body(xfer *x)
{
    x->started = 1;
    long code = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code >= 300) {
        x->abort = AB_HTTP;
        return -1;
    }
    curl_off_t cl = -1;
    curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (code == 206) {
        /* Only the bytes asked for, from where the file ends, and a Content-Length (when
         * given) that is the length of that range. */
        if (x->offset == 0 || x->cr_start != (int64_t)x->offset ||
            (cl >= 0 && x->cr_end >= 0 && cl != x->cr_end - x->cr_start + 1)) {
            x->abort = AB_RANGE;
            return -1;
        }
        /* Another total size is another version of the file. */
        if (x->total >= 0 && x->cr_total >= 0 && x->cr_total != x->total) {
            x->abort = AB_CHANGED;
            return -1;
        }
        /* A server that honours Range but not If-Range still names the version it sends
         * (an ETag, weak or strong, or Last-Modified). */
        const char *now_v = x->sent_v[0] == '"' ? x->etag : x->lastmod;
        if (x->sent_v[0] && now_v[0] && strcmp(now_v, x->sent_v) != 0) {
            x->abort = AB_CHANGED;
            return -1;
        }
        if (x->total < 0 && x->cr_total >= 0)
            x->total = x->cr_total;
    }
    int had = x->lockfd >= 0;   /* a file from before: its records describe another body */
    if (open_tmp(x) != 0)
        return -1;
    if (code == 206) {
        x->sh->res[x->idx].resumed = 1;
    } else {
        /* The whole file: over what an earlier attempt left if the server ignored the Range
         * or (If-Range) the file has changed.  Record which version this is. */
        if (x->offset > 0 && ftruncate(x->fd, 0) != 0)
            return abort_io(x, AB_IO);
        x->offset = 0;
        x->total = cl >= 0 ? (int64_t)cl : -1;
        /* Over a validator of an older version: replaced (or removed) now.  On a new file
         * it is written only once the body needs more than one write (on_write): a file
         * that arrives in one piece is never left partial. */
        if (had)
            store_validator(x);
        else
            x->v_pending = x->etag[0] || x->lastmod[0] || x->total >= 0;
    }
    /* A fresh descriptor starts at 0; only a continued file needs positioning. */
    if (lseek(x->fd, (off_t)x->offset, SEEK_SET) < 0)
        return abort_io(x, AB_IO);
    return 0;
}

/* Write what is staged; 0 or -1 (errno). */
static int flush_stage(xfer *x)
{
    size_t n = x->staged;
    x->staged = 0;
    return n ? full_write(x->fd, x->stage, n) : 0;
}

/* libcurl hands the body over in pieces of at most 16 KiB (CURL_MAX_WRITE_SIZE), however
 * much one read brought.  With large receive buffers (few transfers) the pieces are staged
 * and written a buffer at a time: 20 x 10 MiB took 12800 write calls, now 400.  Everything
 * staged is written before the attempt is judged (attempt_end). */
static size_t on_write(char *p, size_t sz, size_t nm, void *ud)
{
    xfer *x = ud;
    size_t n = sz * nm;
    if (!x->started && begin_body(x) != 0)
        return 0;
    int64_t max = x->sh->o->max_filesize;
    if (max > 0 && x->offset + x->got + n > (uint64_t)max) {
        x->abort = AB_TOOBIG;
        return 0;
    }
    if (x->stage_cap && !x->stage && !(x->stage = malloc(x->stage_cap)))
        x->stage_cap = 0;
    int bad;
    if (n < x->stage_cap) {
        bad = x->staged + n > x->stage_cap && flush_stage(x) != 0;
        if (!bad) {
            memcpy(x->stage + x->staged, p, n);
            x->staged += n;
        }
    } else {
        bad = flush_stage(x) != 0 || full_write(x->fd, p, n) != 0;
    }
    if (bad) {
        x->abort = AB_IO;
        x->io_errno = errno;
        return 0;
    }
    x->got += n;
    atomic_fetch_add_explicit(&x->sh->bytes, n, memory_order_relaxed);
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

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
    xfer *x = ud;
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
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    xfer *x = ud;
    const pk_fetch_opts *o = x->sh->o;
    double now = mono_now();
    if (dlnow != x->last_dl) {
        x->last_dl = dlnow;
        x->last_data = now;
    } else if ((now - x->last_data) * 1000.0 > (double)o->stall_timeout_ms) {
        x->abort = AB_STALL;
        return 1;
    }
    if (o->min_speed > 0 && o->min_speed_time_ms > 0 &&
        (now - x->win_t0) * 1000.0 >= (double)o->min_speed_time_ms) {
        double rate = (double)(dlnow - x->win_dl) / (now - x->win_t0);
        if (rate < (double)o->min_speed) {
            x->abort = AB_SLOW;
            return 1;
        }
        x->win_t0 = now;
        x->win_dl = dlnow;
    }
    if (o->max_time_ms > 0 && (now - x->item_t0) * 1000.0 >= (double)o->max_time_ms) {
        x->abort = AB_MAXTIME;
        return 1;
    }
    if (x->sh->deadline > 0 && now >= x->sh->deadline) {
        x->abort = AB_DEADLINE;
        return 1;
    }
    return 0;
}

/* ---- one attempt ---------------------------------------------------------------------- */

#define SETOPT(h, opt, val)                                                                  \
    do {                                                                                     \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                                 \
            goto fail;                                                                       \
    } while (0)

static CURL *handle_new(xfer *x)
{
    const pk_fetch_opts *o = x->sh->o;
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
    SETOPT(h, CURLOPT_WRITEFUNCTION, on_write);
    SETOPT(h, CURLOPT_WRITEDATA, x);
    SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(h, CURLOPT_HEADERDATA, x);
    SETOPT(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    SETOPT(h, CURLOPT_XFERINFODATA, x);
    SETOPT(h, CURLOPT_NOPROGRESS, 0L);
    SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
    SETOPT(h, CURLOPT_PRIVATE, x);
    SETOPT(h, CURLOPT_USERAGENT, "parkit-fetch/0.1");
    SETOPT(h, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);   /* never uploads: the minimum */
    /* Receive buffer, one per transfer: 8 MiB / jobs^2 within [2 KiB, 512 KiB].  A few
     * transfers get libcurl's largest (512 KiB up to 4 jobs: 15% less CPU than 128 KiB on
     * 10 MiB files, from fewer callbacks and writes); with many in flight the total
     * shrinks (1 MiB at 8 jobs, 2 KiB each from 64 on), since an event loop with that many
     * is busy with many small reads and every buffer costs memory. */
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

static void handle_free(xfer *x)
{
    free(x->stage);
    x->stage = NULL;
    curl_easy_cleanup(x->h);
    curl_slist_free_all(x->hdrs);
    x->h = NULL;
    x->hdrs = NULL;
}

/* One reusable handle per transfer slot, xs[0..n); *made counts those created (for cleanup). */
static int handles_new(xfer *xs, size_t n, shared *sh, size_t *made, char *err, size_t errsz)
{
    for (; *made < n; (*made)++) {
        xs[*made].sh = sh;
        if (!handle_new(&xs[*made])) {
            snprintf(err, errsz, "cannot create a libcurl handle");
            return -1;
        }
    }
    return 0;
}

static void count_done(xfer *x, int failed)
{
    atomic_fetch_add_explicit(&x->sh->done, 1, memory_order_relaxed);
    if (failed)
        atomic_fetch_add_explicit(&x->sh->failed, 1, memory_order_relaxed);
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

void pk_fetch_results_free(pk_fetch_result *res, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(res[i].why);
        res[i].why = NULL;
    }
}

static int finish_fail(xfer *x, const char *fmt, const char *detail)
{
    tmp_release(x, 0);   /* a partial file stays for a later run to continue */
    pk_fetch_result *r = &x->sh->res[x->idx];
    r->state = PK_ITEM_FAILED;
    set_why(r, fmt, detail);
    count_done(x, 1);
    return 1;
}

/* Is the existing DIR/name a finished file to keep?  A file this module completed carries
 * its size (PK_FETCH_XATTR_SIZE); one that no longer has that size (cut short or written to
 * since) is not trusted.  A file without the record (made by something else) is kept. */
static int finished_file_ok(const shared *sh, const char *name, const struct stat *st)
{
    int fd = openat(sh->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 1;
    int64_t rec = recorded_size(fd);
    close(fd);
    return rec < 0 || rec == (int64_t)st->st_size;
}

/* Seconds left before --max-time (this item) or --deadline (the run), whichever is first;
 * a large number when neither is set. */
static double time_left(const xfer *x, double now)
{
    const pk_fetch_opts *o = x->sh->o;
    double left = 1e9;
    if (o->max_time_ms > 0)
        left = x->item_t0 + (double)o->max_time_ms / 1000.0 - now;
    if (x->sh->deadline > 0 && x->sh->deadline - now < left)
        left = x->sh->deadline - now;
    return left;
}

/* 0: handle ready for a transfer; 1: the item is finished (skipped or failed). */
static int attempt_begin(xfer *x)
{
    shared *sh = x->sh;
    const pk_fetch_item *it = &sh->l->v[x->idx];
    pk_fetch_result *r = &sh->res[x->idx];
    struct stat st;
    double now = mono_now();
    if (r->attempts == 0) {
        x->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)x->idx * 0xbf58476d1ce4e5b9ull) ^
                 (uint64_t)(now * 1e6);
        if (x->rng == 0)
            x->rng = 1;
        x->fd = x->lockfd = -1;
        x->total = -1;
        x->item_t0 = now;
        if (sh->deadline > 0 && now >= sh->deadline)
            return finish_fail(x, "%s", "not started: the run reached its --deadline");
        int e = stat_name(sh, it->name, 1, &st);
        int redo = sh->o->force;
        if (e == 0) {
            if (S_ISLNK(st.st_mode))
                return finish_fail(x, "%s", "output name exists as a symbolic link (not followed)");
            if (!S_ISREG(st.st_mode))
                return finish_fail(x, "%s", "output name exists and is not a regular file");
            if (!redo && !finished_file_ok(sh, it->name, &st))
                redo = 1;   /* not the file that was finished: fetched again */
            if (!redo) {
                const char *why = NULL;
                claim_partial(x, 0, &why);   /* leftovers of dead runs: removed */
                r->state = PK_ITEM_SKIPPED;
                r->size = (uint64_t)st.st_size;
                count_done(x, 0);
                return 1;
            }
        } else if (e != ENOENT) {
            return finish_fail(x, "cannot inspect output name: %s", strerror(e));
        }
        /* A partial file a dead run left for this item is continued (--force: removed). */
        own_tmp_name(x);
        const char *why = NULL;
        if (claim_partial(x, !redo, &why) != 0)
            return finish_fail(x, "%s", why);
        if (x->lockfd >= 0)
            x->total = recorded_size(x->lockfd);
    }
    if (time_left(x, now) <= 0)
        return finish_fail(x, "%s", sh->deadline > 0 && now >= sh->deadline
                                        ? "the run reached its --deadline"
                                        : "took longer than --max-time");
    r->attempts++;
    /* What is already in the temporary file (a dead run, an earlier attempt) is asked for
     * no more: a Range request continues it.  It is opened for writing in begin_body. */
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
    x->abort = AB_NONE;
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
         * still has that version, else the whole new one. */
        ssize_t k = fgetxattr(x->lockfd, PK_FETCH_XATTR, x->sent_v, sizeof x->sent_v - 1);
        x->sent_v[k > 0 ? k : 0] = '\0';
        if (strncmp(x->sent_v, "W/", 2) == 0) {
            /* Only a weak ETag named it: no version to continue safely, start again. */
            tmp_restart(x);
            x->offset = 0;
            x->sent_v[0] = '\0';
        }
    }
    if (x->offset > 0) {
        snprintf(x->range, sizeof x->range, "%llu-", (unsigned long long)x->offset);
        range = x->range;
        if (x->sent_v[0] && !strpbrk(x->sent_v, "\r\n")) {
            char h[sizeof x->sent_v + 16];
            snprintf(h, sizeof h, "If-Range: %s", x->sent_v);
            if (!(x->hdrs = curl_slist_append(NULL, h)))
                return finish_fail(x, "%s", "out of memory");
        } else {
            x->sent_v[0] = '\0';
        }
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
static int finish_ok(xfer *x, uint64_t size, char *why, size_t whysz)
{
    shared *sh = x->sh;
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
    if (renameat(sh->dirfd, x->tmp, sh->dirfd, sh->l->v[x->idx].name) != 0) {
        snprintf(why, whysz, "cannot rename temporary file: %s", strerror(errno));
        return -1;
    }
    close(x->lockfd);
    x->lockfd = -1;
    pk_fetch_result *r = &sh->res[x->idx];
    r->state = PK_ITEM_OK;
    r->size = size;
    count_done(x, 0);
    return 0;
}

/* After libcurl finished an attempt: END_DONE (item finished) or END_RETRY (x->delay). */
static int attempt_end(xfer *x, CURLcode rc)
{
    shared *sh = x->sh;
    const pk_fetch_opts *o = sh->o;
    pk_fetch_result *r = &sh->res[x->idx];
    long code = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    r->http_code = code;
    r->bytes += x->got;
    if (x->staged && flush_stage(x) != 0 && x->abort == AB_NONE) {
        x->abort = AB_IO;
        x->io_errno = errno;
    }
    if (rc == CURLE_OK && !x->started)
        begin_body(x);   /* empty body: the status checks still apply */
    char why[256];
    int transient = 0, drop_tmp = 0;
    curl_off_t retry_after = 0;
    if (x->abort == AB_OPEN) {
        snprintf(why, sizeof why, "cannot create temporary file: %s", strerror(x->io_errno));
    } else if (x->abort == AB_IO) {
        snprintf(why, sizeof why, "write error: %s", strerror(x->io_errno));
    } else if (x->abort == AB_TOOBIG || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(why, sizeof why, "larger than --max-filesize (%lld bytes)",
                 (long long)o->max_filesize);
        drop_tmp = 1;
    } else if (x->abort == AB_STALL) {
        snprintf(why, sizeof why, "stalled: nothing received for %.*f s",
                 o->stall_timeout_ms % 100 ? 3 : 1, (double)o->stall_timeout_ms / 1000.0);
        transient = 1;
    } else if (x->abort == AB_SLOW) {
        snprintf(why, sizeof why, "too slow: under %lld bytes/s for %.3g s (--min-speed)",
                 (long long)o->min_speed, (double)o->min_speed_time_ms / 1000.0);
        transient = 1;
    } else if (x->abort == AB_DEADLINE ||
               (rc == CURLE_OPERATION_TIMEDOUT && sh->deadline > 0 && mono_now() >= sh->deadline)) {
        snprintf(why, sizeof why, "the run reached its --deadline (%.3g s)",
                 (double)o->deadline_ms / 1000.0);
    } else if (x->abort == AB_MAXTIME ||
               (rc == CURLE_OPERATION_TIMEDOUT && o->max_time_ms > 0 && time_left(x, mono_now()) <= 0)) {
        snprintf(why, sizeof why, "took longer than --max-time (%.3g s)",
                 (double)o->max_time_ms / 1000.0);
    } else if (x->abort == AB_RANGE || x->abort == AB_CHANGED) {
        snprintf(why, sizeof why, "%s", x->abort == AB_RANGE
                 ? "server sent a partial response that does not match"
                 : "changed on the server since the partial file was begun");
        tmp_restart(x);   /* the retry starts from byte 0 */
        transient = 1;
    } else if (code == 416 && x->offset > 0 && (x->abort == AB_HTTP || rc == CURLE_OK)) {
        /* Range not satisfiable: the partial file may already be whole (a run killed
         * between the last byte and the rename) -- when the size the server names is that
         * of the file, and of the version it was begun with; otherwise it is stale: start
         * again. */
        if (x->cr_total == (int64_t)x->offset && (x->total < 0 || x->total == x->cr_total) &&
            finish_ok(x, x->offset, why, sizeof why) == 0)
            return END_DONE;
        snprintf(why, sizeof why, "HTTP 416 for the partial file (%llu bytes): starting again",
                 (unsigned long long)x->offset);
        tmp_restart(x);
        transient = 1;
    } else if (x->abort == AB_HTTP || (rc == CURLE_OK && (code < 200 || code >= 300))) {
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
            return END_DONE;
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
    double left = time_left(x, mono_now());
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
        return END_RETRY;
    }
    tmp_release(x, 0);   /* what is left of the file stays for a later run to continue */
    r->state = PK_ITEM_FAILED;
    if (r->attempts > 1)
        set_why(r, "%s (after %d attempts)", why, r->attempts);
    else
        set_why(r, "%s", why);
    count_done(x, 1);
    return END_DONE;
}

/* ---- engines ---------------------------------------------------------------------------- */

/* Every attempt of one item, blocking (seq and pool). */
static void fetch_blocking(xfer *x, size_t idx)
{
    x->idx = idx;
    for (;;) {
        if (attempt_begin(x))
            return;
        CURLcode rc = curl_easy_perform(x->h);
        if (attempt_end(x, rc) == END_DONE)
            return;
        sleep_s(x->delay);
    }
}

static int run_seq(shared *sh, char *err, size_t errsz)
{
    xfer x;
    memset(&x, 0, sizeof x);
    x.sh = sh;
    if (!handle_new(&x)) {
        snprintf(err, errsz, "cannot create a libcurl handle");
        return PK_FETCH_EFAIL;
    }
    for (size_t i = 0; i < sh->l->n; i++)
        fetch_blocking(&x, i);
    handle_free(&x);
    return PK_FETCH_OK;
}

static void *pool_worker(void *arg)
{
    xfer *x = arg;
    shared *sh = x->sh;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&sh->next, 1, memory_order_relaxed);
        if (i >= sh->l->n)
            break;
        fetch_blocking(x, i);
    }
    return NULL;
}

static int run_pool(shared *sh, char *err, size_t errsz)
{
    size_t nt = (size_t)sh->o->jobs;
    if (nt > sh->l->n)
        nt = sh->l->n;
    if (nt == 0)
        return PK_FETCH_OK;
    xfer *xs = calloc(nt, sizeof *xs);
    pthread_t *tid = calloc(nt, sizeof *tid);
    int rc = PK_FETCH_OK;
    size_t made = 0, started = 0;
    if (!xs || !tid) {
        snprintf(err, errsz, "out of memory");
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    /* Handles are made before any thread starts (and after curl_global_init). */
    if (handles_new(xs, nt, sh, &made, err, errsz) != 0) {
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (; started < nt; started++)
        if (pthread_create(&tid[started], &attr, pool_worker, &xs[started]) != 0)
            break;
    pthread_attr_destroy(&attr);
    if (started == 0) {
        snprintf(err, errsz, "cannot start threads: %s", strerror(errno));
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
out:
    for (size_t t = 0; t < made; t++)
        handle_free(&xs[t]);
    free(xs);
    free(tid);
    return rc;
}

/* multi: new transfers started per turn of the event loop.  Starting all N at once makes
 * every request wait until all N connections are made (200 loopback connects: 10 ms);
 * a few per turn lets the first requests go out while later connections are still being
 * opened, so the first answers come back that much sooner.  Measured on 200 x 1 KiB with
 * 200 ms latency: 8 and 16 per turn about equal, 7 ms faster than all at once. */
#define PK_FETCH_RAMP 16

/* multi: libcurl's multi_socket interface on our own epoll loop, so that each event costs
 * work for the transfer it concerns only (curl_multi_perform walks every transfer). */
typedef struct mloop {
    CURLM *m;
    int ep;
    double deadline;   /* libcurl's timer, monotonic seconds; < 0: none */
    int failed_ctl;
} mloop;

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    mloop *ml = userp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(ml->ep, EPOLL_CTL_DEL, s, NULL);   /* may already be closed: ignore */
        curl_multi_assign(ml->m, s, NULL);
        return 0;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.fd = s;
    /* socketp marks a socket already in the epoll set (set through curl_multi_assign). */
    int op = socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(ml->ep, op, s, &ev) != 0) {
        op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;   /* out of step: retry */
        if (epoll_ctl(ml->ep, op, s, &ev) != 0)
            ml->failed_ctl = errno;
    }
    if (!socketp)
        curl_multi_assign(ml->m, s, ml);
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    mloop *ml = userp;
    ml->deadline = timeout_ms < 0 ? -1.0 : mono_now() + (double)timeout_ms / 1000.0;
    return 0;
}

/* Begin an attempt and hand it to libcurl: 0 added, 1 item finished (skipped or failed
 * before any request), -1 libcurl refused the handle. */
static int multi_start(mloop *ml, xfer *x)
{
    if (attempt_begin(x))
        return 1;
    return curl_multi_add_handle(ml->m, x->h) == CURLM_OK ? 0 : -1;
}

static int run_multi(shared *sh, char *err, size_t errsz)
{
    size_t n = sh->l->n;
    size_t ns = (size_t)sh->o->jobs;
    if (ns > n)
        ns = n;
    if (ns == 0)
        return PK_FETCH_OK;
    int rc = PK_FETCH_OK;
    mloop ml = { curl_multi_init(), epoll_create1(EPOLL_CLOEXEC), -1.0, 0 };
    xfer *xs = calloc(ns, sizeof *xs);
    size_t *freel = calloc(ns, sizeof *freel);
    size_t made = 0, nfree = 0;
    if (!ml.m || ml.ep < 0 || !xs || !freel) {
        snprintf(err, errsz, "cannot set up the event loop: %s", strerror(errno));
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    if (curl_multi_setopt(ml.m, CURLMOPT_MAXCONNECTS, (long)ns) != CURLM_OK ||
        curl_multi_setopt(ml.m, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
        curl_multi_setopt(ml.m, CURLMOPT_SOCKETDATA, &ml) != CURLM_OK ||
        curl_multi_setopt(ml.m, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK ||
        curl_multi_setopt(ml.m, CURLMOPT_TIMERDATA, &ml) != CURLM_OK) {
        snprintf(err, errsz, "libcurl rejected the multi options");
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    if (handles_new(xs, ns, sh, &made, err, errsz) != 0) {
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    for (size_t i = 0; i < ns; i++)
        freel[nfree++] = i;
    size_t next = 0, finished = 0;
    int running = 0, drained = 0, st = 0;
    struct epoll_event evs[256];
    while (finished < n) {
        double now = mono_now();
        /* Retries that are due, then new items into free slots: at most PK_FETCH_RAMP
         * per turn of the loop. */
        for (size_t s = 0; s < ns; s++) {
            xfer *x = &xs[s];
            if (!x->waiting || x->due > now)
                continue;
            x->waiting = 0;
            if ((st = multi_start(&ml, x)) < 0)
                break;
            if (st > 0) {
                finished++;
                freel[nfree++] = s;
            }
        }
        size_t added = 0;
        while (st >= 0 && nfree > 0 && next < n && added++ < PK_FETCH_RAMP) {
            size_t s = freel[--nfree];
            xfer *x = &xs[s];
            x->idx = next++;
            if ((st = multi_start(&ml, x)) > 0) {
                finished++;
                freel[nfree++] = s;
            }
        }
        if (st < 0) {
            snprintf(err, errsz, "curl_multi_add_handle failed");
            rc = PK_FETCH_EFAIL;
            goto out;
        }
        if (finished >= n)
            break;
        /* Queue drained: no later transfer can reuse a connection, so keep at most one idle.
         * libcurl then closes each one as its transfer ends, while others are still in
         * flight, rather than all of them together at cleanup after the last. */
        if (next >= n && !drained) {
            drained = 1;
            curl_multi_setopt(ml.m, CURLMOPT_MAXCONNECTS, 1L);
        }
        /* Wait for a socket, libcurl's timer or the next retry (at most one second). */
        now = mono_now();
        double wake = now + 1.0;
        if (ml.deadline >= 0 && ml.deadline < wake)
            wake = ml.deadline;
        for (size_t s = 0; s < ns; s++)
            if (xs[s].waiting && xs[s].due < wake)
                wake = xs[s].due;
        int timeout_ms = wake <= now ? 0 : (int)ceil((wake - now) * 1000.0);
        if (nfree > 0 && next < n)
            timeout_ms = 0;   /* more to start: only look at what is ready */
        int ne = epoll_wait(ml.ep, evs, (int)(sizeof evs / sizeof *evs), timeout_ms);
        if (ne < 0 && errno != EINTR) {
            snprintf(err, errsz, "epoll_wait: %s", strerror(errno));
            rc = PK_FETCH_EFAIL;
            goto out;
        }
        CURLMcode mc = CURLM_OK;
        for (int i = 0; i < ne && mc == CURLM_OK; i++) {
            int f = ((evs[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                    ((evs[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                    ((evs[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
            mc = curl_multi_socket_action(ml.m, evs[i].data.fd, f, &running);
        }
        if (mc == CURLM_OK && ml.deadline >= 0 && mono_now() >= ml.deadline) {
            ml.deadline = -1.0;
            mc = curl_multi_socket_action(ml.m, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        if (mc != CURLM_OK || ml.failed_ctl) {
            snprintf(err, errsz, "event loop: %s",
                     mc != CURLM_OK ? curl_multi_strerror(mc) : strerror(ml.failed_ctl));
            rc = PK_FETCH_EFAIL;
            goto out;
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(ml.m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            CURLcode res = msg->data.result;
            xfer *x = NULL;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
            curl_multi_remove_handle(ml.m, h);
            if (attempt_end(x, res) == END_DONE) {
                finished++;
                freel[nfree++] = (size_t)(x - xs);
            } else {
                x->waiting = 1;
                x->due = mono_now() + x->delay;
            }
        }
    }
out:
    for (size_t s = 0; s < made; s++) {
        if (ml.m)
            curl_multi_remove_handle(ml.m, xs[s].h);   /* harmless when not added */
        tmp_release(&xs[s], 0);
        handle_free(&xs[s]);
    }
    if (ml.m)
        curl_multi_cleanup(ml.m);
    if (ml.ep >= 0)
        close(ml.ep);
    free(xs);
    free(freel);
    return rc;
}

/* ---- progress ------------------------------------------------------------------------------ */

static void progress_line(shared *sh, int final)
{
    size_t done = atomic_load(&sh->done), failed = atomic_load(&sh->failed);
    double mb = (double)atomic_load(&sh->bytes) / 1e6;
    double t = mono_now() - sh->t0;
    fprintf(stderr, "\rfetch: %zu/%zu files, %.1f MB, %.1f MB/s, %zu failed   %s", done,
            sh->l->n, mb, t > 0 ? mb / t : 0.0, failed, final ? "\n" : "");
    fflush(stderr);
}

static void *progress_thread(void *arg)
{
    shared *sh = arg;
    while (!atomic_load(&sh->stop)) {
        progress_line(sh, 0);
        for (int i = 0; i < 5 && !atomic_load(&sh->stop); i++)
            sleep_s(0.05);
    }
    progress_line(sh, 1);
    return NULL;
}

/* ---- entry points ---------------------------------------------------------------------------- */

int pk_fetch_run(const pk_fetch_list *l, const char *dir, const pk_fetch_opts *o,
                 pk_fetch_result *res, pk_fetch_stats *st, char *err, size_t errsz)
{
    memset(st, 0, sizeof *st);
    if (o->jobs < 1) {
        snprintf(err, errsz, "jobs must be at least 1");
        return PK_FETCH_EINPUT;
    }
    shared *sh = calloc(1, sizeof *sh);
    if (!sh) {
        snprintf(err, errsz, "out of memory");
        return PK_FETCH_EFAIL;
    }
    sh->l = l;
    sh->o = o;
    sh->res = res;
    sh->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sh->dirfd < 0) {
        char shown[120];
        snprintf(err, errsz, "%s: cannot open directory: %s", pk_fetch_show(dir, shown, sizeof shown),
                 strerror(errno));
        free(sh);
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
    sh->t0 = mono_now();
    if (o->deadline_ms > 0)
        sh->deadline = sh->t0 + (double)o->deadline_ms / 1000.0;
    /* This run's part of its temporary names: the process and 32 random bits. */
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
        rnd = (uint32_t)(sh->t0 * 1e9) ^ (uint32_t)getpid() * 2654435761u;
    snprintf(sh->tag, sizeof sh->tag, "p%lx-%08lx", (unsigned long)getpid() & 0xffffffffUL,
             (unsigned long)rnd);
    scan_dir(sh, 2 * l->n + 1024);
    pthread_t pt;
    int have_pt = o->progress && pthread_create(&pt, NULL, progress_thread, sh) == 0;
    int rc;
    switch (o->mode) {
    case PK_FETCH_SEQ: rc = run_seq(sh, err, errsz); break;
    case PK_FETCH_POOL: rc = run_pool(sh, err, errsz); break;
    default: rc = run_multi(sh, err, errsz); break;
    }
    double t1 = mono_now();
    if (have_pt) {
        atomic_store(&sh->stop, 1);
        pthread_join(pt, NULL);
    }
    close(sh->dirfd);
    free_names(sh->names, sh->nnames);
    free_names(sh->tmps, sh->ntmps);
    if (rc != PK_FETCH_OK) {   /* a runtime failure: no statistics */
        free(sh);
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
    st->wall_s = t1 - sh->t0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        st->peak_rss_kib = ru.ru_maxrss;
    free(sh);
    return st->failed ? PK_FETCH_EFAIL : PK_FETCH_OK;
}
