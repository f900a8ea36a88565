/* Test-only LD_PRELOAD library: makes a file shrink while parkit reads it.  The first positional
 * read (pread / preadv, as POSIX code and Open MPI's MPI-IO use) of the file named by
 * PK_TEST_SHRINK_PATH truncates that file to PK_TEST_SHRINK_TO bytes before reading -- what
 * another process truncating the file in the middle of the read would do, but deterministic.
 * Never linked into parkit; built only with the tests. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static int done;

static void maybe_shrink(int fd)
{
    const char *want = getenv("PK_TEST_SHRINK_PATH"), *to = getenv("PK_TEST_SHRINK_TO");
    if (done || !want || !to)
        return;
    char link[64], path[PATH_MAX], real[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return;
    path[n] = 0;
    if (!realpath(want, real) || strcmp(path, real) != 0)
        return;
    done = 1;
    if (truncate(real, (off_t)strtoll(to, NULL, 10)) != 0)
        perror("shrink_preload: truncate");
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, void *, size_t, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pread");
    maybe_shrink(fd);
    return real(fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, void *, size_t, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pread64");
    maybe_shrink(fd);
    return real(fd, buf, count, offset);
}

ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t offset)
{
    static ssize_t (*real)(int, const struct iovec *, int, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "preadv");
    maybe_shrink(fd);
    return real(fd, iov, cnt, offset);
}

ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off_t offset)
{
    static ssize_t (*real)(int, const struct iovec *, int, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "preadv64");
    maybe_shrink(fd);
    return real(fd, iov, cnt, offset);
}
