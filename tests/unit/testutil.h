/* Helpers shared by the unit tests: a seeded generator and a brute-force primality oracle. */
#ifndef PK_TESTUTIL_H
#define PK_TESTUTIL_H
#include <stdint.h>

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
#endif
