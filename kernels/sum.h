/* sum: chunked sum of an in-memory array.
 * i64: exact, signed 128-bit accumulation.  f64: Neumaier-compensated sums over fixed
 * blocks of PK_SUM_F64_BLOCK elements, combined in one fixed tree (PK_KERNEL_ORDERED),
 * so the result is bit-identical for any number of threads or ranks. */
#ifndef PK_SUM_H
#define PK_SUM_H
#include "pk_kernel.h"

typedef enum { PK_DTYPE_I64 = 0, PK_DTYPE_F64 = 1 } pk_dtype;

#define PK_SUM_F64_BLOCK ((uint64_t)1 << 16)

typedef struct {
    const void *data;   /* element i of the range lives at data[i - base] */
    uint64_t base;
} pk_sum_ctx;

typedef struct { pk_i128 s; } pk_sum_i64_partial;
typedef struct { double s, c; } pk_sum_f64_partial;   /* value = s + c */

extern const pk_kernel pk_sum_i64_kernel;
extern const pk_kernel pk_sum_f64_kernel;

/* a[i - base] = i + 1 for i in [lo, hi): the tutorial's array, filled by each worker
 * on its own part (first touch). */
void pk_sum_fill_i64(int64_t *a, uint64_t base, uint64_t lo, uint64_t hi);
void pk_sum_fill_f64(double *a, uint64_t base, uint64_t lo, uint64_t hi);

/* First touch as a kernel: run() fills its piece (a[i - base] = i + 1), so the array is
 * written by the same threads, in the same pieces, that will later sum it. The partial is a
 * dummy byte. */
typedef struct { void *data; uint64_t base; pk_dtype dtype; } pk_sum_fill_ctx;
extern const pk_kernel pk_sum_fill_kernel;

/* Closed form n(n+1)/2 as an unsigned 128-bit integer. */
pk_u128 pk_sum_closed_form(uint64_t n);

/* f64 value of a finished partial. */
double pk_sum_f64_value(const pk_sum_f64_partial *p);

/* An independent reference for an f64 array: exact accumulation of every double into
 * per-exponent 128-bit bins, combined with GMP and rounded once to nearest; *sum_abs (if
 * not NULL) gets the sum of |a[i]| for an error bound.  Serial; for verification. */
double pk_sum_f64_exact(const double *a, uint64_t n, double *sum_abs);
#endif
