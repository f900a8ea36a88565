/* primorial: N# = the product of all primes <= N, exact, with GMP.
 * Index space as in primes.h (index i = integer i + 1). A partial is an mpz_t holding the
 * product of the primes in its range: primes are packed several to a 64-bit word, then
 * multiplied in a balanced product tree; pieces merge by multiplication. */
#ifndef PK_PRIMORIAL_H
#define PK_PRIMORIAL_H
#include <gmp.h>
#include "pk_kernel.h"
#include "primes.h"
#include "pk_par.h"

typedef struct {
    pk_primes_ctx primes;   /* primes.algo says how primes are found */
    /* Threads lent for the big multiplications of merge (NULL after setup: one thread).  A
     * merge with idle threads (the top of the merge tree) splits its product over them. */
    const pk_par *par;
} pk_primorial_ctx;

pk_status pk_primorial_setup(pk_primorial_ctx *ctx, pk_primes_algo algo, uint64_t n);
void pk_primorial_free(pk_primorial_ctx *ctx);

extern const pk_kernel pk_primorial_kernel;   /* partial: mpz_t */


/* Bits a primorial of n needs, for refusing requests that cannot fit in memory. */
double pk_primorial_bits_estimate(uint64_t n);
#endif
