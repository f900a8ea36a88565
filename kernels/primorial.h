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


/* Bits a primorial of n needs, for refusing requests that cannot fit in memory. */
double pk_primorial_bits_estimate(uint64_t n);
#endif
