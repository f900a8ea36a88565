/* kernels/ref: the independent check of primorial. */
#ifndef PK_REF_PRIMORIAL_RESIDUES_H
#define PK_REF_PRIMORIAL_RESIDUES_H
#include <stddef.h>
#include <stdint.h>
#include "primes.h"

/* N# mod m[j] for each j by multiplying the primes <= n one at a time (Montgomery form for
 * odd m): no product tree, no packing, no GMP; m[j] in [1, 2^63).  The primes come from
 * ctx's enumeration (pk_primes_foreach).  PK_EINVAL for n > ctx->n_max or a bad modulus. */
pk_status pk_primorial_residues(const pk_primes_ctx *ctx, uint64_t n, const uint64_t *m, size_t k,
                                uint64_t *res);
#endif
