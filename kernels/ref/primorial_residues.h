/* kernels/ref: the independent check of primorial. */
#ifndef PK_REF_PRIMORIAL_RESIDUES_H
#define PK_REF_PRIMORIAL_RESIDUES_H
#include <stddef.h>
#include <stdint.h>
#include "pk_kernel.h"
#include "pk_par.h"

/* N# mod m[j] for each j by multiplying the primes <= n one at a time (Montgomery form for
 * odd m): no product tree, no packing, no GMP, and primes from a plain odd-only sieve of
 * Eratosthenes of its own (not the kernel's enumeration, kernels/primes.c).  Blocks of the
 * sieve run as tasks on par (NULL: in order); the result does not depend on the threads.
 * m[j] in [1, 2^63), k <= 8.  PK_EINVAL for a bad modulus, PK_ENOMEM. */
pk_status pk_primorial_residues(uint64_t n, const uint64_t *m, size_t k, uint64_t *res,
                                const pk_par *par);
#endif
