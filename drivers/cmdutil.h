/* Small helpers shared by the kernel commands. */
#ifndef PK_CMDUTIL_H
#define PK_CMDUTIL_H
#include <stdint.h>
#include "cli.h"
#include "measure.h"
#include "report.h"

/* Parse a positional number, or print a usage error naming cmd and what (returns 2). */
int pk_arg_u64(const char *cmd, const char *what, const char *arg, uint64_t *out);
/* Exactly one positional N. */
int pk_one_n(const char *cmd, int argc, char **argv, uint64_t *n);
/* Decimal text of 128-bit integers (buf >= 41 bytes). */
char *pk_u128_str(pk_u128 v, char *buf);
char *pk_i128_str(pk_i128 v, char *buf);
/* Bytes of memory available now (MemAvailable), or 0 when unknown. */
uint64_t pk_mem_available(void);
/* "7.45 GiB" */
const char *pk_bytes_str(double bytes, char *buf, size_t len);
/* Emit the record and turn the outcome into an exit code: 1 when verification failed or the
 * report could not be written. Frees the record. */
int pk_finish(const pk_cli *cli, pk_record *r);
/* The end of a phase that may fail on some ranks only (setup, reading input): every rank
 * passes its outcome (0, or an exit code with a message); under MPI the message of the lowest
 * failing rank is printed once and every rank returns its code, so no rank is left waiting
 * in the next collective.  Collective: every rank must call it.  Without MPI: prints and
 * returns the code. */
int pk_agree(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
