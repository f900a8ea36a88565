/* Force-included (-include) into kernels/primorial.c for the test program
 * parkit_fault_primorial only (tests/cli/CMakeLists.txt): the prime enumeration the kernel
 * takes its primes from (pk_primes_foreach, shared with every primes command) silently loses
 * the prime PK_FAULT_PRIME.  The independent check must notice (tests/cli/primorial_tests.sh
 * group fault); the old check, which enumerated through pk_primes_foreach too, would not. */
#ifndef PK_FAULT_SKIP_PRIME_H
#define PK_FAULT_SKIP_PRIME_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "primes.h"

#ifndef PK_FAULT_PRIME
#define PK_FAULT_PRIME 7919
#endif

typedef struct {
    pk_primes_cb cb;
    void *arg;
} pk_fault_wrap;

static int pk_fault_cb(const uint64_t *p, size_t n, void *arg)
{
    pk_fault_wrap *w = arg;
    for (size_t i = 0; i < n; i++)
        if (p[i] == PK_FAULT_PRIME) {   /* the batch without that prime */
            int rc = i ? w->cb(p, i, w->arg) : 0;
            if (rc)
                return rc;
            return n - i - 1 ? w->cb(p + i + 1, n - i - 1, w->arg) : 0;
        }
    return w->cb(p, n, w->arg);
}

static inline int pk_fault_foreach(const pk_primes_ctx *ctx, uint64_t a, uint64_t b, pk_primes_cb cb,
                                   void *arg)
{
    pk_fault_wrap w = {cb, arg};
    return pk_primes_foreach(ctx, a, b, pk_fault_cb, &w);
}
#define pk_primes_foreach pk_fault_foreach
#endif
