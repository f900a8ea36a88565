/* Command-line plumbing shared by every parkit command. */
#ifndef PK_CLI_H
#define PK_CLI_H
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { PK_MODE_AUTO = 0, PK_MODE_SERIAL, PK_MODE_OMP, PK_MODE_MPI, PK_MODE_HYBRID } pk_mode;
typedef enum { PK_SCHED_STATIC = 0, PK_SCHED_DYNAMIC, PK_SCHED_GUIDED } pk_sched;
typedef enum { PK_FMT_TEXT = 0, PK_FMT_CSV, PK_FMT_JSON } pk_format;

enum { PK_EXIT_OK = 0, PK_EXIT_FAIL = 1, PK_EXIT_USAGE = 2 };

/* How a run executes: resolved before any command runs. */
typedef struct pk_exec {
    pk_mode mode;       /* never AUTO once resolved */
    int threads;        /* OpenMP threads per rank (1 in serial / mpi mode) */
    pk_sched sched;
    uint64_t chunk;     /* schedule chunk in pieces; 0 = OpenMP's default */
    int rank, nranks;   /* 0 / 1 without MPI */
    int progress;       /* show progress on stderr (rank 0, a terminal) */
} pk_exec;

typedef struct pk_cli {
    pk_exec exec;
    int repeat, warmup;
    pk_format format;
    const char *results_path;   /* --results FILE: append CSV rows */
    int progress;               /* progress lines on stderr (a terminal, long runs) */
    int sched_set;              /* --schedule was given */
} pk_cli;

/* Common options a command may declare as not applying to it (pk_command.not_for). */
enum {
    PK_OPT_SCHEDULE = 1u << 0, PK_OPT_REPEAT = 1u << 1, PK_OPT_WARMUP = 1u << 2,
    PK_OPT_PROGRESS = 1u << 3, PK_OPT_RESULTS = 1u << 4,
};

/* One parkit command.  Common options (--threads, --mode, --schedule, --repeat, --warmup,
 * --format, --results) are parsed by the shared parser; `options` adds the command's own
 * (their `val` must be >= 256 or a letter not used by the common set), each handed to
 * on_option.  run() gets the positional arguments. */
typedef struct pk_command {
    const char *name;
    const char *args;          /* usage of positional arguments, e.g. "N" */
    const char *summary;
    const char *options_help;  /* lines describing the command's own options */
    const struct option *options;   /* terminated by {0}; may be NULL */
    size_t opts_size;          /* bytes of the command's option struct (zeroed, then defaults()) */
    void (*defaults)(void *opts);
    int (*on_option)(void *opts, int val, const char *arg);   /* PK_EXIT_OK or PK_EXIT_USAGE */
    int (*run)(const pk_cli *cli, void *opts, int argc, char **argv);  /* exit code */
    int no_common;             /* 1: the command takes none of the kernel-run options (e.g. fetch) */
    unsigned not_for;          /* PK_OPT_* bits of common options that do not apply: given, they
                                  are a usage error, and --help does not list them */
} pk_command;

/* Messages: "parkit: ..." on stderr, printed by rank 0 only under MPI. */
int pk_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* returns 2 */
int pk_runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* returns 1 */
/* A message of at most PK_MSG_MAX - 1 characters: a longer one (a 100 KB path) loses the
 * middle, keeping its start (what) and end (why). */
#define PK_MSG_MAX 1024
void pk_msg_fit(char *dst, size_t cap, const char *src);
/* "parkit: MSG" on stderr from this process, fitted to one line (no rank check). */
void pk_print_error(const char *msg);

/* Number parsing: 1000000, 1e9, 10^9, 2**32, 1_000_000. Returns 0, or -1 with *why set
 * to a short explanation ("not a number", "negative", "not an integer", "too large"). */
int pk_parse_u64(const char *s, uint64_t *out, const char **why);
/* OMP_NUM_THREADS syntax, exactly as the OpenMP runtime accepts it ("4", " 4 ", "4,2"); each
 * entry 1..max; *first gets the first. 0, or -1 with *why. */
int pk_parse_omp_threads(const char *s, uint64_t max, uint64_t *first, const char **why);
/* Parse a positive count (>= 1, <= max) for option `what`, reporting usage errors itself. */
int pk_parse_count_opt(const char *what, const char *arg, uint64_t max, uint64_t *out);
/* Seconds for option `what`: digits with an optional fraction and exponent (5, 0.25, 1e-3);
 * no sign, blanks, hex, inf or nan.  In [min, max], else a usage error naming the value and
 * the bound (reported here; returns PK_EXIT_USAGE).  PK_EXIT_OK and *out otherwise. */
int pk_parse_seconds(const char *what, const char *arg, double min, double max, double *out);

int pk_is_root(void);       /* rank 0, or not under MPI */
#endif
