/* primes: count (and sum) the primes in [A, N], N up to 2^64 - 1.
 * Index space: index i stands for the integer i + 1, so [A, N] is the index range
 * [max(A,1) - 1, N) and N = 2^64 - 1 needs no 2^64. */
#ifndef PK_PRIMES_H
#define PK_PRIMES_H
#include "pk_kernel.h"
#include "pk_par.h"

typedef enum { PK_PRIMES_SIEVE = 0, PK_PRIMES_TRIAL, PK_PRIMES_NAIVE } pk_primes_algo;

typedef struct {
    pk_primes_algo algo;
    int want_sum;            /* also accumulate the 128-bit sum of the primes */
    uint64_t n_max;          /* largest integer any run will see */
    uint32_t *small;         /* sieving primes <= floor(sqrt(n_max)), ascending (setup) */
    size_t nsmall;
    unsigned seg_log;        /* sieve segments of 2^seg_log bytes, 15..20; 0 (setup's choice):
                                this machine's L2 cache size (pk_sieve_seg_log in sieve.h) */
} pk_primes_ctx;

__extension__ typedef struct { uint64_t count; pk_u128 sum; } pk_primes_partial;

/* Setup (timed apart from the kernel): the sieving / trial-division primes up to sqrt(n_max). */
pk_status pk_primes_setup(pk_primes_ctx *ctx, pk_primes_algo algo, uint64_t n_max, int want_sum);
/* The same, the sieving primes found on par's threads when there are many (N >= 7.2e16);
 * par NULL: one thread. */
pk_status pk_primes_setup_par(pk_primes_ctx *ctx, pk_primes_algo algo, uint64_t n_max, int want_sum,
                              const pk_par *par);
void pk_primes_free(pk_primes_ctx *ctx);

/* Map the integer interval [a, n] (a <= n) to the kernel's index range. */
void pk_primes_index_range(uint64_t a, uint64_t n, uint64_t *lo, uint64_t *hi);

extern const pk_kernel pk_primes_kernel;   /* partial: pk_primes_partial */

/* Every prime in [a, b] in ascending order, handed over in batches; stops early and returns
 * that value when cb returns non-zero. Uses ctx->algo. Returns 0 when done, -1 when b > n_max
 * (sieve / trial) or memory runs out. */
typedef int (*pk_primes_cb)(const uint64_t *primes, size_t n, void *arg);
int pk_primes_foreach(const pk_primes_ctx *ctx, uint64_t a, uint64_t b, pk_primes_cb cb, void *arg);

/* Known values of pi(x) (x = 10^k up to 10^19, and others) for verification; returns 1 and sets
 * *pi when x is in the table. */
int pk_primes_known_pi(uint64_t x, uint64_t *pi);
#endif
