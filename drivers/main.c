/* parkit: the command line. Parses the options every command shares, resolves how the run
 * executes (mode, threads, schedule, MPI), then hands over to the command. */
#define _GNU_SOURCE
#include <errno.h>
#include <gmp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "mpi_env.h"
#include "report.h"

extern const pk_command pk_cmd_count, pk_cmd_sum, pk_cmd_primes, pk_cmd_isprime,
    pk_cmd_primorial, pk_cmd_where, pk_cmd_fetch;

static const pk_command *const commands[] = {
    &pk_cmd_count, &pk_cmd_sum, &pk_cmd_primes, &pk_cmd_isprime, &pk_cmd_primorial,
    &pk_cmd_where, &pk_cmd_fetch, NULL,
};

enum {
    OPT_RESULTS = 1000, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_WARMUP, OPT_REPEAT,
};

static const struct option common_options[] = {
    {"threads", required_argument, NULL, 't'},
    {"mode", required_argument, NULL, 'm'},
    {"schedule", required_argument, NULL, 's'},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
};
static const struct option output_options[] = {
    {"format", required_argument, NULL, 'f'},
    {"results", required_argument, NULL, OPT_RESULTS},
    {"help", no_argument, NULL, 'h'},
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char common_help[] =
    "  -t, --threads T          OpenMP threads per rank (default: OMP_NUM_THREADS, else\n"
    "                           SLURM_CPUS_PER_TASK, else the CPUs this process may run on)\n"
    "  -m, --mode MODE          serial | omp | mpi | hybrid (default: hybrid under mpirun/srun,\n"
    "                           omp otherwise)\n"
    "  -s, --schedule S[,C]     static | dynamic | guided, optional chunk in pieces (default dynamic)\n"
    "      --repeat R           timed runs (default 1); min / median / max are reported\n"
    "      --warmup W           untimed runs first (default 0)\n"
    "      --progress, --no-progress   progress on stderr (default: when stderr is a terminal)\n";
static const char output_help[] =
    "  -f, --format F           text | csv | json (JSON Lines) (default text)\n"
    "      --results FILE       append one CSV row per run (locked; header only for a new file)\n"
    "  -h, --help               this help\n";

static void usage(FILE *f)
{
    fprintf(f, "usage: parkit <command> [options]\n\ncommands:\n");
    for (int i = 0; commands[i]; i++)
        fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\nnumbers accept 1000000, 1e9, 10^9, 2**32 and 1_000_000.\n"
               "parkit <command> --help shows a command's options.\n");
}

static void command_help(const pk_command *c)
{
    printf("usage: parkit %s %s [options]\n%s\n\n", c->name, c->args, c->summary);
    if (c->options_help && c->options_help[0])
        printf("%s options:\n%s\n", c->name, c->options_help);
    if (!c->no_common)
        printf("run options:\n%s\n", common_help);
    printf("output options:\n%s", output_help);
}

static int threads_from_env(const char *var, int *out)
{
    const char *v = getenv(var);
    if (!v || !*v)
        return 0;
    char first[64];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(v, ","), v);   /* "4,2" nests: outer level */
    uint64_t t;
    const char *why;
    if (pk_parse_u64(first, &t, &why) != 0 || t == 0 || t > 4096)
    {
        pk_usage_error("%s: expected a positive integer, got \"%s\"", var, v);
        return -1;
    }
    *out = (int)t;
    return 1;
}

