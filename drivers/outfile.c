/* Files written for the user: whole or not at all (see outfile.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "outfile.h"

#define TMP_PREFIX ".parkit-tmp."

/* ---- following the name to the real target -------------------------------------- */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* The file `path` leads to after every symlink (up to 40, like the kernel); the name itself
 * when it does not exist yet.  NULL with errno. */
static char *resolve(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p; hops++) {
        struct stat sb;
        if (lstat(p, &sb) != 0 || !S_ISLNK(sb.st_mode))
            return p;   /* a new name, or the real file */
        if (hops == 40) {
            free(p);
            errno = ELOOP;
            return NULL;
        }
        char link[PATH_MAX];
        ssize_t n = readlink(p, link, sizeof link - 1);
        if (n < 0) {
            free(p);
            return NULL;
        }
        link[n] = 0;
        /* /dev/stdout -> /proc/self/fd/1 -> "pipe:[1234]": the kernel's link to a pipe or a
         * socket names no path; stat() and open() of the link itself reach the pipe */
        if (link[0] != '/' && strstr(link, ":["))
            return p;
        char *next;
        if (link[0] == '/') {
            next = strdup(link);
        } else {   /* relative to the folder holding the link */
            char *d = dir_of(p);
            next = d && asprintf(&next, "%s/%s", d, link) >= 0 ? next : NULL;
            free(d);
        }
        free(p);
        p = next;
    }
    errno = ENOMEM;
    return NULL;
}

/* ---- temporaries: locked while in use, removed on signals and by later runs ------- */

static char signal_tmp[PATH_MAX];   /* the temporary to remove if a signal ends the run */

static void on_signal(int sig)
{
    if (signal_tmp[0])
        unlink(signal_tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_signals(const char *tmp)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    snprintf(signal_tmp, sizeof signal_tmp, "%s", tmp ? tmp : "");
    for (size_t i = 0; tmp && i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            sigaction(sigs[i], &sa, NULL);   /* a signal the user ignores stays ignored */
    }
}

/* Remove the temporaries of runs that died (kill -9, a power cut) in dir: a live run holds
 * an exclusive lock on its own, so a temporary whose lock can be taken is abandoned. */
static void sweep_dead(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, TMP_PREFIX, sizeof TMP_PREFIX - 1) != 0)
            continue;
        int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat a, b;
        if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
            fstatat(dfd, e->d_name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
            unlinkat(dfd, e->d_name, 0);
        close(fd);
    }
    closedir(d);
}

/* ---- --output ----------------------------------------------------------------------- */

