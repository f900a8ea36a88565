/* The MPI environment as the rest of the driver sees it; every function works (as a
 * single process) in a build without MPI. */
#ifndef PK_MPI_ENV_H
#define PK_MPI_ENV_H
#include <stddef.h>

int pk_mpi_launched(void);                /* started by mpirun / srun (environment says so) */
int pk_mpi_init(int *argc, char ***argv);  /* 0 ok; MPI_Init_thread(FUNNELED) */
int pk_mpi_active(void);
int pk_mpi_was_active(void);               /* MPI was initialised at some time (maybe finalised since) */
void pk_mpi_finalize(void);
int pk_mpi_rank(void);                     /* before MPI_Init: the launcher's rank (environment) */
int pk_mpi_size(void);
const char *pk_mpi_library(void);          /* "Open MPI v4.1.4, ..." or "none" */
/* MPI_COMM_WORLD's rank and size when MPI is initialised (by parkit or the program) and not
 * finalised: 1; else 0 with rank 0 of 1. */
int pk_mpi_world(int *rank, int *size);
int pk_mpi_built(void);                    /* 1 when this build has the MPI backend */
void pk_mpi_barrier(void);
/* A failure inside a phase where other ranks may be waiting on this one (a collective, a
 * message exchange): print "parkit: rank R: ..." from this rank and end the whole job at once
 * (MPI_Abort; _exit in one process).  Never returns. */
void pk_mpi_abort(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* Collective agreement after a phase that may fail on some ranks: every rank passes its
 * local outcome (0 ok, else an exit code) and message; when any rank failed, the message of
 * the lowest failing rank is printed once (by rank 0) and every rank gets that exit code. */
int pk_mpi_agree(int local_code, const char *local_msg);
/* Make the next agreement that finds no rank failing fail with code and msg (printed once).
 * Collective in effect: every rank must register the same failure (msg: a static string). */
void pk_mpi_fail_at_next_agreement(int code, const char *msg);
/* 1 once an agreement has returned a failure (then every rank knows it). */
int pk_mpi_failure_agreed(void);
/* The smallest and largest v over the ranks (collective; v itself in one process). */
void pk_mpi_minmax_int(int v, int *min, int *max);
/* Gather `len` bytes from every rank into *all (rank order) on rank 0; *all is malloc'd
 * (on every rank; only rank 0's holds everything). Equal len on every rank. */
int pk_mpi_gather_lines(const char *mine, size_t len, char **all);
/* Rank and size as mpirun / srun announce them in the environment, for a process that has
 * not initialised MPI: -1 when not launched so (or not announced). */
int pk_launch_rank(void);
int pk_launch_size(void);
#endif
