/* Error messages: one line, "parkit: ...", printed once per job. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "mpi_env.h"

int pk_is_root(void)
{
    /* A command that does not initialise MPI (fetch) still runs once per rank under
     * mpirun: the launcher's rank decides who prints. */
    return pk_mpi_active() ? pk_mpi_rank() == 0 : pk_launch_rank() <= 0;
}

static void vmsg(const char *fmt, va_list ap)
{
    fputs("parkit: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
}

int pk_usage_error(const char *fmt, ...)
{
    if (pk_is_root()) {
        va_list ap;
        va_start(ap, fmt);
        vmsg(fmt, ap);
        va_end(ap);
    }
    return PK_EXIT_USAGE;
}

int pk_runtime_error(const char *fmt, ...)
{
    if (pk_is_root()) {
        va_list ap;
        va_start(ap, fmt);
        vmsg(fmt, ap);
        va_end(ap);
    }
    return PK_EXIT_FAIL;
}
