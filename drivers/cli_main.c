/* The parkit command line, for any table of commands (drivers/main.c: parkit's own; problem.c:
 * one user problem through parkit_main): common options, resolving how the run executes
 * (mode, threads, schedule, MPI), then the command.  See pk_cli_main in cli.h. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gmp.h>
#include <omp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "bignum.h"
#include "cli.h"
#include "mpi_env.h"
#include "command.h"
#include "provenance.h"
#include "report.h"

/* "parkit " in usage lines; "" for a user's program (parkit_main), whose name is its own */
static const char *prog_prefix = "parkit ";
static const pk_command *const *commands;

enum {
    OPT_RESULTS = 1000, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_WARMUP, OPT_REPEAT, OPT_BUDGET, OPT_CLASS,
};

static const struct option common_options[] = {
    {"threads", required_argument, NULL, 't'},
    {"mode", required_argument, NULL, 'm'},
    {"schedule", required_argument, NULL, 's'},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"budget", required_argument, NULL, OPT_BUDGET},
    {"class", required_argument, NULL, OPT_CLASS},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
};
static const struct option output_options[] = {
    {"format", required_argument, NULL, 'f'},
    {"results", required_argument, NULL, OPT_RESULTS},
    {"help", no_argument, NULL, 'h'},
};

/* Help lines of the common options; `bit` ties a line to pk_command.not_for. */
static const struct help_line {
    unsigned bit;
    const char *text;
} common_help[] = {
    {0, "  -t, --threads T          OpenMP threads per rank (default: OMP_NUM_THREADS, else\n"
        "                           SLURM_CPUS_PER_TASK, else the CPUs this process may run on)\n"},
    {0, "  -m, --mode MODE          serial | omp | mpi | hybrid (default: hybrid under mpirun/srun,\n"
        "                           omp otherwise)\n"},
    {PK_OPT_SCHEDULE, "  -s, --schedule S[,C]     static | dynamic | guided, optional chunk in pieces (default dynamic)\n"},
    {PK_OPT_REPEAT, "      --repeat R|auto      timed runs: exactly R, or auto (default): until they add up to\n"
                    "                           the budget and 3 runs, at most 10 (one run that alone takes\n"
                    "                           the budget is enough); every run's time is kept, with\n"
                    "                           min / median / max, mean, sd and the median's CI\n"},
    {PK_OPT_REPEAT, "      --budget SECONDS     the time budget of --repeat auto (default 1)\n"},
    {PK_OPT_WARMUP, "      --warmup W           untimed runs first (default 0)\n"},
    {PK_OPT_PROGRESS, "      --progress, --no-progress   progress on stderr (default: when stderr is a terminal)\n"},
}, output_help[] = {
    {0, "  -f, --format F           text | csv | json (JSON Lines) (default text)\n"},
    {PK_OPT_RESULTS, "      --results FILE       append one CSV row per run (locked; header only for a new file)\n"},
    {0, "  -h, --help               this help\n"},
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void print_help(const pk_command *c, const struct help_line *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(h[i].bit & c->not_for))
            fputs(h[i].text, stdout);
}

/* The PK_OPT_* bit of a common option's getopt value, 0 for options every command takes. */
static unsigned option_bit(int val)
{
    switch (val) {
    case 's': return PK_OPT_SCHEDULE;
    case OPT_REPEAT: case OPT_BUDGET: return PK_OPT_REPEAT;
    case OPT_WARMUP: return PK_OPT_WARMUP;
    case OPT_PROGRESS: case OPT_NO_PROGRESS: return PK_OPT_PROGRESS;
    case OPT_RESULTS: return PK_OPT_RESULTS;
    }
    return 0;
}

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
    printf("usage: %s%s %s [options]\n%s\n\n", prog_prefix, c->name, c->args, c->summary);
    if (c->options_help && c->options_help[0])
        printf("%s options:\n%s\n", c->name, c->options_help);
    if (!c->no_common) {
        printf("run options:\n");
        print_help(c, common_help, NELEM(common_help));
        if (pk_class_list(c->name))
            printf("      --class S|W|A|B|C    a documented problem size instead of N:%s\n",
                   pk_class_list(c->name));
        putchar('\n');
    }
    printf("output options:\n");
    print_help(c, output_help, NELEM(output_help));
}

