/* libparkit's public entry points (include/parkit.h): a user's problem through the command
 * skeleton (parkit_main, and `parkit run` in cmd_run.c), and a kernel through the backends
 * alone (parkit_run). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "command.h"
#include "mpi_env.h"
#include "parkit.h"
#include "problem.h"

const char *pk_problem_check(const parkit_problem *p)
{
    if (!p)
        return "it returned no problem (NULL)";
    if (p->abi != PARKIT_ABI_VERSION)
        return p->abi > PARKIT_ABI_VERSION ? "it was built for a newer parkit (ABI version above this one's)"
                                           : "it was built for an older parkit (ABI version below this one's)";
    if (!p->name || !*p->name || strlen(p->name) > 64)
        return "its name is empty or longer than 64 characters";
    for (const char *c = p->name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
            return "its name has a character other than letters, digits, '_' and '-'";
    if (!p->kernel)
        return "it has no kernel";
    const char *bad = pk_kernel_check(p->kernel);
    if (bad)
        return bad;
    if (!p->setup || !p->describe || !p->verify)
        return "it lacks setup, describe or verify";
    return NULL;
}

const char *pk_kernel_check(const parkit_kernel *k)
{
    if (!k->grain || !k->identity || !k->run || !k->merge)
        return "its kernel lacks grain, identity, run or merge";
    if (k->partial_size == 0 || k->partial_size > ((size_t)1 << 20))
        return "its kernel's partial_size is 0 or above 1 MiB (a partial that grows owns its memory)";
    if ((k->pack || k->unpack || k->pack_size) && !(k->pack && k->unpack && k->pack_size))
        return "its kernel has some but not all of pack_size, pack and unpack";
    if ((k->flags & PARKIT_KERNEL_ORDERED) && k->pack)
        return "its kernel is ORDERED and has pack/unpack: ORDERED partials must be plain bytes";
    return NULL;
}

/* ---- a problem as the phases of the kernel command skeleton ---- */

typedef struct {
    const parkit_problem *p;
    const parkit_kernel *kernel;   /* p->kernel, or parkit run's checking wrapper */
    const void *(*wrap_ctx)(const void *user_ctx);   /* the wrapper's context for a user ctx */
    void *user;                    /* the problem's own state */
    uint64_t n;
    int workers;
} problem_state;

static pk_status problem_setup(void *vs, pk_kernel_job *job, const char **why)
{
    problem_state *st = vs;
    const void *ctx = NULL;
    uint64_t lo = 0, hi = 0;
    pk_status s = st->p->setup(st->user, st->n, &ctx, &lo, &hi, why);
    if (s != PK_OK)
        return s;
    if (hi < lo) {
        *why = "setup gave an index range that ends before it starts";
        return PK_EKERNEL;
    }
    *job = (pk_kernel_job){.kernel = st->kernel, .ctx = st->wrap_ctx ? st->wrap_ctx(ctx) : ctx,
                           .lo = lo, .hi = hi, .n = st->n};
    return PK_OK;
}

static void problem_describe(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    problem_state *st = vs;
    char buf[1024] = "";
    st->p->describe(st->user, result, buf, sizeof buf);
    buf[sizeof buf - 1] = 0;
    pk_record_set_result(r, "%s", buf);
    double len = (double)(job->hi - job->lo);
    r->rate = r->seconds_median > 0 ? len / r->seconds_median : 0;
    r->rate_unit = "indices/s";
    pk_record_extra_u64(r, "workers", (uint64_t)st->workers);
}

static int problem_verify(void *vs, const pk_kernel_job *job, const void *result, pk_record *r)
{
    (void)job;
    problem_state *st = vs;
    const char *ref = NULL;
    int ok = st->p->verify(st->user, result, &ref) == 1;
    pk_record_extra_str(r, "reference", ref && *ref ? ref : "(the problem named none)");
    return ok;
}

static void problem_teardown(void *vs)
{
    problem_state *st = vs;
    if (st->p->teardown)
        st->p->teardown(st->user);
}

