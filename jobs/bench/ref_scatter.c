/* OSU-style reference for `parkit sum --distribute scatter`: a bare MPI_Scatterv of the same
 * bytes (n 8-byte elements from rank 0, equal shares, in the same huge-page mappings parkit
 * uses) followed by an MPI_Reduce of a 16-byte partial, with a barrier before each iteration,
 * one warm-up discarded.
 * usage: mpirun -np P pk_ref_scatter N REPEAT   -> rank 0 prints "scatter_s reduce_s" per run */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The same memory parkit uses: an anonymous mapping with huge pages advised, touched first. */
static char *big(size_t bytes)
{
    char *p = mmap(NULL, bytes + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, bytes + 1, MADV_HUGEPAGE);
    memset(p, 1, bytes + 1);
    return p;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, P;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    if (argc != 3) {
        if (rank == 0)
            fprintf(stderr, "usage: pk_ref_scatter N REPEAT\n");
        MPI_Finalize();
        return 2;
    }
    long long n = (long long)strtod(argv[1], NULL);
    int repeat = atoi(argv[2]);
    MPI_Datatype elem;
    MPI_Type_contiguous(8, MPI_BYTE, &elem);
    MPI_Type_commit(&elem);
    int *counts = malloc((size_t)P * sizeof *counts), *displs = malloc((size_t)P * sizeof *displs);
    for (int r = 0; r < P; r++) {
        displs[r] = (int)(n * r / P);
        counts[r] = (int)(n * (r + 1) / P) - displs[r];
    }
    char *full = rank == 0 ? big((size_t)n * 8) : NULL;
    char *mine = big((size_t)counts[rank] * 8);
    int64_t part[2] = {rank, 0}, total[2];
    for (int it = -1; it < repeat; it++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        MPI_Scatterv(full, counts, displs, elem, rank == 0 ? MPI_IN_PLACE : mine, counts[rank], elem, 0,
                     MPI_COMM_WORLD);
        double t1 = MPI_Wtime();
        MPI_Reduce(part, total, 2, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
        double t2 = MPI_Wtime();
        if (rank == 0 && it >= 0)
            printf("%.6f %.6f\n", t1 - t0, t2 - t1);
    }
    if (full)
        munmap(full, (size_t)n * 8 + 1);
    munmap(mine, (size_t)counts[rank] * 8 + 1);
    free(counts), free(displs);
    MPI_Type_free(&elem);
    MPI_Finalize();
    return 0;
}
