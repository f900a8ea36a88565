/* A histogram on libparkit, with a partial that grows: how many k in [1, N] have exactly j
 * distinct prime factors (omega(k) = j), by trial division.  The partial owns a heap array
 * whose length is the largest omega seen, so it travels between MPI ranks through pack and
 * unpack, and is freed by release.  Numbers cost more as they grow (trial division up to
 * sqrt(k)): cost() tells parkit, which balances the ranks' shares by it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parkit.h>

typedef struct { uint64_t *bins; uint64_t len; } hist;
typedef struct { uint64_t n; uint32_t *primes; size_t nprimes; } state;

static parkit_status bump(hist *h, uint64_t j, uint64_t by)
{
    if (j >= h->len) {
        uint64_t *b = realloc(h->bins, (j + 1) * sizeof *b);
        if (!b)
            return PARKIT_ENOMEM;
        memset(b + h->len, 0, (j + 1 - h->len) * sizeof *b);
        h->bins = b;
        h->len = j + 1;
    }
    h->bins[j] += by;
    return PARKIT_OK;
}

static parkit_status run(const void *ctx, uint64_t lo, uint64_t hi, void *partial)
{
    const state *s = ctx;
    for (uint64_t k = lo; k < hi; k++) {
        uint64_t m = k, w = 0;
        for (size_t i = 0; i < s->nprimes && (uint64_t)s->primes[i] * s->primes[i] <= m; i++)
            if (m % s->primes[i] == 0) {
                w++;
                while (m % s->primes[i] == 0)
                    m /= s->primes[i];
            }
        w += m > 1;
        if (bump(partial, w, 1) != PARKIT_OK)
            return PARKIT_ENOMEM;
    }
    return PARKIT_OK;
}

static uint64_t grain(const void *ctx) { (void)ctx; return 1u << 14; }
static void identity(const void *ctx, void *p) { (void)ctx; *(hist *)p = (hist){0}; }
static parkit_status merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    const hist *l = later;
    for (uint64_t j = l->len; j-- > 0;)   /* the top bin first: one allocation */
        if (bump(acc, j, l->bins[j]) != PARKIT_OK)
            return PARKIT_ENOMEM;
    return PARKIT_OK;
}
static void release(const void *ctx, void *p) { (void)ctx; free(((hist *)p)->bins); }
static double cost(const void *ctx, uint64_t lo, uint64_t hi)
{
    (void)ctx;
    return (double)(hi - lo) * sqrt((double)lo / 2 + (double)hi / 2);
}
/* on the wire: len, then len bins (64-bit, this machine's byte order) */
static size_t pack_size(const void *ctx, const void *p)
{
    (void)ctx;
    return (1 + ((const hist *)p)->len) * sizeof(uint64_t);
}
static void pack(const void *ctx, const void *p, void *buf)
{
    (void)ctx;
    const hist *h = p;
    memcpy(buf, &h->len, sizeof h->len);
    if (h->len)
        memcpy((uint64_t *)buf + 1, h->bins, h->len * sizeof *h->bins);
}
static parkit_status unpack(const void *ctx, void *p, const void *buf, size_t len)
{
    (void)ctx;
    uint64_t n;
    if (len < sizeof n)
        return PARKIT_EIO;
    memcpy(&n, buf, sizeof n);
    if (len != (1 + n) * sizeof n)
        return PARKIT_EIO;
    for (uint64_t j = n; j-- > 0;) {
        uint64_t v;
        memcpy(&v, (const uint64_t *)buf + 1 + j, sizeof v);
        if (bump(p, j, v) != PARKIT_OK)
            return PARKIT_ENOMEM;
    }
    return PARKIT_OK;
}

static const parkit_kernel kernel = {
    .name = "omega", .partial_size = sizeof(hist), .grain = grain, .identity = identity, .run = run,
    .merge = merge, .release = release, .cost = cost, .pack_size = pack_size, .pack = pack, .unpack = unpack,
};

/* primes up to r (Eratosthenes), for the kernel's trial division and for verify */
static uint32_t *primes_upto(uint64_t r, size_t *np)
{
    char *c = calloc(r + 1, 1);
    uint32_t *p = malloc((r / 2 + 2) * sizeof *p);
    size_t n = 0;
    if (c && p)
        for (uint64_t i = 2; i <= r; i++)
            if (!c[i]) {
                p[n++] = (uint32_t)i;
                for (uint64_t j = i * i; j <= r; j += i)
                    c[j] = 1;
            }
    free(c);
    *np = n;
    return c && p ? p : (free(p), NULL);
}

static parkit_status setup(void *vs, uint64_t n, const void **ctx, uint64_t *lo, uint64_t *hi, const char **why)
{
    state *s = vs;
    if (n == 0 || n > 4000000000ULL) {
        *why = "N must be between 1 and 4e9";
        return PARKIT_EINVAL;
    }
    s->n = n;
    if (!(s->primes = primes_upto((uint64_t)sqrt((double)n) + 1, &s->nprimes)))
        return PARKIT_ENOMEM;
    *ctx = s;
    *lo = 1;
    *hi = n + 1;
    return PARKIT_OK;
}

static void describe(void *vs, const void *result, char *buf, size_t len)
{
    (void)vs;
    const hist *h = result;
    size_t used = 0;
    buf[0] = 0;
    for (uint64_t j = 0; j < h->len && used < len; j++)
        used += (size_t)snprintf(buf + used, len - used, "%s%llu:%llu", j ? " " : "", (unsigned long long)j,
                                 (unsigned long long)h->bins[j]);
}

/* independent of the kernel: the histogram holds N numbers, and its total of omega equals
 * the sum over primes p <= N of floor(N / p) (p divides that many of 1..N) */
static int verify(void *vs, const void *result, const char **reference)
{
    const state *s = vs;
    const hist *h = result;
    uint64_t count = 0, total = 0, want = 0;
    for (uint64_t j = 0; j < h->len; j++) {
        count += h->bins[j];
        total += j * h->bins[j];
    }
    size_t np;
    uint32_t *p = primes_upto(s->n, &np);
    *reference = "N numbers, and sum of omega = sum over primes p <= N of floor(N/p)";
    if (!p)
        return 0;
    for (size_t i = 0; i < np; i++)
        want += s->n / p[i];
    free(p);
    return count == s->n && total == want;
}

static void teardown(void *vs) { free(((state *)vs)->primes); }

static const parkit_problem problem = {
    .abi = PARKIT_ABI_VERSION, .name = "omega",
    .summary = "histogram of omega(k), the number of distinct prime factors, for k = 1..N (a partial of variable size)",
    .n_help = "the largest k", .default_n = 2000000, .kernel = &kernel, .state_size = sizeof(state),
    .setup = setup, .describe = describe, .verify = verify, .teardown = teardown,
};
PARKIT_EXPORT_PROBLEM(problem)

#ifndef PARKIT_MODULE
int main(int argc, char **argv) { return parkit_main(&problem, argc, argv); }
#endif
