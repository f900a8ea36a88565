/* Placing array data on the ranks (sum): scatter from rank 0, or read each rank's part of a
 * file with MPI-IO. In a build without MPI, or with one rank, these are plain local copies. */
#ifndef PK_DISTRIBUTE_H
#define PK_DISTRIBUTE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "cli.h"
#include "pk_kernel.h"

/* Rank 0 holds `full` (8-byte elements); every other rank receives its share [a, b) into
 * `mine`, which it has allocated (and first-touched) already; rank 0's share stays in place.
 * all_cuts[r] .. all_cuts[r+1] is rank r's share. Collective. Returns 0. */
int pk_dist_scatter(const pk_exec *exec, void *full, void *mine, uint64_t a, uint64_t b,
                    const uint64_t *all_cuts);

/* A file as stat showed it when its size was taken; a read checks that it is still that file. */
typedef struct {
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns;
} pk_file_id;
void pk_file_id_of(const struct stat *sb, pk_file_id *id);

/* Every rank reads elements [a, b) of the file (8-byte elements) with collective MPI-IO into
 * buf. Every read's byte count is checked (a short read is an error naming the byte offset),
 * and so is the file's identity (size, inode, modification time) before and after reading.
 * Returns 0, or 1 with a one-line message in msg ("PATH: ..."). Collective; the caller
 * agrees on the outcome across ranks. */
int pk_dist_read_file(const pk_exec *exec, const char *path, const pk_file_id *id, uint64_t a,
                      uint64_t b, void *buf, char *msg, size_t len);

/* The same with plain POSIX reads (pread until done; EINTR retried), for one process. */
int pk_dist_read_file_local(const char *path, const pk_file_id *id, uint64_t a, uint64_t b,
                            void *buf, char *msg, size_t len);

/* 0 when v is the same on every rank; else 1, with rank 0's value, the first rank whose value
 * differs and that value (the same answer on every rank). Collective. */
int pk_dist_same_u64(const pk_exec *exec, uint64_t v, uint64_t *v0, int *rank, uint64_t *vr);

/* Sum of a 128-bit integer over the ranks, on rank 0. */
pk_i128 pk_dist_sum_i128(const pk_exec *exec, pk_i128 v);
#endif
