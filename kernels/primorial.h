/* primorial: N# = the product of all primes <= N, exact, with GMP.
 * Index space as in primes.h (index i = integer i + 1). A partial is an mpz_t holding the
 * product of the primes in its range: primes are packed several to a 64-bit word, then
 * multiplied in a balanced product tree; pieces merge by multiplication. */
#ifndef PK_PRIMORIAL_H
#define PK_PRIMORIAL_H
#include <gmp.h>
#include "pk_kernel.h"
#include "primes.h"

typedef struct { pk_primes_ctx primes; } pk_primorial_ctx;   /* primes.algo says how primes are found */

pk_status pk_primorial_setup(pk_primorial_ctx *ctx, pk_primes_algo algo, uint64_t n);
void pk_primorial_free(pk_primorial_ctx *ctx);

extern const pk_kernel pk_primorial_kernel;   /* partial: mpz_t */

/* Independent check: N# mod m[j] for each j, by direct modular multiplication over the primes
 * (no product tree), m[j] < 2^63. */
pk_status pk_primorial_residues(const pk_primes_ctx *ctx, uint64_t n, const uint64_t *m, size_t k,
                                uint64_t *res);

/* Bits a primorial of n needs, for refusing requests that cannot fit in memory. */
double pk_primorial_bits_estimate(uint64_t n);
#endif
