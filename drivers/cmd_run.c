/* parkit run LIB.so [N]: a user's problem (include/parkit.h) loaded from a shared object, run
 * with every run option and output format of the built-in kernels.
 *
 * What a loaded kernel can get wrong is caught and named: a missing entry point or another
 * ABI version (exit 2, before any work), a callback that returns an error (exit 1), a partial
 * written past partial_size (guard bytes after every partial, checked after each callback),
 * a grain of 0, and a crash (one line naming the kernel and the signal, then the signal's
 * default action, so that mpirun ends the job instead of leaving ranks waiting). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "command.h"
#include "mpi_env.h"
#include "problem.h"

/* ---- the checking wrapper around the loaded kernel ---- */

enum { GUARD = 16 };
static const unsigned char guard[GUARD] = {0xa5, 0x5a, 0xc3, 0x3c, 0x96, 0x69, 0xf0, 0x0f,
                                           0xa5, 0x5a, 0xc3, 0x3c, 0x96, 0x69, 0xf0, 0x0f};
static struct {
    const parkit_kernel *k;   /* the user's */
    const void *ctx;          /* the user's */
    size_t off;               /* where the guard starts: right after partial_size bytes */
    parkit_kernel wrap;
} shim;
static atomic_int fault;   /* 1: wrote past its partial, 2: grain 0 */

static void guard_set(void *p)
{
    memcpy((char *)p + shim.off, guard, GUARD);
}

static pk_status guard_check(const void *p, pk_status s)
{
    if (memcmp((const char *)p + shim.off, guard, GUARD) != 0) {
        atomic_store(&fault, 1);
        return PK_EKERNEL;
    }
    return s;
}

static uint64_t w_grain(const void *c)
{
    (void)c;
    uint64_t g = shim.k->grain(shim.ctx);
    if (g == 0) {
        atomic_store(&fault, 2);
        return 1;
    }
    return g;
}

static void w_identity(const void *c, void *p)
{
    (void)c;
    shim.k->identity(shim.ctx, p);
    guard_set(p);
}

static pk_status w_run(const void *c, uint64_t lo, uint64_t hi, void *p)
{
    (void)c;
    if (atomic_load(&fault))
        return PK_EKERNEL;
    return guard_check(p, shim.k->run(shim.ctx, lo, hi, p));
}

static pk_status w_merge(const void *c, void *acc, const void *later)
{
    (void)c;
    pk_status s = guard_check(later, shim.k->merge(shim.ctx, acc, later));
    return guard_check(acc, s);
}

static void w_release(const void *c, void *p)
{
    (void)c;
    if (shim.k->release)
        shim.k->release(shim.ctx, p);
}

static double w_cost(const void *c, uint64_t lo, uint64_t hi)
{
    (void)c;
    return shim.k->cost(shim.ctx, lo, hi);
}

static size_t w_pack_size(const void *c, const void *p)
{
    (void)c;
    return shim.k->pack_size(shim.ctx, p);
}

static void w_pack(const void *c, const void *p, void *buf)
{
    (void)c;
    shim.k->pack(shim.ctx, p, buf);
}

static pk_status w_unpack(const void *c, void *p, const void *buf, size_t len)
{
    (void)c;
    return guard_check(p, shim.k->unpack(shim.ctx, p, buf, len));
}

static const void *wrap_ctx(const void *user_ctx)
{
    shim.ctx = user_ctx;
    return &shim;
}

static void wrap_kernel(const parkit_kernel *k)
{
    shim.k = k;
    shim.off = k->partial_size;
    shim.wrap = (parkit_kernel){   /* whole partials stay 16-byte aligned */
        .name = k->name, .partial_size = (shim.off + GUARD + 15) / 16 * 16, .flags = k->flags, .grain = w_grain,
        .identity = w_identity, .run = w_run, .merge = w_merge, .release = w_release,
        .cost = k->cost ? w_cost : NULL, .pack_size = k->pack ? w_pack_size : NULL,
        .pack = k->pack ? w_pack : NULL, .unpack = k->pack ? w_unpack : NULL,
    };
}

static const char *fault_reason(void)
{
    switch (atomic_load(&fault)) {
    case 1: return "a partial was written past its partial_size bytes";
    case 2: return "grain() returned 0";
    }
    return NULL;
}

/* ---- a crash inside the loaded code ---- */

static char crash_line[256];

static void on_crash(int sig)
{
    /* async-signal-safe: one prepared line, then the default action (the launcher sees it) */
    char line[320];
    size_t n = strlen(crash_line);
    memcpy(line, crash_line, n);
    const char *name = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGFPE ? "SIGFPE"
                     : sig == SIGILL ? "SIGILL" : "SIGABRT";
    size_t m = strlen(name);
    memcpy(line + n, name, m);
    line[n + m] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n + m + 1);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_crashes(const char *kernel)
{
    if (pk_mpi_active() && pk_mpi_size() > 1)
        snprintf(crash_line, sizeof crash_line, "parkit: run: the loaded kernel %s crashed on rank %d: ",
                 pk_shown(kernel), pk_mpi_rank());
    else
        snprintf(crash_line, sizeof crash_line, "parkit: run: the loaded kernel %s crashed: ", pk_shown(kernel));
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], on_crash);
}

/* ---- the command ---- */

static int run_run(const pk_cli *cli, void *opts, int argc, char **argv)
{
    (void)opts;
    if (argc < 1)
        return pk_usage_error("run: missing the shared object (parkit run ./libmykernel.so [N])");
    char path[4096];
    /* a bare name is a file here, not a library for the loader to search for */
    snprintf(path, sizeof path, "%s%s", strchr(argv[0], '/') ? "" : "./", argv[0]);
    const char *bad = NULL;
    char why[PK_MSG_MAX] = "";
    void *so = NULL;
    const parkit_problem *p = NULL;
    struct stat sb;
    if (access(path, R_OK) != 0) {
        snprintf(why, sizeof why, "cannot read it: %s", strerror(errno));
    } else if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(why, sizeof why, "not a regular file");
    } else if (!(so = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
        snprintf(why, sizeof why, "cannot load it: %s", dlerror());
    } else {
        const parkit_problem *(*entry)(void);
        *(void **)&entry = dlsym(so, "parkit_problem_v1");
        if (!entry)
            snprintf(why, sizeof why, "it exports no parkit_problem_v1 (define it with "
                                      "PARKIT_EXPORT_PROBLEM from parkit.h)");
        else if ((bad = pk_problem_check(p = entry())) != NULL)
            snprintf(why, sizeof why, "%s", bad);
    }
    /* every rank loads its own copy (a node may lack the file): one message, every rank exits */
    int rc = pk_agree(why[0] ? PK_EXIT_USAGE : PK_EXIT_OK, "run: %s: %s", pk_shown(argv[0]), why);
    if (rc) {
        if (so)
            dlclose(so);
        return rc;
    }
    wrap_kernel(p->kernel);
    catch_crashes(p->name);
    pk_set_fault_reason(fault_reason);
    rc = pk_run_problem(cli, p, &shim.wrap, wrap_ctx, "run", argc - 1, argv + 1);
    /* the loaded code stays mapped: its strings may be in the report until exit */
    return rc;
}

const pk_command pk_cmd_run = {
    .name = "run",
    .args = "LIB.so [N]",
    .summary = "your own kernel from a shared object (see parkit.h: PARKIT_EXPORT_PROBLEM)",
    .run = run_run,
};