/* Thread counts from the environment.  OMP_NUM_THREADS is checked before the OpenMP runtime
 * starts (pk_preinit, below): a value the runtime would reject ("1e1", "0", "abc") is taken
 * out of the environment there and reported here in one message, instead of libgomp's
 * warning followed by a run with some other thread count. */
static const char *invalid_omp_num_threads;

static int threads_from_env(const char *var, int *out)
{
    const char *v = getenv(var), *why = NULL;
    if (!strcmp(var, "OMP_NUM_THREADS") && invalid_omp_num_threads)
        v = invalid_omp_num_threads;
    else if (!v)
        return 0;
    uint64_t t = 0;
    if (pk_parse_omp_threads(v, 4096, &t, &why) != 0) {
        pk_usage_error("%s: expected a positive integer (at most 4096) or a list such as \"4,2\", "
                       "got \"%s\" (%s)", var, v, why);
        return -1;
    }
    *out = (int)t;
    return 1;
}

/* Runs before every shared library's constructor (the OpenMP runtime reads OMP_NUM_THREADS
 * in its own) and before libc has set up getenv: so it walks envp itself and removes an
 * invalid entry from it (envp becomes the process's environ). */
/* The OpenMP runtime checks every other OMP_* variable itself, in its constructor, and only
 * warns ("libgomp: Invalid value for environment variable X") before running on with a
 * default.  Its stderr is caught from before the constructors to main, where a refused
 * variable becomes parkit's own one-line usage error (for the commands that run kernels);
 * anything else written there is passed on unchanged. */
static int stderr_saved = -1, stderr_caught = -1;
static char invalid_omp_var[64];

void pk_cli_preinit(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv;
    static const char name[] = "OMP_NUM_THREADS=";
    for (char **e = envp; e && *e; e++) {
        if (strncmp(*e, name, sizeof name - 1) != 0)
            continue;
        char *v = *e + sizeof name - 1;
        if (pk_parse_omp_threads(v, INT64_MAX, NULL, NULL) == 0) {   /* libgomp: up to LONG_MAX */
            /* valid: handed on as digits and commas only, the form every runtime reads the
             * same (LLVM's libomp ignores a value with '+' and warns) */
            char *w = v;
            for (const char *r = v; *r; r++)
                if (*r != '+' && !isspace((unsigned char)*r))
                    *w++ = *r;
            *w = 0;
            break;
        }
        invalid_omp_num_threads = v;
        do
            e[0] = e[1];
        while (*++e);
        break;
    }
    int fd = memfd_create("parkit-init-stderr", MFD_CLOEXEC);
    int saved = fd >= 0 ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3) : -1;
    if (saved >= 0 && dup2(fd, STDERR_FILENO) == STDERR_FILENO) {
        stderr_saved = saved;
        stderr_caught = fd;
    } else {
        if (saved >= 0)
            close(saved);
        if (fd >= 0)
            close(fd);
    }
}
/* Back to the real stderr: what the constructors wrote is scanned for the runtime's refusals
 * and the rest written through. */
static void release_stderr(void)
{
    if (stderr_saved < 0)
        return;
    dup2(stderr_saved, STDERR_FILENO);
    close(stderr_saved);
    static const char *const refused[] = {"libgomp: Invalid value for environment variable ",
                                          "libgomp: Unknown value for environment variable ", NULL};
    static const char omp_warning[] = "OMP: Warning #";   /* LLVM's libomp: "...#42: OMP_X..." */
    int in_warning = 0;   /* libomp's "OMP: Info" / "OMP: Hint" lines that follow a refusal */
    char buf[8192];
    ssize_t n = pread(stderr_caught, buf, sizeof buf - 1, 0);
    close(stderr_caught);
    stderr_saved = stderr_caught = -1;
    if (n <= 0)
        return;
    buf[n] = 0;
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        int k = 0;
        while (refused[k] && strncmp(line, refused[k], strlen(refused[k])) != 0)
            k++;
        const char *var = refused[k] ? line + strlen(refused[k]) : NULL;
        if (!var && !strncmp(line, omp_warning, sizeof omp_warning - 1)) {
            const char *p = line + sizeof omp_warning - 1;
            p += strspn(p, "0123456789");
            if (!strncmp(p, ": OMP_", 6))
                var = p + 2;
        }
        if (var) {
            int len = (int)strspn(var, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
            if (!invalid_omp_var[0])
                snprintf(invalid_omp_var, sizeof invalid_omp_var, "%.*s", len, var);
            in_warning = 1;
        } else if (in_warning && (!strncmp(line, "OMP: Info #", 11) || !strncmp(line, "OMP: Hint ", 10))) {
            continue;
        } else if (*line) {
            in_warning = 0;
            fprintf(stderr, "%s\n", line);
        }
    }
}

