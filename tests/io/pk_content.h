/* The deterministic content pk_testserver serves at /f/...: byte i of PATH depends only on
 * (PATH, i), so a test can check any download, or any Range of it, without a reference file. */
#ifndef PK_CONTENT_H
#define PK_CONTENT_H
#include <stddef.h>
#include <stdint.h>

static inline uint64_t pk_content_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The seed of a URL path (without the query). */
static inline uint64_t pk_content_seed(const char *path)
{
    uint64_t h = 1469598103934665603ull;
    for (; *path; path++)
        h = (h ^ (unsigned char)*path) * 1099511628211ull;
    return h;
}

/* The seed of version V of a path's content (version 0: pk_content_seed). */
static inline uint64_t pk_content_seed_v(const char *path, uint64_t version)
{
    return pk_content_seed(path) ^ (version ? pk_content_mix(version) : 0);
}

/* Bytes [off, off+n) of the content with this seed: byte a is byte (a % 8) of the 64-bit
 * word mix(seed + (a / 8) * golden), little end first.  One mix per 8 bytes. */
static inline void pk_content_fill(uint64_t seed, uint64_t off, char *buf, size_t n)
{
    size_t i = 0;
    while (i < n && ((off + i) & 7)) {   /* head, up to a word boundary */
        uint64_t a = off + i;
        buf[i++] = (char)(pk_content_mix(seed + (a >> 3) * 0x9e3779b97f4a7c15ull) >> (8 * (a & 7)));
    }
    for (; i + 8 <= n; i += 8) {          /* whole words */
        uint64_t w = pk_content_mix(seed + ((off + i) >> 3) * 0x9e3779b97f4a7c15ull);
        for (int k = 0; k < 8; k++)
            buf[i + (size_t)k] = (char)(w >> (8 * k));
    }
    for (; i < n; i++) {                  /* tail */
        uint64_t a = off + i;
        buf[i] = (char)(pk_content_mix(seed + (a >> 3) * 0x9e3779b97f4a7c15ull) >> (8 * (a & 7)));
    }
}
#endif
