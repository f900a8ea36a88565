/* Helpers shared by the unit tests: a seeded generator, a brute-force primality oracle and a
 * fake parallel runner. */
#ifndef PK_TESTUTIL_H
#define PK_TESTUTIL_H
#include <stddef.h>
#include <stdint.h>

#include "pk_par.h"

/* splitmix64: a fixed seed gives the same sequence on every run */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* trial division by every odd d <= sqrt(x): slow, obviously right */
static inline int brute_is_prime(uint64_t x)
{
    if (x < 2)
        return 0;
    if (x % 2 == 0)
        return x == 2;
    for (uint64_t d = 3; d * d <= x; d += 2)
        if (x % d == 0)
            return 0;
    return 1;
}

/* A runner that claims *width threads but runs the tasks one by one, last first: the plans
 * for that many threads without threads (and without an order to lean on). */
static inline int fake_par_width(const pk_par *p)
{
    return *(const int *)p->env;
}

static inline int fake_par_run(const pk_par *p, size_t n, pk_par_fn fn, void *arg)
{
    (void)p;
    int rc = 0;
    for (size_t i = n; i-- > 0;)
        if (fn(arg, i) != 0)
            rc = 1;
    return rc;
}

static inline pk_par fake_par(int *width)
{
    return (pk_par){.width = fake_par_width, .run = fake_par_run, .env = width};
}
#endif
