/* xsum: exact summation of doubles, rounded once (correctly, to nearest even).
 *
 * pk_xsum is a fixed-point superaccumulator over the whole double range: every finite double
 * is an integer multiple of 2^-1074 below 2^1024, so a sum of up to 2^64 of them is an
 * integer multiple of 2^-1074 below 2^1088.  It is held as PK_XSUM_DIGITS signed 64-bit
 * digits of radix 2^32 in carry-save form:
 *
 *     value = sum_i d[i] * 2^(32 i - 1074)
 *
 * Each add puts a piece below 2^32 into at most two neighbouring digits per 32 bits of the
 * addend, so 2^30 adds fit before the carries must be propagated (pk_xsum_normalize).
 * Infinities and NaNs are counted apart.  Adds and merges are exact, hence associative and
 * commutative: the rounded value does not depend on the order, the split into pieces, the
 * number of threads or of ranks.  A pk_xsum is plain bytes (it can travel over MPI).
 * The algorithm and its proof are in doc comments of xsum.c. */
#ifndef PK_XSUM_H
#define PK_XSUM_H
#include <stddef.h>
#include <stdint.h>

#define PK_XSUM_DIGITS 68   /* 68 * 32 = 2176 bits >= 1088 + 1074 + sign and carries */

typedef struct {
    int64_t d[PK_XSUM_DIGITS];
    uint64_t pending;            /* adds since the last normalisation */
    uint64_t pinf, ninf, nan;    /* non-finite terms */
} pk_xsum;

void pk_xsum_init(pk_xsum *x);
/* x += v, exactly (any double: infinities and NaNs are counted). */
void pk_xsum_add(pk_xsum *x, double v);
/* x += a[0] + ... + a[n-1], exactly: a vectorised two-level fixed-point split with an exact
 * fallback; the cost of a plain sum for ordinary data (see xsum.c). */
void pk_xsum_add_array(pk_xsum *x, const double *a, size_t n);
/* x += y, exactly. */
void pk_xsum_merge(pk_xsum *x, const pk_xsum *y);
/* Propagate carries: d[i] in [0, 2^32) for i < top, the sign in the top digit. */
void pk_xsum_normalize(pk_xsum *x);
/* The sum rounded to the nearest double, ties to even (overflow gives +-inf); NaN when a term
 * is NaN or both +inf and -inf occur; +-inf when only one sign of infinity occurs.
 * An exact zero is +0. */
double pk_xsum_round(const pk_xsum *x);
#endif
