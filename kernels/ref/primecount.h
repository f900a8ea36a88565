/* An independent prime count for verification: the Lucy_Hedgehog / Legendre-style
 * combinatorial count pi(x) (and the sum of primes <= x) in O(x^(3/4)) time and
 * O(sqrt x) memory. Shares no code with the sieve. */
#ifndef PK_PRIMECOUNT_H
#define PK_PRIMECOUNT_H
#include "pk_kernel.h"

/* pi(x) and, when sum is not NULL, the sum of the primes <= x (x <= 10^15). */
pk_status pk_prime_count_combinatorial(uint64_t x, uint64_t *count, pk_u128 *sum);
/* Rough operation count of the above, to decide whether it is affordable. */
double pk_prime_count_combinatorial_cost(uint64_t x);
#endif