/* The runtime died while its stderr was caught (LLVM's libomp under a file-size limit below
 * the 1 KiB of its registration file): what it wrote is passed on, then the same death. */
static void release_stderr_dying(int sig)
{
    char buf[4096];
    ssize_t n;
    off_t off = 0;
    if (stderr_saved >= 0 && dup2(stderr_saved, STDERR_FILENO) == STDERR_FILENO)
        while ((n = pread(stderr_caught, buf, sizeof buf, off)) > 0 && write(STDERR_FILENO, buf, (size_t)n) == n)
            off += n;
    signal(sig, SIG_DFL);
    raise(sig);
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

/* A digest of the command line (FNV-1a over the arguments, each with its end), taken before
 * getopt reorders them: ranks started with different arguments (an MPMD launch, "A : B") would
 * set up different problems and fail deep inside a collective. */
static int args_digest(int argc, char **argv)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < argc; i++)
        for (const unsigned char *c = (const unsigned char *)argv[i];; c++) {
            h = (h ^ *c) * 16777619u;
            if (!*c)
                break;
        }
    return (int)(h & 0x7fffffff);
}

/* Under MPI, every rank parsed: agree (a rank that failed is in main's agreement), check the
 * ranks were given the same arguments (a difference fails the next agreement, after the
 * command's own, more precise checks) and run the same team, so the report's "threads" is
 * every rank's.  0 or the exit code. */
static int ranks_agree(int digest, int threads, int help_only)
{
    int rc = pk_mpi_agree(PK_EXIT_OK, NULL);
    if (rc != PK_EXIT_OK)
        return rc;
    pk_msg_defer();   /* again, until the next agreement (the command's first): a refusal below
                       * waits for it like any other message */
    int dmin, dmax, tmin, tmax;
    static const char mpmd[] = "the ranks were started with different arguments (an MPMD launch?); "
                               "every rank must run the same command line";
    pk_mpi_minmax_int(digest, &dmin, &dmax);
    if (dmin != dmax)
        pk_mpi_fail_at_next_agreement(PK_EXIT_USAGE, mpmd);
    pk_mpi_minmax_int(threads, &tmin, &tmax);
    if (tmin != tmax || (dmin != dmax && help_only)) {
        if (dmin != dmax)   /* --threads itself differs, or this rank only asked for --help */
            return pk_usage_error("%s", mpmd);
        return pk_usage_error("the ranks would run different thread counts (%d to %d: OMP_NUM_THREADS "
                              "or SLURM_CPUS_PER_TASK differs between them); give --threads", tmin, tmax);
    }
    return PK_EXIT_OK;
}