static int affinity_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int parse_schedule(const char *arg, pk_exec *ex)
{
    char kind[32];
    const char *comma = strchr(arg, ',');
    snprintf(kind, sizeof kind, "%.*s", comma ? (int)(comma - arg) : (int)strlen(arg), arg);
    if (!strcmp(kind, "static"))
        ex->sched = PK_SCHED_STATIC;
    else if (!strcmp(kind, "dynamic"))
        ex->sched = PK_SCHED_DYNAMIC;
    else if (!strcmp(kind, "guided"))
        ex->sched = PK_SCHED_GUIDED;
    else
        return pk_usage_error("--schedule: expected static, dynamic or guided[,chunk], got \"%s\"", arg);
    ex->chunk = 0;
    if (comma) {
        char what[] = "--schedule chunk";
        if (pk_parse_count_opt(what, comma + 1, 1u << 30, &ex->chunk) != 0)
            return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

static int parse_and_run(const pk_command *cmd, int argc, char **argv)
{
    struct option opts[64];
    size_t n = 0;
    if (!cmd->no_common)
        for (size_t i = 0; i < NELEM(common_options); i++)
            opts[n++] = common_options[i];
    for (size_t i = 0; i < NELEM(output_options); i++)
        opts[n++] = output_options[i];
    for (const struct option *o = cmd->options; o && o->name && n < NELEM(opts) - 1; o++)
        opts[n++] = *o;
    memset(&opts[n], 0, sizeof opts[n]);

    /* short options: the common ones, plus letters the command declares */
    char so[64];
    size_t sl = 0;
    so[sl++] = ':';   /* report missing arguments as ':' */
    for (size_t i = 0; i < n; i++)
        if (opts[i].val > 0 && opts[i].val < 128 && sl < sizeof so - 3) {
            so[sl++] = (char)opts[i].val;
            if (opts[i].has_arg == required_argument)
                so[sl++] = ':';
        }
    so[sl] = 0;

    pk_cli cli = {.repeat = 1, .warmup = 0, .format = PK_FMT_TEXT, .progress = -1};
    cli.exec.sched = PK_SCHED_DYNAMIC;
    pk_mode mode = PK_MODE_AUTO;
    int threads = 0;
    const char *threads_arg = NULL;
    void *copts = cmd->opts_size ? calloc(1, cmd->opts_size) : NULL;
    if (cmd->opts_size && !copts)
        return pk_runtime_error("out of memory");
    if (cmd->defaults)
        cmd->defaults(copts);

    int rc = PK_EXIT_OK, c;
    opterr = 0;
    optind = 1;
    while (rc == PK_EXIT_OK && (c = getopt_long(argc, argv, so, opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 't':
            threads_arg = optarg;
            rc = pk_parse_count_opt("--threads", optarg, 4096, &v);
            threads = (int)v;
            break;
        case 'm':
            if (!strcmp(optarg, "serial")) mode = PK_MODE_SERIAL;
            else if (!strcmp(optarg, "omp")) mode = PK_MODE_OMP;
            else if (!strcmp(optarg, "mpi")) mode = PK_MODE_MPI;
            else if (!strcmp(optarg, "hybrid")) mode = PK_MODE_HYBRID;
            else rc = pk_usage_error("--mode: expected serial, omp, mpi or hybrid, got \"%s\"", optarg);
            break;
        case 's':
            rc = parse_schedule(optarg, &cli.exec);
            cli.sched_set = 1;
            break;
        case OPT_REPEAT:
            rc = pk_parse_count_opt("--repeat", optarg, 1000000, &v);
            cli.repeat = (int)v;
            break;
        case OPT_WARMUP: {
            const char *why;
            if (pk_parse_u64(optarg, &v, &why) != 0 || v > 1000000)
                rc = pk_usage_error("--warmup: expected a non-negative integer, got \"%s\"", optarg);
            cli.warmup = (int)v;
            break;
        }
        case OPT_PROGRESS: cli.progress = 1; break;
        case OPT_NO_PROGRESS: cli.progress = 0; break;
        case 'f':
            if (!strcmp(optarg, "text")) cli.format = PK_FMT_TEXT;
            else if (!strcmp(optarg, "csv")) cli.format = PK_FMT_CSV;
            else if (!strcmp(optarg, "json")) cli.format = PK_FMT_JSON;
            else rc = pk_usage_error("--format: expected text, csv or json, got \"%s\"", optarg);
            break;
        case OPT_RESULTS:
            if (!*optarg)
                rc = pk_usage_error("--results: expected a file name, got \"\"");
            cli.results_path = optarg;
            break;
        case 'h':
            if (pk_is_root())
                command_help(cmd);
            free(copts);
            return -1;   /* done, exit 0 */
        case ':':
            rc = pk_usage_error("%s %s: missing value", cmd->name, argv[optind - 1]);
            break;
        case '?':
            if (optopt >= '0' && optopt <= '9')
                rc = pk_usage_error("%s: expected a non-negative integer, got \"%s\"", cmd->name,
                                    argv[optind - 1]);
            else if (optopt)
                rc = pk_usage_error("%s: unknown option -%c (see parkit %s --help)", cmd->name, optopt, cmd->name);
            else
                rc = pk_usage_error("%s: unknown option %s (see parkit %s --help)", cmd->name,
                                    argv[optind - 1], cmd->name);
            break;
        default:
            rc = cmd->on_option ? cmd->on_option(copts, c, optarg)
                                : pk_usage_error("%s: unexpected option", cmd->name);
        }
    }
    if (rc != PK_EXIT_OK) {
        free(copts);
        return rc;
    }

    /* ---- resolve the execution ---- */
    if (!cmd->no_common) {
        if ((mode == PK_MODE_MPI || mode == PK_MODE_HYBRID) && !pk_mpi_built()) {
            free(copts);
            return pk_usage_error("--mode %s: this build of parkit has no MPI (install libopenmpi-dev "
                                  "and rebuild)", pk_mode_name(mode));
        }
        if ((mode == PK_MODE_MPI || mode == PK_MODE_HYBRID) && !pk_mpi_active() &&
            pk_mpi_init(&argc, &argv) != 0) {
            free(copts);
            return pk_runtime_error("--mode %s: MPI_Init failed", pk_mode_name(mode));
        }
        if (mode == PK_MODE_AUTO)
            mode = pk_mpi_active() ? PK_MODE_HYBRID : PK_MODE_OMP;
        if ((mode == PK_MODE_SERIAL || mode == PK_MODE_OMP) && pk_mpi_size() > 1) {
            free(copts);
            return pk_usage_error("--mode %s runs in one process, but this job has %d ranks "
                                  "(use --mode hybrid or mpi)", pk_mode_name(mode), pk_mpi_size());
        }
        if ((mode == PK_MODE_SERIAL || mode == PK_MODE_MPI) && threads > 1) {
            free(copts);
            return pk_usage_error("--threads %s: --mode %s runs one thread per process (use --mode %s)",
                                  threads_arg, pk_mode_name(mode),
                                  mode == PK_MODE_SERIAL ? "omp" : "hybrid");
        }
        if (mode == PK_MODE_SERIAL || mode == PK_MODE_MPI) {
            threads = 1;
        } else if (threads == 0) {
            int r = threads_from_env("OMP_NUM_THREADS", &threads);
            if (r == 0)
                r = threads_from_env("SLURM_CPUS_PER_TASK", &threads);
            if (r < 0) {
                free(copts);
                return PK_EXIT_USAGE;
            }
            if (r == 0)
                threads = affinity_cpus();
        }
    } else {
        threads = 1;
        mode = PK_MODE_SERIAL;
    }
    cli.exec.mode = mode;
    cli.exec.threads = threads;
    cli.exec.rank = pk_mpi_rank();
    cli.exec.nranks = pk_mpi_size();
    if (cli.progress < 0)
        cli.progress = isatty(STDERR_FILENO);
    cli.exec.progress = cli.progress;

    rc = cmd->run(&cli, copts, argc - optind, argv + optind);
    free(copts);
    return rc;
}

/* GMP's own allocators abort() without a word when memory runs out; these end the run (the
 * whole job under MPI, where other ranks may be waiting for this one) with one message. */
static void *gmp_alloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        pk_mpi_abort(PK_EXIT_FAIL, "out of memory (GMP asked for %zu bytes)", n);
    return p;
}

static void *gmp_realloc(void *old, size_t was, size_t n)
{
    (void)was;
    void *p = realloc(old, n);
    if (!p)
        pk_mpi_abort(PK_EXIT_FAIL, "out of memory (GMP asked for %zu bytes)", n);
    return p;
}

static void gmp_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

int main(int argc, char **argv)
{
    mp_set_memory_functions(gmp_alloc, gmp_realloc, gmp_free);
    if (argc < 2) {
        char list[256] = "";
        for (int i = 0; commands[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", commands[i]->name);
        return pk_usage_error("missing command (one of: %s; parkit --help explains them)", list);
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return PK_EXIT_OK;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        printf("parkit %s (git %s)\n", PK_VERSION, pk_git_commit());
        return PK_EXIT_OK;
    }
    const pk_command *cmd = NULL;
    for (int i = 0; commands[i]; i++)
        if (!strcmp(argv[1], commands[i]->name))
            cmd = commands[i];
    if (pk_mpi_launched() && pk_mpi_built() && (!cmd || !cmd->no_common))
        if (pk_mpi_init(&argc, &argv) != 0) {
            fprintf(stderr, "parkit: MPI_Init failed\n");
            return PK_EXIT_FAIL;
        }
    int rc;
    if (!cmd) {
        char list[256] = "";
        for (int i = 0; commands[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", commands[i]->name);
        rc = pk_usage_error("unknown command \"%s\" (commands: %s)", argv[1], list);
    } else {
        rc = parse_and_run(cmd, argc - 1, argv + 1);
        if (rc < 0)
            rc = PK_EXIT_OK;
    }
    pk_mpi_finalize();
    return rc;
}
