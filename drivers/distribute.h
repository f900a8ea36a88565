/* Placing array data on the ranks (sum): scatter from rank 0, or read each rank's part of a
 * file with MPI-IO. In a build without MPI, or with one rank, these are plain local copies. */
#ifndef PK_DISTRIBUTE_H
#define PK_DISTRIBUTE_H
#include <stdint.h>
#include "cli.h"
#include "pk_kernel.h"

/* Rank 0 holds `full` (8-byte elements); every other rank receives its share [a, b) into
 * `mine`, which it has allocated (and first-touched) already; rank 0's share stays in place.
 * all_cuts[r] .. all_cuts[r+1] is rank r's share. Collective. Returns 0. */
int pk_dist_scatter(const pk_exec *exec, void *full, void *mine, uint64_t a, uint64_t b,
                    const uint64_t *all_cuts);

/* Every rank reads elements [a, b) of the file (8-byte elements) with collective MPI-IO
 * into buf. Returns 0, or an errno-style code. */
int pk_dist_read_file(const pk_exec *exec, const char *path, uint64_t a, uint64_t b, void *buf);

/* The same with plain POSIX reads, for one process. */
int pk_dist_read_file_local(const pk_exec *exec, const char *path, uint64_t a, uint64_t b, void *buf);

/* Sum of a 128-bit integer over the ranks, on rank 0. */
pk_i128 pk_dist_sum_i128(const pk_exec *exec, pk_i128 v);
#endif
