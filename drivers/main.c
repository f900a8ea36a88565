/* parkit: the program.  Its table of commands; the command line itself is the library's
 * (cli_main.c), shared with programs built on libparkit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gmp.h>
#include <omp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cli.h"
#include "mpi_env.h"
#include "command.h"
#include "provenance.h"
#include "report.h"

extern const pk_command pk_cmd_count, pk_cmd_sum, pk_cmd_primes, pk_cmd_isprime,
    pk_cmd_primorial, pk_cmd_where, pk_cmd_run;

#ifdef PK_FETCH_PROGRAM
/* parkit-fetch: this same main() with the download command linked in (libcurl) */
extern const pk_command pk_cmd_fetch;
#else
/* parkit: fetch is a name in the list; running it hands over to parkit-fetch (run_fetch) */
static int run_fetch(char **argv);
static const pk_command pk_cmd_fetch = {
    .name = "fetch", .summary = PK_FETCH_SUMMARY, .no_common = 1, .handoff = run_fetch};
#endif

static const pk_command *const commands[] = {
    &pk_cmd_count, &pk_cmd_sum, &pk_cmd_primes, &pk_cmd_isprime, &pk_cmd_primorial,
    &pk_cmd_where, &pk_cmd_run, &pk_cmd_fetch, NULL,
};

#ifndef PK_FETCH_PROGRAM
/* `parkit fetch ...` runs parkit-fetch with the same arguments: the download stack (libcurl
 * and its TLS, Kerberos, LDAP and IDN libraries, 35 shared objects on Debian) is loaded by
 * downloads only, and every kernel starts without it.  parkit-fetch is looked for beside this
 * program (the build tree), then in the install's libexec directory relative to it. */
static int run_fetch(char **argv)
{
#ifdef PK_HAVE_FETCH
    char self[4096], path[4096 + 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || (size_t)n >= sizeof self - 1)
        return pk_runtime_error("fetch: cannot find this program's own path (/proc/self/exe: %s)", strerror(errno));
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    const char *where[] = {"", "/" PK_BIN_TO_LIBEXEC};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        snprintf(path, sizeof path, "%s%s/parkit-fetch", self, where[i]);
        if (access(path, X_OK) == 0) {
            execv(path, argv);
            return pk_runtime_error("fetch: cannot run %s: %s", pk_shown(path), strerror(errno));
        }
    }
    return pk_runtime_error("fetch: its program parkit-fetch is missing (looked in %s and %s/%s): the "
                    "install is incomplete", self, self, PK_BIN_TO_LIBEXEC);
#else
    (void)argv;
    return pk_usage_error("fetch was not built: libcurl >= 7.85 was not found when parkit was "
                          "configured (Debian: libcurl4-openssl-dev; Spack: curl)");
#endif
}
#endif

/* Before every shared library's constructor: OMP_NUM_THREADS checked and the runtime's
 * warnings caught (pk_cli_preinit).  .preinit_array exists in programs only. */
__attribute__((section(".preinit_array"), used)) static void (*const pk_preinit_fn)(int, char **, char **) =
    pk_cli_preinit;

int main(int argc, char **argv)
{
    return pk_cli_main(commands, argc, argv);
}
