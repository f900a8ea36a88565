/* sum: chunked sum of an in-memory array.
 * i64: exact, signed 128-bit accumulation.  f64: exact accumulation (xsum.h) in pieces of
 * PK_SUM_F64_BLOCK elements, merged exactly, rounded once: the correctly rounded sum, so the
 * result is the same for any number of threads or ranks and any split. */
#ifndef PK_SUM_H
#define PK_SUM_H
#include "pk_kernel.h"
#include "xsum.h"

typedef enum { PK_DTYPE_I64 = 0, PK_DTYPE_F64 = 1 } pk_dtype;

#define PK_SUM_F64_BLOCK ((uint64_t)1 << 16)

typedef struct {
    const void *data;   /* element i of the range lives at data[i - base] */
    uint64_t base;
} pk_sum_ctx;

typedef struct { pk_i128 s; } pk_sum_i64_partial;
typedef pk_xsum pk_sum_f64_partial;   /* exact; value = pk_sum_f64_value() */

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

/* f64 value of a finished partial: the exact sum rounded to nearest even (pk_xsum_round). */
double pk_sum_f64_value(const pk_sum_f64_partial *p);

#endif
