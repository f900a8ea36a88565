/* What every kernel command shares (command.c): the run skeleton with its phase hooks,
 * positional arguments, agreement across ranks, finishing a report, and small formatting. */
#ifndef PK_COMMAND_H
#define PK_COMMAND_H
#include <stdint.h>
#include "cli.h"
#include "measure.h"
#include "report.h"
#include "primes.h"

/* Parse a positional number, or print a usage error naming cmd and what (returns 2). */
int pk_arg_u64(const char *cmd, const char *what, const char *arg, uint64_t *out);
/* Exactly one positional N, or a usage error naming cmd. */
int pk_arg_n(const char *cmd, int argc, char **argv, uint64_t *n);
/* Decimal text of 128-bit integers (buf >= 41 bytes). */
char *pk_u128_str(pk_u128 v, char *buf);
char *pk_i128_str(pk_i128 v, char *buf);
/* Bytes of memory available now (MemAvailable), or 0 when unknown. */
uint64_t pk_mem_available(void);
/* "7.45 GiB" */
const char *pk_bytes_str(double bytes, char *buf, size_t len);
/* Emit the record and turn the outcome into an exit code: 1 when verification failed or the
 * report could not be written. Frees the record. */
int pk_report_finish(const pk_cli *cli, pk_record *r);
/* The end of a phase that may fail on some ranks only (setup, reading input): every rank
 * passes its outcome (0, or an exit code with a message); under MPI the message of the lowest
 * failing rank is printed once and every rank returns its code, so no rank is left waiting
 * in the next collective.  Collective: every rank must call it.  Without MPI: prints and
 * returns the code. */
int pk_agree(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --algo sieve|trial|naive of primes and primorial: parse (a usage error naming cmd) and name. */
int pk_parse_algo(const char *cmd, const char *arg, pk_primes_algo *algo);
const char *pk_algo_name(pk_primes_algo a);

/* ---- the kernel command skeleton ----
 * A command parses its arguments, then hands its phases to pk_run_kernel_command, which
 * times the setup and agrees on its outcome across ranks, runs the kernel through the
 * backends (warm-ups, repeats), gathers side outputs, describes and verifies the result on
 * rank 0 and reports it.  The command file holds only what is particular to its kernel. */
typedef struct pk_kernel_job {
    const pk_kernel *kernel;
    const void *ctx;
    uint64_t lo, hi;   /* the index range the backends split */
    uint64_t n;        /* the problem size the report names */
} pk_kernel_job;

typedef struct pk_kernel_phases {
    const char *name;   /* the report's kernel name, and the prefix of messages */
    /* Every rank: build the job (allocate, sieve, read); timed as setup.  PK_OK, or a status
     * (the message names it, or *why when set).  Required, unless setup_agreed is given. */
    pk_status (*setup)(void *state, pk_kernel_job *job, const char **why);
    /* Instead of setup, for a setup with collectives of its own (sum's scatter, MPI-IO
     * reads): it agrees on every failure itself (pk_agree) and returns the exit code. */
    int (*setup_agreed)(void *state, pk_kernel_job *job);
    /* Every rank, after the run: collective side outputs (isprime's verdicts).  Optional. */
    pk_status (*gather)(void *state, const pk_exec *exec);
    /* Rank 0: the result string, kernel-specific fields and the rate.  Required. */
    void (*describe)(void *state, const pk_kernel_job *job, const void *result, pk_record *r);
    /* Rank 0: compare with an independent reference, named in the record's "reference";
     * 1 verified, 0 not.  Required. */
    int (*verify)(void *state, const pk_kernel_job *job, const void *result, pk_record *r);
    /* Every rank: release what setup made, after success or failure.  Optional. */
    void (*teardown)(void *state);
} pk_kernel_phases;

/* What a run that failed with PK_EKERNEL did wrong, for its message (parkit run's checks). */
void pk_set_fault_reason(const char *(*fn)(void));
/* Run one kernel command through its phases; the exit code (0, 1 failed or not verified). */
int pk_run_kernel_command(const pk_cli *cli, const pk_kernel_phases *ph, void *state);
#endif
