/* parkit — the one abstraction: a kernel is a reduction over an index range.
 *
 * A kernel accumulates a partial result over [lo, hi) and partial results merge
 * associatively into the answer.  Backends (drivers/exec/backend_*.c) split a range into
 * pieces, call run() on each piece, and merge the partials in a fixed order; they
 * never know what a kernel computes.  Kernels never print, exit or call MPI. */
#ifndef PK_KERNEL_H
#define PK_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include "parkit.h"

/* 128-bit integers for sums that can pass 2^64 (a GCC/Clang extension; __extension__
 * keeps -Wpedantic quiet about it). */
__extension__ typedef __int128 pk_i128;
__extension__ typedef unsigned __int128 pk_u128;

/* The contract is libparkit's public one (include/parkit.h); these are its internal names. */
typedef parkit_status pk_status;
#define PK_OK PARKIT_OK
#define PK_ENOMEM PARKIT_ENOMEM
#define PK_EINVAL PARKIT_EINVAL
#define PK_EIO PARKIT_EIO
#define PK_ERANGE PARKIT_ERANGE
#define PK_EKERNEL PARKIT_EKERNEL

const char *pk_status_str(pk_status s);

#define PK_KERNEL_ORDERED PARKIT_KERNEL_ORDERED
typedef parkit_kernel pk_kernel;

#endif
