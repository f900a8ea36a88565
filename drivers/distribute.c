#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "distribute.h"
#ifdef PK_HAVE_MPI
#include <mpi.h>
#endif

int pk_dist_read_file_local(const pk_exec *exec, const char *path, uint64_t a, uint64_t b, void *buf)
{
    (void)exec;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    uint64_t off = 0, len = (b - a) * 8;
    while (off < len) {
        ssize_t r = pread(fd, (char *)buf + off, len - off, (off_t)(a * 8 + off));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            close(fd);
            return e;
        }
        off += (uint64_t)r;
    }
    close(fd);
    return 0;
}

#ifdef PK_HAVE_MPI
int pk_dist_scatter(const pk_exec *exec, void *full, void *mine, uint64_t a, uint64_t b,
                    const uint64_t *cut)
{
    int P = exec->nranks, rank = exec->rank;
    if (P == 1)
        return 0;
    MPI_Datatype elem;
    MPI_Type_contiguous(8, MPI_BYTE, &elem);
    MPI_Type_commit(&elem);
    int *counts = NULL, *displs = NULL;
    if (rank == 0) {
        counts = malloc((size_t)P * sizeof *counts);
        displs = malloc((size_t)P * sizeof *displs);
        for (int r = 0; r < P; r++) {
            counts[r] = (int)(cut[r + 1] - cut[r]);
            displs[r] = (int)cut[r];
        }
    }
    int rc = MPI_Scatterv(full, counts, displs, elem, rank == 0 ? MPI_IN_PLACE : mine, (int)(b - a), elem, 0,
                          MPI_COMM_WORLD);
    free(counts);
    free(displs);
    MPI_Type_free(&elem);
    return rc == MPI_SUCCESS ? 0 : -1;
}

int pk_dist_read_file(const pk_exec *exec, const char *path, uint64_t a, uint64_t b, void *buf)
{
    if (exec->nranks == 1)
        return pk_dist_read_file_local(exec, path, a, b, buf);
    MPI_File fh;
    int rc = MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    if (rc != MPI_SUCCESS)
        return EIO;
    int err = 0;
    uint64_t done = 0, total = b - a;
    /* collective reads, every rank the same number of calls */
    uint64_t mine_calls = (total + (1u << 27) - 1) / (1u << 27), calls;
    MPI_Allreduce(&mine_calls, &calls, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    for (uint64_t c = 0; c < calls; c++) {
        uint64_t part = total - done < (1u << 27) ? total - done : (1u << 27);
        MPI_Status st;
        if (MPI_File_read_at_all(fh, (MPI_Offset)((a + done) * 8), (char *)buf + done * 8, (int)(part * 8),
                                 MPI_BYTE, &st) != MPI_SUCCESS)
            err = EIO;
        done += part;
    }
    MPI_File_close(&fh);
    return err;
}

pk_i128 pk_dist_sum_i128(const pk_exec *exec, pk_i128 v)
{
    if (exec->nranks == 1)
        return v;
    pk_i128 *all = exec->rank == 0 ? malloc((size_t)exec->nranks * sizeof *all) : NULL;
    MPI_Gather(&v, (int)sizeof v, MPI_BYTE, all, (int)sizeof v, MPI_BYTE, 0, MPI_COMM_WORLD);
    pk_i128 s = 0;
    for (int r = 0; all && r < exec->nranks; r++)
        s += all[r];
    free(all);
    return s;
}
#else
int pk_dist_scatter(const pk_exec *exec, void *full, void *mine, uint64_t a, uint64_t b,
                    const uint64_t *cut)
{
    (void)exec, (void)full, (void)mine, (void)a, (void)b, (void)cut;
    return 0;
}

int pk_dist_read_file(const pk_exec *exec, const char *path, uint64_t a, uint64_t b, void *buf)
{
    return pk_dist_read_file_local(exec, path, a, b, buf);
}

pk_i128 pk_dist_sum_i128(const pk_exec *exec, pk_i128 v)
{
    (void)exec;
    return v;
}
#endif