int pk_outfile_open(pk_outfile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->target = resolve(path);
    if (!f->target)
        return -1;
    struct stat sb;
    int exists = stat(f->target, &sb) == 0;
    if (!exists && errno != ENOENT)
        goto fail;
    if (exists && S_ISDIR(sb.st_mode)) {
        errno = EISDIR;
        goto fail;
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        /* a device or a FIFO: write through.  O_NONBLOCK so a FIFO nobody reads is an error
         * (ENXIO), not a hang; then back to blocking writes. */
        f->fd = open(f->target, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (f->fd < 0)
            goto fail;
        int fl = fcntl(f->fd, F_GETFL);
        if (fl < 0 || fcntl(f->fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
            goto fail;
        return 0;
    }
    char *dir = dir_of(f->target);
    if (!dir)
        goto fail;
    sweep_dead(dir);
    if (asprintf(&f->tmp, "%s/" TMP_PREFIX "XXXXXX", dir) < 0)
        f->tmp = NULL;
    free(dir);
    if (!f->tmp)
        goto fail;
    f->fd = mkostemp(f->tmp, O_CLOEXEC);
    if (f->fd < 0) {
        free(f->tmp);
        f->tmp = NULL;
        goto fail;
    }
    flock(f->fd, LOCK_EX);   /* ours until commit: sweep_dead leaves it alone */
    /* the file keeps the old one's permissions, or gets the usual 0666 less the umask */
    mode_t mode;
    if (exists) {
        mode = sb.st_mode & 07777;
    } else {
        mode_t um = umask(0);
        umask(um);
        mode = 0666 & ~um;
    }
    if (fchmod(f->fd, mode) != 0)
        goto fail;
    if (exists && (sb.st_uid != geteuid() || sb.st_gid != getegid()))
        (void)!fchown(f->fd, sb.st_uid, sb.st_gid);   /* keep the owner where allowed (root) */
    guard_signals(f->tmp);
    return 0;
fail:;
    int e = errno;
    pk_outfile_abort(f);
    errno = e;
    return -1;
}

int pk_outfile_write(pk_outfile *f, const void *data, size_t len)
{
    /* a FIFO whose reader went away: EPIPE, reported, rather than a silent death by SIGPIPE
     * (blocked for this write only: stdout keeps the usual behaviour of `| head`) */
    sigset_t pipe, old;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    const char *p = data;
    int rc = 0;
    while (len) {
        ssize_t w = write(f->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            rc = -1;
            break;
        }
        p += w;
        len -= (size_t)w;
    }
    int e = errno;
    if (rc != 0 && e == EPIPE && !sigismember(&old, SIGPIPE)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe, NULL, &zero);   /* consume the pending SIGPIPE */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return rc;
}

int pk_outfile_seekable(const pk_outfile *f)
{
    return f->fd >= 0 && f->tmp != NULL;
}

int pk_outfile_reserve(pk_outfile *f, uint64_t size)
{
    if (!pk_outfile_seekable(f) || size == 0)
        return 0;
    /* the blocks up front: a disk too small fails now, not after the work; no zeros are
     * written where the file system cannot reserve (fallocate, not posix_fallocate) */
    if (fallocate(f->fd, 0, 0, (off_t)size) == 0)
        return 0;
    return errno == EOPNOTSUPP || errno == ENOSYS || errno == EINTR ? 0 : -1;
}

int pk_outfile_pwrite(pk_outfile *f, const void *data, size_t len, uint64_t off)
{
    const char *p = data;
    uint64_t at = off;
    size_t left = len;
    while (left) {
        ssize_t w = pwrite(f->fd, p, left, (off_t)at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return -1;
        }
        p += w;
        at += (uint64_t)w;
        left -= (size_t)w;
    }
#ifdef SYNC_FILE_RANGE_WRITE
    /* start the write-back of this piece now, while the rest is converted: the fsync at
     * commit then waits for little (errors still surface there) */
    (void)sync_file_range(f->fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
#endif
    return 0;
}

int pk_outfile_commit(pk_outfile *f)
{
    int ok;
    if (!f->tmp) {   /* a device: nothing to rename */
        ok = close(f->fd) == 0;
        f->fd = -1;
    } else {
        ok = fsync(f->fd) == 0;
        int e = errno;
        ok = ok && rename(f->tmp, f->target) == 0;
        if (ok) {
            free(f->tmp);
            f->tmp = NULL;
        } else {
            errno = e ? e : errno;
        }
    }
    int e = errno;
    pk_outfile_abort(f);
    errno = e;
    return ok ? 0 : -1;
}

void pk_outfile_abort(pk_outfile *f)
{
    if (f->tmp)
        unlink(f->tmp);
    if (f->fd >= 0)
        close(f->fd);
    guard_signals(NULL);
    free(f->tmp);
    free(f->target);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

/* ---- --results ---------------------------------------------------------------------- */

/* Open for appending; a FIFO nobody reads is an error, not a hang. */
static int open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0)
        return -1;
    struct stat sb;
    int fl = fcntl(fd, F_GETFL);
    if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode) || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = S_ISDIR(sb.st_mode) ? EISDIR : errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Up to n bytes of the file at path from offset off, read through a descriptor of its own
 * (the append descriptor is write-only): the bytes read (0 when the read fails), or -1 when
 * the file cannot be opened for reading (a write-only file: nothing can be looked at). */
static ssize_t read_at(const char *path, void *buf, size_t n, off_t off)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    ssize_t got = pread(fd, buf, n, off);
    close(fd);
    return got < 0 ? 0 : got;
}

/* 1 when the regular file at path (size bytes) is empty or starts with exactly `header`. */
static int header_matches(const char *path, off_t size, const char *header)
{
    if (size == 0 || !header)
        return 1;
    size_t n = strlen(header);
    char *buf = malloc(n + 1);
    if (!buf)
        return 1;   /* cannot look: append as before */
    ssize_t got = read_at(path, buf, n, 0);
    int same = got < 0 || (got == (ssize_t)n && memcmp(buf, header, n) == 0);   /* -1: cannot look */
    free(buf);
    return same;
}

/* 1 when the regular file at path (size bytes) ends in the middle of a line (a row cut short
 * or edited by hand): the next row starts a line of its own. */
static int ends_mid_line(const char *path, off_t size)
{
    char last = '\n';
    return size > 0 && read_at(path, &last, 1, size - 1) == 1 && last != '\n';
}

/* Open for appending and check the header; -1 (errno) or PK_APPEND_OTHER_LAYOUT. */
static int open_checked(const char *path, const char *header, struct stat *sb)
{
    int fd = open_append(path);
    if (fd < 0)
        return -1;
    if (fstat(fd, sb) == 0 && S_ISREG(sb->st_mode) && !header_matches(path, sb->st_size, header)) {
        close(fd);
        return PK_APPEND_OTHER_LAYOUT;
    }
    return fd;
}

int pk_append_check(const char *path, const char *header)
{
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        /* a new file: the first row creates it, so that a run that stops before (a bad
         * argument found later) leaves no empty file behind; here its directory is checked */
        char *dir = dir_of(path);
        if (!dir)
            return -1;
        int rc = access(dir, W_OK | X_OK), e = errno;
        free(dir);
        errno = e;
        return rc;
    }
    int fd = open_checked(path, header, &sb);
    return fd < 0 ? fd : close(fd);
}

int pk_append_locked(const char *path, const char *header, const char *line)
{
    int fd = open_append(path);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    struct stat sb;
    int rc = fstat(fd, &sb);
    if (rc == 0 && S_ISREG(sb.st_mode) && !header_matches(path, sb.st_size, header)) {
        close(fd);   /* rows of another layout: appending would misalign them */
        return PK_APPEND_OTHER_LAYOUT;
    }
    char *all = NULL;
    const int nl = rc == 0 && S_ISREG(sb.st_mode) && ends_mid_line(path, sb.st_size);
    int n = rc == 0 ? asprintf(&all, "%s%s%s", nl ? "\n" : "", sb.st_size == 0 && header ? header : "", line) : -1;
    if (n < 0) {
        rc = -1;
    } else {
        /* the whole unit, or nothing: whatever part of it landed is cut away on failure */
        size_t off = 0;
        int e = 0;
        while (off < (size_t)n) {
            ssize_t w = write(fd, all + off, (size_t)n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                e = w < 0 ? errno : ENOSPC;
                break;
            }
            off += (size_t)w;
        }
        if (off < (size_t)n) {
            struct stat now;
            if (S_ISREG(sb.st_mode) && fstat(fd, &now) == 0 && now.st_size > sb.st_size)
                (void)!ftruncate(fd, sb.st_size);
            errno = e;
            rc = -1;
        }
    }
    free(all);
    int e = errno;
    flock(fd, LOCK_UN);
    if (close(fd) != 0 && rc == 0) {
        e = errno;
        rc = -1;
    }
    errno = e;
    return rc;
}

const char *pk_outfile_strerror(int e)
{
    return e == ENXIO ? "nobody is reading it (a FIFO or socket with no reader)" : strerror(e);
}
