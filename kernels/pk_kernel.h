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

/* 128-bit integers for sums that can pass 2^64 (a GCC/Clang extension; __extension__
 * keeps -Wpedantic quiet about it). */
__extension__ typedef __int128 pk_i128;
__extension__ typedef unsigned __int128 pk_u128;

typedef enum {
    PK_OK = 0,
    PK_ENOMEM,   /* an allocation failed */
    PK_EINVAL,   /* an argument is out of the kernel's domain */
    PK_EIO,      /* reading input failed */
    PK_ERANGE,   /* a result would not fit */
} pk_status;

const char *pk_status_str(pk_status s);

enum {
    /* merge() is order-sensitive beyond exact arithmetic (floating point): the backend
     * must cut pieces of exactly grain() indices aligned to 0, independent of the
     * number of workers, and combine them in one fixed tree over piece order. */
    PK_KERNEL_ORDERED = 1u << 0,
};

typedef struct pk_kernel {
    const char *name;
    size_t partial_size;                    /* bytes of one partial */
    unsigned flags;                         /* PK_KERNEL_* */
    /* Preferred piece length in indices for this context (never 0). */
    uint64_t (*grain)(const void *ctx);
    /* Set *partial to the identity of merge. */
    void (*identity)(const void *ctx, void *partial);
    /* Accumulate indices [lo, hi) into *partial (which may already hold a value). */
    pk_status (*run)(const void *ctx, uint64_t lo, uint64_t hi, void *partial);
    /* *acc = *acc (+) *later, where *later covers indices after *acc's. */
    pk_status (*merge)(const void *ctx, void *acc, const void *later);
    /* Free what a partial owns (NULL when partials own nothing). */
    void (*release)(const void *ctx, void *partial);
    /* Optional (NULL = cost proportional to length): relative cost of [lo, hi), used
     * to balance ranks and to cut static pieces when numbers get dearer as they grow. */
    double (*cost)(const void *ctx, uint64_t lo, uint64_t hi);
    /* Optional, for partials that own memory (big integers): serialise for transport.
     * NULL means the partial is plain bytes of partial_size. */
    size_t (*pack_size)(const void *ctx, const void *partial);
    void (*pack)(const void *ctx, const void *partial, void *buf);
    /* *partial has been set to the identity before unpack. */
    pk_status (*unpack)(const void *ctx, void *partial, const void *buf, size_t len);
} pk_kernel;

#endif
