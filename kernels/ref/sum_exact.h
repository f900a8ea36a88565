/* kernels/ref: independent references used to verify the kernels, each by another method
 * than the kernel it checks.  This one checks sum --dtype f64. */
#ifndef PK_REF_SUM_EXACT_H
#define PK_REF_SUM_EXACT_H
#include <stdint.h>
#include "pk_kernel.h"

/* The non-finite terms of an array or partial, kept apart from the finite sum. */
typedef struct { uint64_t pinf, ninf, nan; } pk_sum_nonfinite;

/* An independent reference for an f64 array, by another method than the kernel: every
 * finite double's integer mantissa is added into a 128-bit bin for its exponent; the bins
 * are combined exactly with GMP (mpz) and rounded once to nearest even.  NaN when a term is
 * NaN or both infinities occur, +-inf for one sign of infinity (counts in *nf, if not NULL).
 * Serial, O(n); for verification. */
double pk_sum_f64_exact(const double *a, uint64_t n, pk_sum_nonfinite *nf);

/* The f64 verification: 1 when got is the reference's answer bit for bit (any NaN matches a
 * NaN); no tolerance, since both are the correctly rounded exact sum. */
int pk_sum_f64_matches(double got, double want);

/* An unsigned 128-bit integer rounded to the nearest double, ties to even (GMP). */
double pk_u128_to_double(pk_u128 v);
#endif
