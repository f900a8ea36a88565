/* The output directory: preparing it, one scan of its names per run, this run's temporary
 * files and their locks, claiming what dead runs left, and the records (extended
 * attributes) by which a finished file is recognised.  See outdir.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "outdir.h"

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

/* ---- the scan at the start of a run ------------------------------------------------- */

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
 * without a lookup per item.  Names: given up (run->scanned = 0: every name is looked up on
 * its own) beyond `limit` entries or on any error; temporary files: always all of them. */
/* A list the scan finished (ok): sorted for bsearch and marked complete; else dropped. */
static void settle_names(char ***v, size_t *n, int ok, int *complete)
{
    if (ok) {
        if (*n > 1)
            qsort(*v, *n, sizeof **v, cmp_name);
        *complete = 1;
    } else {
        free_names(*v, *n);
        *v = NULL;
        *n = 0;
    }
}

void pk_outdir_scan(pk_fetch_run_state *run, size_t limit)
{
    int fd = openat(run->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
        if (ok && (run->nnames == limit ||
                   push_name(&run->names, &run->nnames, &cap, e->d_name) != 0))
            ok = 0;
        if (tok && is_tmp_name(e->d_name) &&
            push_name(&run->tmps, &run->ntmps, &tcap, e->d_name) != 0)
            tok = 0;
        errno = 0;
    }
    if (errno)
        ok = tok = 0;
    closedir(d);
    settle_names(&run->names, &run->nnames, ok, &run->scanned);
    settle_names(&run->tmps, &run->ntmps, tok, &run->tmps_ok);
}

void pk_outdir_scan_free(pk_fetch_run_state *run)
{
    free_names(run->names, run->nnames);
    free_names(run->tmps, run->ntmps);
}

/* lstat of DIR/name: 0, or an errno value (ENOENT without a system call when the scan at
 * the start of the run did not see it and `fresh` says nothing of ours could have made it). */
int pk_outdir_stat(const pk_fetch_run_state *run, const char *name, int fresh, struct stat *st)
{
    if (fresh && run->scanned &&
        (run->nnames == 0 ||
         !bsearch(&name, run->names, run->nnames, sizeof *run->names, cmp_name)))
        return ENOENT;
    return fstatat(run->dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

/* ---- what a finished file records ---------------------------------------------------- */

/* The size recorded in fd's PK_FETCH_XATTR_SIZE, or -1. */
int64_t pk_outdir_recorded_size(int fd)
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

/* Is the existing DIR/name a finished file to keep?  A file this module completed carries
 * its size (PK_FETCH_XATTR_SIZE); one that no longer has that size (cut short or written to
 * since) is not trusted.  A file without the record (made by something else) is kept. */
int pk_outdir_finished_ok(const pk_fetch_run_state *run, const char *name, const struct stat *st)
{
    int fd = openat(run->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 1;
    int64_t rec = pk_outdir_recorded_size(fd);
    close(fd);
    return rec < 0 || rec == (int64_t)st->st_size;
}

/* ---- this run's temporary files: one per item, locked while the run lives ------------- */

/* This run's part of its temporary names: the process and 32 random bits. */
void pk_outdir_tag(pk_fetch_run_state *run)
{
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
        rnd = (uint32_t)(run->t0 * 1e9) ^ (uint32_t)getpid() * 2654435761u;
    snprintf(run->tag, sizeof run->tag, "p%lx-%08lx", (unsigned long)getpid() & 0xffffffffUL,
             (unsigned long)rnd);
}

/* This run's temporary name for the item: ".NAME.TAG.pkpart". */
void pk_outdir_own_tmp(pk_transfer *x)
{
    snprintf(x->tmp, sizeof x->tmp, ".%s.%s%s", x->run->l->v[x->idx].name, x->run->tag,
             PK_FETCH_TMP_SUFFIX);
}

/* Is tmp a temporary file of the item named `name`: ".NAME.TAG.pkpart" with a TAG as runs
 * make them ("p" PID "-" 8 hex digits, see pk_outdir_tag), or the older ".NAME.pkpart"?  (The
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
void pk_outdir_tmp_release(pk_transfer *x, int drop)
{
    if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
    }
    if (x->lockfd >= 0) {
        if (drop)
            unlinkat(x->run->dirfd, x->tmp, 0);
        close(x->lockfd);
        x->lockfd = -1;
    }
}


/* The temporary files that dead runs left for this item (same NAME, not locked):
 * with `keep`, the largest becomes this run's (locked, x->tmp, x->lockfd) and the others are
 * removed; without, all are removed.  A locked one belongs to a run still going: left alone.
 * 0, or -1 with *why (a symbolic link or something else than a file at such a name). */
int pk_outdir_claim_partial(pk_transfer *x, int keep, const char **why)
{
    pk_fetch_run_state *run = x->run;
    const pk_fetch_item *it = &run->l->v[x->idx];
    char legacy[PK_FETCH_NAME_MAX + 16];
    snprintf(legacy, sizeof legacy, ".%s%s", it->name, PK_FETCH_TMP_SUFFIX);
    /* Candidates: from the scan, the names starting with ".NAME." (sorted: one range);
     * without a scan, the older name only. */
    const char *one[1] = { legacy };
    const char *const *cand = one;
    size_t lo = 0, hi = 1;
    if (run->tmps_ok) {
        char prefix[PK_FETCH_NAME_MAX + 4];
        snprintf(prefix, sizeof prefix, ".%s.", it->name);
        size_t pl = strlen(prefix), a = 0, b = run->ntmps;
        while (a < b) {
            size_t m = a + (b - a) / 2;
            if (strcmp(run->tmps[m], prefix) < 0)
                a = m + 1;
            else
                b = m;
        }
        cand = (const char *const *)run->tmps;
        lo = hi = a;
        while (hi < run->ntmps && strncmp(run->tmps[hi], prefix, pl) == 0)
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
        int fd = openat(run->dirfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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
            unlinkat(run->dirfd, name, 0);
            continue;
        }
        /* Locked: a run still downloading it.  Unlocked: its run died (or ended with the
         * file left for a resume).  Once locked, check the name is still that file (the
         * owner might have renamed it just before it let go). */
        if (flock(fd, LOCK_EX | LOCK_NB) != 0 ||
            fstatat(run->dirfd, name, &again, AT_SYMLINK_NOFOLLOW) != 0 ||
            again.st_ino != st.st_ino || again.st_dev != st.st_dev) {
            close(fd);
            continue;
        }
        if (keep && st.st_size > best_size) {
            if (best >= 0) {
                unlinkat(run->dirfd, x->tmp, 0);
                close(best);
            }
            best = fd;
            best_size = st.st_size;
            snprintf(x->tmp, sizeof x->tmp, "%s", name);
        } else {
            unlinkat(run->dirfd, name, 0);
            close(fd);
        }
    }
    if (best >= 0)
        x->lockfd = best;
    return 0;
}
