/* Command-line plumbing shared by every parkit command. */
#ifndef PK_CLI_H
#define PK_CLI_H
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include "exec.h"

typedef enum { PK_FMT_TEXT = 0, PK_FMT_CSV, PK_FMT_JSON } pk_format;

typedef struct pk_cli {
    pk_exec exec;
    int repeat, warmup;
    int repeat_auto;            /* --repeat auto (default): timed runs until budget seconds or
                                   repeat runs, whichever first */
    double budget;              /* --budget SECONDS (default 1) */
    char klass;                 /* --class S|W|A|B|C, or 0 */
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

/* Problem-size classes, as NAS does (classes.c): N of class S|W|A|B|C for a kernel command;
 * 0, or -1 when the command or the class has none. */
int pk_class_n(const char *cmd, char klass, uint64_t *n);
/* " S=1e7 W=1e9 ..." for --help, or NULL when the command has no classes. */
const char *pk_class_list(const char *cmd);
/* Defaults of --repeat auto: at most this many timed runs, within this many seconds. */
#define PK_REPEAT_AUTO_MAX 10
#define PK_REPEAT_AUTO_BUDGET 1.0

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
    const struct pk_layout *layout;   /* the CSV columns of its rows; NULL: pk_kernel_layout */
    int (*handoff)(char **argv);      /* set: the command runs in another program (fetch) */
} pk_command;

/* The command line for a NULL-terminated table of commands: argv[1] names the command.
 * Initialises MPI under a launcher, parses the common options, resolves the execution, runs
 * the command, agrees on the outcome across ranks; the exit code (cli_main.c). */
int pk_cli_main(const pk_command *const *commands, int argc, char **argv);
/* One command as a whole program: "PROGRAM [args] [options]" (parkit_main). */
int pk_cli_main_one(const pk_command *cmd, int argc, char **argv);
/* Run from a program's .preinit_array (drivers/main.c): checks OMP_NUM_THREADS before the
 * OpenMP runtime reads it, and catches the runtime's start-up warnings. */
void pk_cli_preinit(int argc, char **argv, char **envp);

/* fetch's line in `parkit --help`, shared by parkit and parkit-fetch */
#define PK_FETCH_SUMMARY "download URLs sequentially, with a thread pool or with libcurl's multi interface"

#include "messages.h"
#include "parse.h"
#endif