static int parse_and_run(const pk_command *cmd, int argc, char **argv)
{
    const int digest = args_digest(argc, argv);
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

    /* Under MPI each rank parses its own arguments and environment: an error only some ranks
     * meet is kept until the ranks agree (below, or main's last agreement), then printed once. */
    if (pk_mpi_active() && pk_mpi_size() > 1)
        pk_msg_defer();
    pk_cli cli = {.repeat = PK_REPEAT_AUTO_MAX, .repeat_auto = 1, .budget = PK_REPEAT_AUTO_BUDGET,
                  .warmup = 0, .format = PK_FMT_TEXT, .progress = -1};
    int budget_set = 0;
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
    int li = -1, help_only = 0;
    while (rc == PK_EXIT_OK && !help_only && (c = getopt_long(argc, argv, so, opts, &li)) != -1) {
        uint64_t v;
        if (option_bit(c) & cmd->not_for) {
            char name[64];
            if (li >= 0)
                snprintf(name, sizeof name, "--%s", opts[li].name);
            else
                snprintf(name, sizeof name, "-%c", c);
            rc = pk_usage_error("%s: %s does not apply to this command (see %s%s --help)", cmd->name,
                                name, prog_prefix, cmd->name);
            break;
        }
        li = -1;
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
            if (!strcmp(optarg, "auto")) {
                cli.repeat_auto = 1;
                cli.repeat = PK_REPEAT_AUTO_MAX;
                break;
            }
            rc = pk_parse_count_opt("--repeat", optarg, 1000000, &v);
            cli.repeat = (int)v;
            cli.repeat_auto = 0;
            break;
        case OPT_BUDGET: {
            char *end;
            errno = 0;
            double b = strtod(optarg, &end);
            if (end == optarg || *end || errno || !(b > 0) || b > 1e6)
                rc = pk_usage_error("--budget: expected seconds, a number above 0 and at most 1e6, "
                                    "got \"%s\"", optarg);
            cli.budget = b;
            budget_set = 1;
            break;
        }
        case OPT_CLASS:
            if (strlen(optarg) != 1 || !strchr("SWABC", optarg[0]))
                rc = pk_usage_error("--class: expected S, W, A, B or C, got \"%s\"", optarg);
            cli.klass = optarg[0];
            break;
        case OPT_WARMUP: {
            const char *why;
            if (pk_parse_u64(optarg, &v, &why) != 0)
                rc = pk_usage_error("--warmup: expected a non-negative integer, got \"%s\" (%s)", optarg, why);
            else if (v > 1000000)
                rc = pk_usage_error("--warmup: %s is too large (at most 1000000)", optarg);
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
            /* in a job of several ranks the others may be on their way into a command: this
             * one goes the same way up to their check of the arguments, then helps and ends */
            if (pk_launch_size() > 1) {
                help_only = 1;
                break;
            }
            command_help(cmd);
            free(copts);
            return -1;   /* done, exit 0 */
        case ':':
            rc = pk_usage_error("%s %s: missing value", cmd->name, argv[optind - 1]);
            break;
        case '?':
            if (optopt && !strncmp(argv[optind - 1], "--", 2) && strchr(argv[optind - 1], '='))
                /* a known long option that takes no value, given one (--sum=3) */
                rc = pk_usage_error("%s: %.*s takes no value, got \"%s\"", cmd->name,
                                    (int)(strchr(argv[optind - 1], '=') - argv[optind - 1]), argv[optind - 1],
                                    pk_shown(argv[optind - 1]));
            else if (optopt >= '0' && optopt <= '9')
                rc = pk_usage_error("%s: expected a non-negative integer, got \"%s\"", cmd->name,
                                    argv[optind - 1]);
            else if (optopt)
                rc = pk_usage_error("%s: unknown option -%c (see %s%s --help)", cmd->name, optopt, prog_prefix,
                                    cmd->name);
            else
                rc = pk_usage_error("%s: unknown option %s (see %s%s --help)", cmd->name,
                                    argv[optind - 1], prog_prefix, cmd->name);
            break;
        default:
            rc = cmd->on_option ? cmd->on_option(copts, c, optarg)
                                : pk_usage_error("%s: unexpected option", cmd->name);
        }
    }
    if (rc == PK_EXIT_OK && budget_set && !cli.repeat_auto)
        rc = pk_usage_error("%s: --budget applies to --repeat auto, not to a fixed --repeat %d",
                            cmd->name, cli.repeat);
    /* --class: the command's documented N instead of a positional one */
    static char class_n[32];
    static char *class_argv[3];
    if (rc == PK_EXIT_OK && cli.klass) {
        uint64_t n;
        if (pk_class_n(cmd->name, cli.klass, &n) != 0)
            rc = pk_usage_error("%s: --class: this command has no problem classes (give its "
                                "arguments)", cmd->name);
        else if (optind < argc)
            rc = pk_usage_error("%s: give N or --class %c, not both (got \"%s\")", cmd->name,
                                cli.klass, argv[optind]);
        else {
            snprintf(class_n, sizeof class_n, "%llu", (unsigned long long)n);
            class_argv[0] = argv[0];
            class_argv[1] = class_n;
            class_argv[2] = NULL;
            argv = class_argv;
            argc = 2;
            optind = 1;
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
        /* the environment is checked even when --threads overrides it: a broken setting
         * is reported, not silently carried into the next run */
        if (invalid_omp_var[0]) {
            const char *v = getenv(invalid_omp_var);
            free(copts);
            return pk_usage_error("%s: the OpenMP runtime refuses \"%s\" (see the OpenMP specification's "
                                  "environment variables)", invalid_omp_var, v ? pk_shown(v) : "");
        }
        int env_threads = 0;
        int r = threads_from_env("OMP_NUM_THREADS", &env_threads);
        if (r == 0)
            r = threads_from_env("SLURM_CPUS_PER_TASK", &env_threads);
        if (r < 0) {
            free(copts);
            return PK_EXIT_USAGE;
        }
        if (mode == PK_MODE_SERIAL || mode == PK_MODE_MPI)
            threads = 1;
        else if (threads == 0 && r > 0)
            threads = env_threads;
        else if (threads == 0)   /* nobody asked: what the CPUs and the runtime allow */
            threads = affinity_cpus() < omp_get_thread_limit() ? affinity_cpus() : omp_get_thread_limit();
        /* the team must be exactly what the report will say */
        omp_set_dynamic(0);
        if (threads > omp_get_thread_limit()) {
            free(copts);
            return pk_usage_error("%d threads asked for (--threads, OMP_NUM_THREADS), but the OpenMP runtime allows at most %d (OMP_THREAD_LIMIT)",
                                  threads, omp_get_thread_limit());
        }
    } else {
        threads = 1;
        mode = PK_MODE_SERIAL;
    }
    /* where the results go is checked before the work, not found unwritable after it */
    if ((rc = pk_results_check(&cli, cmd->layout ? cmd->layout : &pk_kernel_layout)) != PK_EXIT_OK) {
        free(copts);
        return rc;
    }
    cli.exec.mode = mode;
    cli.exec.threads = threads;
    cli.exec.rank = pk_mpi_rank();
    cli.exec.nranks = pk_mpi_size();
    if (cli.progress < 0)
        cli.progress = isatty(STDERR_FILENO);
    /* the progress line is rank 0's: the other ranks' local runs (pk_exec_local says rank 0
     * of 1) would print theirs on the same terminal through mpirun */
    cli.exec.progress = cli.progress && cli.exec.rank == 0;

    if (pk_mpi_active() && pk_mpi_size() > 1) {
        if ((rc = ranks_agree(digest, cli.exec.threads, help_only)) != PK_EXIT_OK) {
            free(copts);
            return rc;
        }
    }
    if (help_only) {
        if (pk_is_root())
            command_help(cmd);
        free(copts);
        return -1;   /* done, exit 0 */
    }
    rc = cmd->run(&cli, copts, argc - optind, argv + optind);
    free(copts);
    return rc;
}

/* GMP's own allocators abort() without a word when memory runs out; these end the run (the
 * whole job under MPI, where other ranks may be waiting for this one) with one message.
 * FLINT's (when built with it: its FFT transforms) end the same way. */
static void *got_or_abort(void *p, size_t n, const char *lib)
{
    if (!p && n)
        pk_mpi_abort(PK_EXIT_FAIL, "out of memory (%s asked for %zu bytes)", lib, n);
    return p;
}

static void *gmp_alloc(size_t n)
{
    return got_or_abort(malloc(n), n, "GMP");
}

static void *gmp_realloc(void *old, size_t was, size_t n)
{
    (void)was;
    return got_or_abort(realloc(old, n), n, "GMP");
}

static void gmp_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

static void *flint_alloc(size_t n)
{
    return got_or_abort(malloc(n), n, "FLINT");
}

static void *flint_calloc(size_t k, size_t n)
{
    return got_or_abort(calloc(k, n), k && n ? (k > SIZE_MAX / n ? SIZE_MAX : k * n) : 0, "FLINT");
}

static void *flint_realloc(void *old, size_t n)
{
    return got_or_abort(realloc(old, n), n, "FLINT");
}

static int cli_main(const pk_command *const *table, int argc, char **argv);

/* An error met before MPI starts (a usage error found in the same arguments on every rank) is
 * printed by rank 0 alone, and the other ranks exit at once with its code.  Open MPI's mpirun
 * then ends the whole job, and was seen to take rank 0 down before it had printed its line
 * (mpi.failures, `mpirun -n 3 parkit`: exit 2 and nothing on stderr, once, under load).  So
 * the other ranks give rank 0 half a second first. */
int pk_cli_main(const pk_command *const *table, int argc, char **argv)
{
    int rc = cli_main(table, argc, argv);
    if (rc != PK_EXIT_OK && !pk_mpi_was_active() && pk_launch_rank() > 0)
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 500000000}, NULL);
    return rc;
}

