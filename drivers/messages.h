/* Messages: one line "parkit: ..." on stderr, printed once per job (messages.c). */
#ifndef PK_MESSAGES_H
#define PK_MESSAGES_H
#include <stddef.h>

enum { PK_EXIT_OK = 0, PK_EXIT_FAIL = 1, PK_EXIT_USAGE = 2 };

/* printed by rank 0 only under MPI (the launcher's rank 0 before MPI_Init), or kept for the
 * next agreement while deferring */
int pk_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* returns 2 */
int pk_runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* returns 1 */
/* A message of at most PK_MSG_MAX - 1 characters: a longer one (a 100 KB path) loses the
 * middle, keeping its start (what) and end (why). */
#define PK_MSG_MAX 1024
void pk_msg_fit(char *dst, size_t cap, const char *src);
/* "parkit: MSG" on stderr from this process, fitted to one line (no rank check). */
void pk_print_error(const char *msg);

/* A value (a path, an argument) as a message quotes it: at most PK_SHOWN_MAX - 1 characters,
 * the middle cut out of a longer one, so the message keeps its reason.  Returns a buffer of
 * this thread's, valid until its next call: one value per message. */
#define PK_SHOWN_MAX 200
const char *pk_shown(const char *value);
/* Under MPI, before the ranks agree: keep errors instead of printing them (every rank), so
 * an error that only some ranks meet (their own environment, their arguments) is printed
 * once by the agreement (pk_mpi_agree), which ends the deferral and takes the first kept
 * message. */
void pk_msg_defer(void);
const char *pk_msg_end_defer(void);   /* the kept message (valid until the next error), or NULL */
int pk_is_root(void);       /* rank 0, or not under MPI */
/* The reason of the first failed write to standard output (an errno value), kept by the
 * writers that see it (the report, --print) for the one error the program ends with. */
void pk_stdout_failed(int err);
int pk_stdout_errno(void);
void pk_flush_stdout(void);   /* fflush(stdout), keeping the reason when it fails */
#endif
