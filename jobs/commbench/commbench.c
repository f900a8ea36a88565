/* commbench: the two collectives parkit's MPI backend uses, timed OSU-style.
 *
 * For each message size m (bytes per rank) it times MPI_Scatter (root sends m bytes to every
 * rank) and MPI_Reduce (m/8 uint64 summed onto the root). Each size gets warm-up iterations that
 * are discarded, then timed iterations with a barrier before each one; every rank's mean time is
 * reduced to min / avg / max over ranks. Output is CSV with '#' comment lines (gnuplot-ready):
 *
 *   op,ranks,bytes,iters,t_min,t_avg,t_max
 *
 * Usage: commbench [--max-bytes B] [--iters I] [--warmup W]
 * The α–β fit (t = α + β·m per tree level) is done by results/model.py, not here. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long parse_opt(const char *name, const char *val, long lo, long hi)
{
    char *end = NULL;
    long v = val ? strtol(val, &end, 10) : 0;
    if (!val || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "commbench: %s: expected an integer in [%ld, %ld], got \"%s\"\n", name, lo, hi,
                val ? val : "");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    return v;
}

typedef enum { OP_SCATTER, OP_REDUCE } op_kind;

/* Mean seconds per call of one collective, as seen by this rank. */
static double time_op(op_kind op, size_t bytes, int iters, int warmup, uint8_t *sendbuf, uint8_t *recvbuf)
{
    double total = 0.0;
    int count64 = (int)(bytes / 8 ? bytes / 8 : 1);
    for (int i = 0; i < warmup + iters; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        if (op == OP_SCATTER)
            MPI_Scatter(sendbuf, (int)bytes, MPI_BYTE, recvbuf, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
        else
            MPI_Reduce(sendbuf, recvbuf, count64, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
        double dt = MPI_Wtime() - t0;
        if (i >= warmup)
            total += dt;
    }
    return total / iters;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long max_bytes = 1L << 22, iters = 200, warmup = 20;
    for (int i = 1; i < argc; i++) {
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--max-bytes"))
            max_bytes = parse_opt("--max-bytes", val, 8, 1L << 28), i++;
        else if (!strcmp(argv[i], "--iters"))
            iters = parse_opt("--iters", val, 1, 1000000), i++;
        else if (!strcmp(argv[i], "--warmup"))
            warmup = parse_opt("--warmup", val, 0, 1000000), i++;
        else {
            if (rank == 0)
                fprintf(stderr, "usage: commbench [--max-bytes B] [--iters I] [--warmup W]\n");
            MPI_Finalize();
            return 2;
        }
    }

    /* The root's scatter buffer holds size × max_bytes; everything else max_bytes. */
    size_t send_len = (size_t)max_bytes * (size_t)size;
    uint8_t *sendbuf = malloc(send_len), *recvbuf = malloc((size_t)max_bytes);
    if (!sendbuf || !recvbuf) {
        fprintf(stderr, "commbench: rank %d: out of memory for %zu bytes\n", rank, send_len);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(sendbuf, 1, send_len);
    memset(recvbuf, 0, (size_t)max_bytes);

    if (rank == 0) {
        char lib[MPI_MAX_LIBRARY_VERSION_STRING];
        int len = 0;
        MPI_Get_library_version(lib, &len);
        char *nl = strchr(lib, '\n');
        if (nl)
            *nl = '\0';
        printf("# commbench: ranks=%d iters=%ld warmup=%ld library=%s\n", size, iters, warmup, lib);
        printf("op,ranks,bytes,iters,t_min,t_avg,t_max\n");
    }
    static const char *names[] = {"scatter", "reduce"};
    for (int op = OP_SCATTER; op <= OP_REDUCE; op++) {
        for (long bytes = 8; bytes <= max_bytes; bytes *= 4) {
            /* Fewer iterations for big messages keeps the run short. */
            int it = (int)(bytes >= (1L << 20) ? (iters + 9) / 10 : iters);
            double t = time_op((op_kind)op, (size_t)bytes, it, (int)warmup, sendbuf, recvbuf);
            double tmin, tmax, tsum;
            MPI_Reduce(&t, &tmin, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
            MPI_Reduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
            MPI_Reduce(&t, &tsum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
            if (rank == 0)
                printf("%s,%d,%ld,%d,%.9e,%.9e,%.9e\n", names[op], size, bytes, it, tmin, tsum / size, tmax);
        }
    }
    free(sendbuf);
    free(recvbuf);
    MPI_Finalize();
    return 0;
}
