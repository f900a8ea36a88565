/* A program that initialises MPI itself and runs a kernel through parkit_run in hybrid mode
 * (tests/lib/libparkit.sh): parkit must use MPI_COMM_WORLD as it is and leave MPI_Finalize to
 * the program.  Prints rank 0's sum of 0..N-1 and "ok" when it is n(n-1)/2 (and parkit_run
 * refused a bad kernel and a bad schedule with PARKIT_EINVAL). */
#include <mpi.h>
#include <stdio.h>
#include <parkit.h>

static parkit_status run(const void *ctx, uint64_t lo, uint64_t hi, void *p)
{
    (void)ctx;
    for (uint64_t i = lo; i < hi; i++)
        *(uint64_t *)p += i;
    return PARKIT_OK;
}
static uint64_t grain(const void *ctx) { (void)ctx; return 4096; }
static void identity(const void *ctx, void *p) { (void)ctx; *(uint64_t *)p = 0; }
static parkit_status merge(const void *ctx, void *a, const void *b)
{
    (void)ctx;
    *(uint64_t *)a += *(const uint64_t *)b;
    return PARKIT_OK;
}
static const parkit_kernel k = {.name = "sumi", .partial_size = 8, .grain = grain, .identity = identity,
                                .run = run, .merge = merge};

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int seen = parkit_ranks();   /* MPI initialised by the program, not yet used by parkit */
    const uint64_t n = 10000000;
    parkit_exec ex = {.mode = PARKIT_MODE_HYBRID, .threads = 2, .schedule = PARKIT_SCHED_DYNAMIC};
    uint64_t r = 0;
    /* a kernel parkit_main would refuse, and a schedule out of range: PARKIT_EINVAL, at once */
    parkit_kernel bad = k;
    bad.partial_size = 0;
    parkit_exec badex = ex;
    badex.schedule = (parkit_schedule)7;
    int refused = parkit_run(&bad, NULL, 0, n, &ex, &r, NULL) == PARKIT_EINVAL &&
                  parkit_run(&k, NULL, 0, n, &badex, &r, NULL) == PARKIT_EINVAL;
    parkit_status s = parkit_run(&k, NULL, 0, n, &ex, &r, NULL);
    /* MPI still usable after parkit_run: parkit must not have finalised it */
    int alive = 0;
    MPI_Allreduce(&size, &alive, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s ranks=%d/%d sum=%llu %s\n", parkit_status_str(s), parkit_ranks(), alive / size,
               (unsigned long long)r, s == PARKIT_OK && r == n * (n - 1) / 2 && parkit_ranks() == size && seen == size && refused ? "ok" : "WRONG");
    MPI_Finalize();
    return 0;
}
