#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "distribute.h"
#ifdef PK_HAVE_MPI
#include <mpi.h>
#endif

void pk_file_id_of(const struct stat *sb, pk_file_id *id)
{
    id->dev = (uint64_t)sb->st_dev;
    id->ino = (uint64_t)sb->st_ino;
    id->size = (uint64_t)sb->st_size;
    id->mtime_s = (int64_t)sb->st_mtim.tv_sec;
    id->mtime_ns = (int64_t)sb->st_mtim.tv_nsec;
}

/* 0 when sb still describes the file id was taken from; else 1 and a message. */
static int check_same_file(const char *path, const pk_file_id *id, const struct stat *sb, const char *when,
                           char *msg, size_t len)
{
    pk_file_id now;
    pk_file_id_of(sb, &now);
    if (now.dev != id->dev || now.ino != id->ino) {
        snprintf(msg, len, "%s: replaced by another file %s", pk_shown(path), when);
        return 1;
    }
    if (now.size != id->size) {
        snprintf(msg, len, "%s: size changed %s (%llu bytes, was %llu)", pk_shown(path), when,
                 (unsigned long long)now.size, (unsigned long long)id->size);
        return 1;
    }
    if (now.mtime_s != id->mtime_s || now.mtime_ns != id->mtime_ns) {
        snprintf(msg, len, "%s: modified %s", pk_shown(path), when);
        return 1;
    }
    return 0;
}

/* The file ended at byte `end`, before byte `want_end` that its size promised. */
static void short_read_msg(const char *path, uint64_t end, uint64_t want_end, char *msg, size_t len)
{
    snprintf(msg, len, "%s: short read: data ends at byte offset %llu, expected bytes up to %llu (the file holds "
             "less than its size said, or shrank)", pk_shown(path), (unsigned long long)end, (unsigned long long)want_end);
}

int pk_dist_read_file_local(const char *path, const pk_file_id *id, uint64_t a, uint64_t b, void *buf,
                            char *msg, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, len, "%s: cannot open: %s", pk_shown(path), strerror(errno));
        return 1;
    }
    struct stat sb;
    int bad = 0;
    if (fstat(fd, &sb) != 0) {
        snprintf(msg, len, "%s: cannot stat: %s", pk_shown(path), strerror(errno));
        bad = 1;
    } else {
        bad = check_same_file(path, id, &sb, "since its size was taken", msg, len);
    }
    uint64_t off = 0, want = (b - a) * 8;
    while (!bad && off < want) {
        size_t ask = want - off > ((size_t)1 << 30) ? (size_t)1 << 30 : (size_t)(want - off);
        ssize_t r = pread(fd, (char *)buf + off, ask, (off_t)(a * 8 + off));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(msg, len, "%s: read error at byte offset %llu: %s", pk_shown(path), (unsigned long long)(a * 8 + off),
                     strerror(errno));
            bad = 1;
        } else if (r == 0) {
            short_read_msg(path, a * 8 + off, b * 8, msg, len);
            bad = 1;
        } else {
            off += (uint64_t)r;
        }
    }
    if (!bad) {
        if (fstat(fd, &sb) != 0) {
            snprintf(msg, len, "%s: cannot stat: %s", pk_shown(path), strerror(errno));
            bad = 1;
        } else {
            bad = check_same_file(path, id, &sb, "while being read", msg, len);
        }
    }
    close(fd);
    return bad;
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

