/* A user's problem (include/parkit.h) run as a parkit command (problem.c). */
#ifndef PK_PROBLEM_H
#define PK_PROBLEM_H
#include "cli.h"
#include "parkit.h"

/* NULL when the problem can be run, else why not ("it lacks setup, describe or verify"). */
const char *pk_problem_check(const parkit_problem *p);
/* The kernel's part of it (parkit_run refuses such a kernel with PARKIT_EINVAL). */
const char *pk_kernel_check(const parkit_kernel *k);
/* Run problem p for the positional arguments ([N]) through the kernel command skeleton.
 * kernel: the kernel to run instead of p->kernel (a checking wrapper), with wrap_ctx making
 * its context from the problem's; NULL for p's own.  cmd names the command in messages. */
int pk_run_problem(const pk_cli *cli, const parkit_problem *p, const parkit_kernel *kernel,
                   const void *(*wrap_ctx)(const void *), const char *cmd, int argc, char **argv);
#endif