int pk_run_problem(const pk_cli *cli, const parkit_problem *p, const parkit_kernel *kernel,
                   const void *(*wrap_ctx)(const void *), const char *cmd, int argc, char **argv)
{
    problem_state st = {.p = p, .kernel = kernel ? kernel : p->kernel, .wrap_ctx = wrap_ctx,
                        .workers = cli->exec.threads * cli->exec.nranks};
    if (argc > 1)
        return pk_usage_error("%s: expected at most one N, got %d arguments", cmd, argc);
    if (argc == 1) {
        int rc = pk_arg_u64(cmd, "N", argv[0], &st.n);
        if (rc)
            return rc;
    } else if (p->default_n) {
        st.n = p->default_n;
    } else {
        return pk_usage_error("%s: missing N (%s)", cmd, p->n_help ? p->n_help : "the problem size");
    }
    if (p->state_size && !(st.user = calloc(1, p->state_size)))
        return pk_runtime_error("%s: out of memory for the problem's state", cmd);
    pk_kernel_phases ph = {.name = p->name, .setup = problem_setup, .describe = problem_describe,
                           .verify = problem_verify, .teardown = problem_teardown};
    int rc = pk_run_kernel_command(cli, &ph, &st);
    free(st.user);
    return rc;
}

/* ---- parkit_main ---- */

static const parkit_problem *main_problem;

static int main_run(const pk_cli *cli, void *opts, int argc, char **argv)
{
    (void)opts;
    return pk_run_problem(cli, main_problem, NULL, NULL, main_problem->name, argc, argv);
}

PARKIT_API int parkit_main(const parkit_problem *problem, int argc, char **argv)
{
    const char *bad = pk_problem_check(problem);
    if (bad)
        return pk_usage_error("parkit_main: the problem %s: %s", problem && problem->name ? problem->name : "",
                              bad);
    if (argc < 1 || !argv || !argv[0])
        return pk_usage_error("parkit_main: argc must be at least 1, with argv[0] the program's name");
    main_problem = problem;
    const char *prog = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
    prog = prog ? prog + 1 : argc > 0 && argv[0] ? argv[0] : problem->name;
    char args[160];
    snprintf(args, sizeof args, "[N: %s%s]", problem->n_help ? problem->n_help : "the problem size",
             problem->default_n ? ", optional" : "");
    pk_command cmd = {.name = prog, .args = args, .summary = problem->summary ? problem->summary : "",
                      .run = main_run};
    return pk_cli_main_one(&cmd, argc, argv);
}

/* ---- parkit_run ---- */

PARKIT_API parkit_status parkit_run(const parkit_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                                    const parkit_exec *exec, void *result, parkit_stats *stats)
{
    if (!k || !exec || !result || hi < lo || exec->threads < 1 || exec->threads > 4096 ||
        pk_kernel_check(k) || (unsigned)exec->schedule > PARKIT_SCHED_GUIDED)
        return PARKIT_EINVAL;   /* the same kernel checks as parkit_main and parkit run */
    pk_exec ex = {.threads = exec->threads, .sched = (pk_sched)exec->schedule, .chunk = exec->chunk,
                  .rank = 0, .nranks = 1};
    switch (exec->mode) {
    case PARKIT_MODE_SERIAL: ex.mode = PK_MODE_SERIAL; ex.threads = 1; break;
    case PARKIT_MODE_OMP: ex.mode = PK_MODE_OMP; break;
    case PARKIT_MODE_MPI: ex.mode = PK_MODE_MPI; ex.threads = 1; break;
    case PARKIT_MODE_HYBRID: ex.mode = PK_MODE_HYBRID; break;
    default: return PARKIT_EINVAL;
    }
    if (ex.mode == PK_MODE_MPI || ex.mode == PK_MODE_HYBRID) {
        if (!pk_mpi_built())
            return PARKIT_EINVAL;
        if (!pk_mpi_active()) {
            if (pk_mpi_init(NULL, NULL) != 0)
                return PARKIT_EIO;
            atexit(pk_mpi_finalize);   /* a no-op when the program initialised MPI itself */
        }
        ex.rank = pk_mpi_rank();
        ex.nranks = pk_mpi_size();
    }
    pk_run_stats st = {0};
    pk_status s = pk_backend_run(k, ctx, lo, hi, &ex, result, &st);
    if (stats)
        *stats = (parkit_stats){.seconds = st.seconds, .merge_seconds = st.merge_seconds,
                                .comm_seconds = st.comm_seconds};
    return s;
}

PARKIT_API int parkit_rank(void)
{
    int r, n;
    pk_mpi_world(&r, &n);
    return r;
}

PARKIT_API int parkit_ranks(void)
{
    int r, n;
    pk_mpi_world(&r, &n);
    return n;
}

PARKIT_API const char *parkit_version(void)
{
    return PK_VERSION;
}