static int cli_main(const pk_command *const *table, int argc, char **argv)
{
    commands = table;
    /* a file-size limit (ulimit -f) makes a write fail with EFBIG, reported and rolled back,
     * instead of killing the process in the middle of a --results row or an --output file */
    signal(SIGXFSZ, SIG_IGN);
    /* libgomp reads the OMP_* settings in its constructor; LLVM's libomp only when first
     * called: called here, so that its refusals, too, land in the stderr caught above (and
     * should it end the process there, what it wrote is not lost) */
    static const int deaths[] = {SIGABRT, SIGBUS, SIGSEGV};
    for (size_t i = 0; i < NELEM(deaths); i++)
        signal(deaths[i], release_stderr_dying);
    atexit(release_stderr);
    (void)omp_get_max_threads();
    for (size_t i = 0; i < NELEM(deaths); i++)
        signal(deaths[i], SIG_DFL);
    release_stderr();
    mp_set_memory_functions(gmp_alloc, gmp_realloc, gmp_free);
    pk_bignum_set_memory_functions(flint_alloc, flint_calloc, flint_realloc, free);
    if (argc < 2) {
        char list[256] = "";
        for (int i = 0; commands[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", commands[i]->name);
        return pk_usage_error("missing command (one of: %s; parkit --help explains them)", list);
    }
    int help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help");
    if (help || !strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        if (argc > 2)
            return pk_usage_error("%s takes no arguments, got \"%s\"", argv[1], pk_shown(argv[2]));
        if (pk_is_root()) {   /* once per job under mpirun */
            if (help)
                usage(stdout);
            else
                pk_print_version(stdout);
            if (fflush(stdout) != 0 || ferror(stdout))
                return pk_runtime_error("%s: cannot write to standard output: %s", argv[1], strerror(errno));
        }
        return PK_EXIT_OK;
    }
    const pk_command *cmd = NULL;
    for (int i = 0; commands[i]; i++)
        if (!strcmp(argv[1], commands[i]->name))
            cmd = commands[i];
    if (cmd && cmd->handoff)   /* runs in another program (parkit fetch) */
        return cmd->handoff(argv);
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
    /* a report or a list that did not all reach standard output (a full disk, a closed
     * descriptor) is an error, whatever the run's own outcome */
    if (pk_is_root()) {
        errno = 0;
        int fe = fflush(stdout), e = errno;
        if (fe != 0 || ferror(stdout)) {
            if (pk_stdout_errno())
                e = pk_stdout_errno();
            pk_runtime_error("%s: cannot write to standard output: %s", argv[1],
                             e ? strerror(e) : "a write failed");
            if (rc == PK_EXIT_OK)
                rc = PK_EXIT_FAIL;
        }
    }
    /* the last agreement: a rank that failed alone, before any agreement, meets the others
     * here or in their command's first agreement -- never leaves them waiting */
    if (pk_mpi_active() && pk_mpi_size() > 1 && !pk_mpi_failure_agreed())
        rc = pk_mpi_agree(rc, NULL);
    pk_mpi_finalize();
    return rc;
}

/* parkit_main: one problem as a program's whole command line, "PROGRAM [N] [options]" */
int pk_cli_main_one(const pk_command *cmd, int argc, char **argv)
{
    prog_prefix = "";
    const pk_command *table[] = {cmd, NULL};
    char **args = malloc(((size_t)argc + 2) * sizeof *args);
    if (!args)
        return pk_runtime_error("out of memory");
    args[0] = argv[0];
    args[1] = (char *)cmd->name;
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    args[argc + 1] = NULL;
    int rc = pk_cli_main(table, argc + 1, args);
    free(args);
    return rc;
}
