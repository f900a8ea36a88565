/* Shared objects that break the contract of parkit.h, one per -DBAD_* (tests/lib/libparkit.sh):
 *   BAD_NO_ENTRY  exports no parkit_problem_v1        BAD_ABI     another ABI version
 *   BAD_STATUS    run() returns an error             BAD_OVERRUN run() writes past partial_size
 *   BAD_CRASH     run() dereferences NULL (rank 1 only under MPI: PARKIT_CRASH_RANK)
 *   BAD_GRAIN     grain() returns 0                   BAD_WRONG   run() adds one too many
 *   BAD_MERGE     merge() returns an error            BAD_ORDERED_PACK  ORDERED with pack/unpack
 *   (none)        a correct kernel: the sum of 0..N-1
 *   WITH_COST     (with any of the above) a cost() that grows with the index, so that under MPI
 *                 the range is dealt in chunks (backend_mpi.c); the partial then also
 *                 records the indices it covers, and a merge of partials that are not
 *                 adjacent, in order, spoils the sum (the answer fails verification)
 *   SLOW_RANK     (a correct kernel) run() naps 2 ms per call on the rank PARKIT_SLOW_RANK names:
 *                 a slow node, for the on-demand half of the chunks to go around */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <parkit.h>

#ifdef SLOW_RANK
/* this process is the rank PARKIT_SLOW_RANK names */
static int slow_rank(void)
{
    const char *r = getenv("PARKIT_SLOW_RANK");
    const char *mine = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK") : getenv("PMI_RANK");
    return r && mine && !strcmp(r, mine);
}
#endif

static parkit_status run(const void *ctx, uint64_t lo, uint64_t hi, void *partial)
{
    (void)ctx;
#ifdef BAD_STATUS
    if (lo > 0)
        return PARKIT_ERANGE;
#endif
#ifdef BAD_OVERRUN
    memset((char *)partial + sizeof(uint64_t), 0x11, 8);
#endif
#ifdef BAD_CRASH
    const char *r = getenv("PARKIT_CRASH_RANK");
    const char *mine = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK") : getenv("PMI_RANK");
    if (!r || (mine && !strcmp(r, mine)))
    {
        volatile int *volatile nowhere = NULL;
        *nowhere = 1;
    }
#endif
#ifdef SLOW_RANK
    if (slow_rank())
        nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
#endif
    uint64_t s = 0;
    for (uint64_t i = lo; i < hi; i++)
        s += i;
#ifdef BAD_WRONG
    s += lo == 0;
#endif
    *(uint64_t *)partial += s;
#ifdef WITH_COST
    uint64_t *p = partial;   /* {sum, lo, hi, used} */
    if (p[3] && p[2] != lo)
        p[0] += 1000000;
    if (!p[3])
        p[1] = lo;
    p[2] = hi, p[3] = 1;
#endif
    return PARKIT_OK;
}

static uint64_t grain(const void *ctx)
{
    (void)ctx;
#ifdef BAD_GRAIN
    return 0;
#else
    return 1000;
#endif
}
#ifdef WITH_COST
#define PARTIAL_SIZE (4 * sizeof(uint64_t))
#else
#define PARTIAL_SIZE sizeof(uint64_t)
#endif
static void identity(const void *ctx, void *p) { (void)ctx; memset(p, 0, PARTIAL_SIZE); }
static parkit_status merge(const void *ctx, void *acc, const void *later)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)later;
#ifdef WITH_COST
    uint64_t *a = acc;
    const uint64_t *b = later;
    if (a[3] && b[3] && a[2] != b[1])
        a[0] += 1000000;   /* not adjacent: merged out of order */
    if (b[3]) {
        if (!a[3])
            a[1] = b[1];
        a[2] = b[2], a[3] = 1;
    }
#endif
#ifdef BAD_MERGE
    return PARKIT_ERANGE;
#else
    return PARKIT_OK;
#endif
}
#ifdef WITH_COST
static double cost(const void *ctx, uint64_t lo, uint64_t hi)
{
    (void)ctx;
    return ((double)hi * hi - (double)lo * lo) / 2 + (double)(hi - lo);
}
#endif
#ifdef BAD_ORDERED_PACK
static size_t pack_size(const void *ctx, const void *p) { (void)ctx, (void)p; return 8; }
static void pack(const void *ctx, const void *p, void *buf) { (void)ctx; memcpy(buf, p, 8); }
static parkit_status unpack(const void *ctx, void *p, const void *buf, size_t len)
{
    (void)ctx, (void)len;
    memcpy(p, buf, 8);
    return PARKIT_OK;
}
#endif
static const parkit_kernel kernel = {.name = "sumi", .partial_size = PARTIAL_SIZE, .grain = grain,
                                     .identity = identity, .run = run, .merge = merge,
#ifdef WITH_COST
                                     .cost = cost,
#endif
#ifdef BAD_ORDERED_PACK
                                     .flags = PARKIT_KERNEL_ORDERED, .pack_size = pack_size, .pack = pack,
                                     .unpack = unpack,
#endif
};
typedef struct { uint64_t n; } state;
static parkit_status setup(void *s, uint64_t n, const void **ctx, uint64_t *lo, uint64_t *hi, const char **why)
{
    (void)why;
    ((state *)s)->n = n;
    *ctx = NULL;
    *lo = 0;
    *hi = n;
    return PARKIT_OK;
}
static void describe(void *s, const void *result, char *buf, size_t len)
{
    (void)s;
    snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)result);
}
static int verify(void *s, const void *result, const char **reference)
{
    uint64_t n = ((state *)s)->n;
    *reference = "n(n-1)/2";
    return *(const uint64_t *)result == (n % 2 ? n * ((n - 1) / 2) : (n / 2) * (n - 1));
}
static const parkit_problem problem = {
#ifdef BAD_ABI
    .abi = PARKIT_ABI_VERSION + 1,
#else
    .abi = PARKIT_ABI_VERSION,
#endif
    .name = "sumi", .summary = "sum of 0..N-1", .default_n = 1000000, .kernel = &kernel,
    .state_size = sizeof(state), .setup = setup, .describe = describe, .verify = verify,
};
#ifndef BAD_NO_ENTRY
PARKIT_EXPORT_PROBLEM(problem)
#else
const parkit_problem *another_name(void);
const parkit_problem *another_name(void) { return &problem; }
#endif
