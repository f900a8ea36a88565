/* Files parkit writes for the user: whole or not at all, checked before the work starts.
 *  - pk_outfile: --output FILE.  A regular file (or a new name) is written to a locked
 *    temporary beside the real target (symlinks followed) and renamed over it at commit;
 *    a device or FIFO (/dev/null, a pipe) is written through, never replaced.
 *  - pk_append_row: --results FILE.  One row appended under an exclusive lock, rolled back
 *    to the old end of file when it cannot be written whole (a full disk, a size limit). */
#ifndef PK_OUTFILE_H
#define PK_OUTFILE_H
#include <stddef.h>
#include <stdint.h>

typedef struct pk_outfile {
    char *target;   /* the real file the name leads to (symlinks resolved) */
    char *tmp;      /* the temporary beside it; NULL when writing through to a device */
    int fd;
} pk_outfile;

/* Open before the work: resolves symlinks, refuses a directory, creates and locks the
 * temporary (or opens the device).  Removes temporaries that killed runs left beside the
 * target (they are unlocked; a live run's are not).  0, or -1 with errno. */
int pk_outfile_open(pk_outfile *f, const char *path);
/* Write all of data (retries short writes and EINTR).  0, or -1 with errno. */
int pk_outfile_write(pk_outfile *f, const void *data, size_t len);
/* 1 when the output is a temporary (a regular file) that pk_outfile_pwrite may fill in any
 * order; 0 for a device or FIFO, which takes pk_outfile_write only. */
int pk_outfile_seekable(const pk_outfile *f);
/* Reserve size bytes of the temporary before filling it (where the file system can), so a
 * full disk or a file-size limit fails before the work; nothing to do for a device.  0, or
 * -1 with errno. */
int pk_outfile_reserve(pk_outfile *f, uint64_t size);
/* Write all of data at byte offset off of the temporary (retries short writes and EINTR) and
 * start its write-back.  Threads may call it at once for disjoint ranges.  0, or -1 with
 * errno (ENOSPC for a write that makes no progress). */
int pk_outfile_pwrite(pk_outfile *f, const void *data, size_t len, uint64_t off);
/* fsync and rename over the target (regular files) or close (devices).  0, or -1 with
 * errno; on failure the target is untouched and the temporary removed. */
int pk_outfile_commit(pk_outfile *f);
/* Give up: remove the temporary, leave the target as it was. */
void pk_outfile_abort(pk_outfile *f);

/* A file whose first line is not `header`: rows of another layout (kernel rows in a file of
 * fetch rows) would be misaligned, so they are refused. */
#define PK_APPEND_OTHER_LAYOUT (-2)
/* Check that rows under `header` can be appended to path (opens it for appending, creating
 * it, then closes it): used before the work starts.  0, -1 with errno, or
 * PK_APPEND_OTHER_LAYOUT. */
int pk_append_check(const char *path, const char *header);
/* Append header (when the file is empty) and line as one unit under an exclusive lock:
 * either all of it lands or the file is cut back to its old size.  0, -1 with errno, or
 * PK_APPEND_OTHER_LAYOUT (nothing written). */
int pk_append_locked(const char *path, const char *header, const char *line);
/* strerror, with the one case it words badly for these files: ENXIO from a FIFO. */
const char *pk_outfile_strerror(int e);
#endif