int pk_dist_read_file(const pk_exec *exec, const char *path, const pk_file_id *id, uint64_t a, uint64_t b,
                      void *buf, char *msg, size_t len)
{
    if (exec->nranks == 1)
        return pk_dist_read_file_local(path, id, a, b, buf, msg, len);
    MPI_File fh;
    if (MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) != MPI_SUCCESS) {
        snprintf(msg, len, "%s: MPI_File_open failed", pk_shown(path));
        return 1;
    }
    int bad = 0;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(msg, len, "%s: cannot stat: %s", pk_shown(path), strerror(errno));
        bad = 1;
    } else {
        bad = check_same_file(path, id, &sb, "since its size was taken", msg, len);
    }
    const uint64_t step = (uint64_t)1 << 27;   /* elements per call: 1 GiB, an int count of bytes */
    uint64_t done = 0, total = b - a;
    /* collective reads, every rank the same number of calls (after a failure too) */
    uint64_t mine_calls = (total + step - 1) / step, calls;
    MPI_Allreduce(&mine_calls, &calls, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    for (uint64_t c = 0; c < calls; c++) {
        uint64_t part = total - done < step ? total - done : step;
        MPI_Offset off = (MPI_Offset)((a + done) * 8);
        MPI_Status st;
        int got = 0;
        if (MPI_File_read_at_all(fh, off, (char *)buf + done * 8, (int)(part * 8), MPI_BYTE, &st) != MPI_SUCCESS) {
            if (!bad)
                snprintf(msg, len, "%s: MPI-IO read error at byte offset %llu", pk_shown(path), (unsigned long long)off);
            bad = 1;
        } else if (MPI_Get_count(&st, MPI_BYTE, &got) != MPI_SUCCESS || got == MPI_UNDEFINED ||
                   (uint64_t)got != part * 8) {
            if (!bad)
                short_read_msg(path, (uint64_t)off + (got == MPI_UNDEFINED ? 0 : (uint64_t)got), b * 8, msg, len);
            bad = 1;
        }
        done += part;
    }
    MPI_File_close(&fh);
    /* MPI_Get_count is not enough: Open MPI's collective reads (two-phase, 3+ ranks) report the
     * count asked for even past the end of the file.  So each rank also checks with POSIX
     * that the last byte of its share exists. */
    if (!bad && b > a) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char c;
        ssize_t r = -1;
        if (fd >= 0) {
            do
                r = pread(fd, &c, 1, (off_t)(b * 8 - 1));
            while (r < 0 && errno == EINTR);
            close(fd);
        }
        if (r != 1) {
            snprintf(msg, len, "%s: short read: no data at byte offset %llu, expected bytes up to %llu (the file holds "
                     "less than its size said, or shrank)", pk_shown(path), (unsigned long long)(b * 8 - 1),
                     (unsigned long long)(b * 8));
            bad = 1;
        }
    }
    if (!bad) {
        if (stat(path, &sb) != 0) {
            snprintf(msg, len, "%s: cannot stat: %s", pk_shown(path), strerror(errno));
            bad = 1;
        } else {
            bad = check_same_file(path, id, &sb, "while being read", msg, len);
        }
    }
    return bad;
}

int pk_dist_same_u64(const pk_exec *exec, uint64_t v, uint64_t *v0, int *rank, uint64_t *vr)
{
    *v0 = *vr = v;
    *rank = 0;
    if (exec->nranks == 1)
        return 0;
    uint64_t *all = malloc((size_t)exec->nranks * sizeof *all);
    int ok = all != NULL, all_ok;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all_ok) {   /* cannot compare: report a mismatch rather than assume agreement */
        free(all);
        *rank = -1;
        return 1;
    }
    MPI_Allgather(&v, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    *v0 = all[0];
    for (int r = 1; r < exec->nranks; r++)
        if (all[r] != all[0]) {
            *rank = r;
            *vr = all[r];
            free(all);
            return 1;
        }
    free(all);
    return 0;
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

int pk_dist_read_file(const pk_exec *exec, const char *path, const pk_file_id *id, uint64_t a, uint64_t b,
                      void *buf, char *msg, size_t len)
{
    (void)exec;
    return pk_dist_read_file_local(path, id, a, b, buf, msg, len);
}

int pk_dist_same_u64(const pk_exec *exec, uint64_t v, uint64_t *v0, int *rank, uint64_t *vr)
{
    (void)exec;
    *v0 = *vr = v;
    *rank = 0;
    return 0;
}

pk_i128 pk_dist_sum_i128(const pk_exec *exec, pk_i128 v)
{
    (void)exec;
    return v;
}
#endif
