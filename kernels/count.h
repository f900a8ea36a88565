/* count: the plain counting loop (result += 1, N times). Known answer: N. */
#ifndef PK_COUNT_H
#define PK_COUNT_H
#include "pk_kernel.h"

typedef struct { uint64_t n; } pk_count_ctx;   /* index range [0, n) */

/* Counts hi - lo by running the loop for real (an optimisation barrier keeps it). */
uint64_t pk_count_range(uint64_t lo, uint64_t hi);

extern const pk_kernel pk_count_kernel;        /* partial: uint64_t */
#endif
