/* Error messages: one line, "parkit: ...", printed once per job. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "mpi_env.h"

int pk_is_root(void)
{
    /* A command that does not initialise MPI (fetch) still runs once per rank under
     * mpirun: the launcher's rank decides who prints. */
    return pk_mpi_active() ? pk_mpi_rank() == 0 : pk_launch_rank() <= 0;
}

void pk_msg_fit(char *dst, size_t cap, const char *src)
{
    size_t len = strlen(src);
    if (cap < 64 || len < cap) {
        snprintf(dst, cap, "%s", src);
        return;
    }
    /* keep the head (what was wrong) and the tail (why), drop the middle of the echoed value */
    static const char gap[] = " [...] ";
    size_t keep = cap - sizeof gap, head = keep * 2 / 5, tail = keep - head;
    memcpy(dst, src, head);
    memcpy(dst + head, gap, sizeof gap - 1);
    memcpy(dst + head + sizeof gap - 1, src + len - tail, tail);
    dst[head + sizeof gap - 1 + tail] = 0;
}

void pk_print_error(const char *msg)
{
    char line[PK_MSG_MAX];
    pk_msg_fit(line, sizeof line, msg);
    for (char *p = line; *p; p++)   /* one line, whatever the echoed value held */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "parkit: %s\n", line);
    fflush(stderr);
}

/* While deferring (under MPI, before the ranks have agreed), errors are kept, not printed:
 * the agreement prints the lowest failing rank's message once.  Kept in a static buffer and
 * formatted without the heap when the heap is what ran out: an error met because memory ran
 * out must not lose its message (the job would end with an exit code and no word). */
static int deferring, have_deferred;
static char deferred[PK_MSG_MAX];

void pk_msg_defer(void)
{
    deferring = 1;
}

const char *pk_msg_end_defer(void)
{
    deferring = 0;
    if (!have_deferred)
        return NULL;
    have_deferred = 0;
    return deferred;
}

static void vmsg(const char *fmt, va_list ap)
{
    char *full = NULL, small[PK_MSG_MAX];
    va_list again;
    va_copy(again, ap);
    if (vasprintf(&full, fmt, ap) < 0) {
        full = NULL;   /* out of memory: the message's end may be cut, never the message */
        vsnprintf(small, sizeof small, fmt, again);
    }
    va_end(again);
    const char *text = full ? full : small;
    if (deferring) {
        if (!have_deferred) {   /* the first error is the one that counts */
            pk_msg_fit(deferred, sizeof deferred, text);
            have_deferred = 1;
        }
    } else if (pk_is_root()) {
        pk_print_error(text);
    }
    free(full);
}

int pk_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    return PK_EXIT_USAGE;
}

int pk_runtime_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    return PK_EXIT_FAIL;
}

const char *pk_shown(const char *value)
{
    static _Thread_local char buf[PK_SHOWN_MAX];
    pk_msg_fit(buf, sizeof buf, value ? value : "");
    return buf;
}

static int stdout_errno;

void pk_stdout_failed(int err)
{
    if (!stdout_errno)
        stdout_errno = err;
}

int pk_stdout_errno(void)
{
    return stdout_errno;
}

void pk_flush_stdout(void)
{
    if (fflush(stdout) != 0)
        pk_stdout_failed(errno);
}
