/* isprime: deterministic Miller-Rabin for every n < 2^64. */
#ifndef PK_ISPRIME_H
#define PK_ISPRIME_H
#include "pk_kernel.h"

int pk_is_prime_u64(uint64_t n);   /* 1 prime, 0 not */

/* Range kernel over a list: index i tests nums[i] and writes verdict[i] (1 prime, 0 composite);
 * the partial counts the primes found (uint64_t). */
typedef struct { const uint64_t *nums; uint8_t *verdict; } pk_isprime_ctx;
extern const pk_kernel pk_isprime_kernel;
#endif
