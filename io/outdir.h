/* parkit download module, private: the output directory (outdir.c).
 *   - preparing DIR (pk_fetch_dir_prepare, declared in fetch.h: it is public);
 *   - one scan of DIR's names at the start of a run, so that per-item existence checks and
 *     the search for leftover temporaries need no system call each;
 *   - this run's temporary names and their locks, and claiming the partial file a dead run
 *     left;
 *   - what a finished file records about itself (extended attributes), and the check that a
 *     file found under its final name is the one a run finished.
 */
#ifndef PK_OUTDIR_H
#define PK_OUTDIR_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "fetch_state.h"

/* Temporary files (PK_FETCH_TMP_SUFFIX, urllist.h) hold downloads until they are complete.
 * Each run names its own, ".NAME.TAG.pkpart" (TAG: "p" PID "-" 8 random hex digits), locked
 * with flock(2) while the run lives.  A later run takes over an unlocked one of the same NAME
 * (its run died: the download resumes, If-Range and the recorded size making sure it is the
 * same version; without a validator to send as If-Range it starts again from byte 0) and removes any others, but never touches a locked one; ".NAME.pkpart"
 * (older versions) is taken over too. */

/* Extended attribute holding the validator (ETag, else Last-Modified) of the version a
 * temporary file was begun with, once its body needs more than one write; it stays on the
 * finished file. */
#define PK_FETCH_XATTR "user.parkit.validator"
/* Extended attribute holding the total size in bytes: on a temporary file, the size the
 * server announced for the version it was begun with (a resumed response announcing
 * another total is another version); on a finished file, its size when it was completed
 * (a file whose size differs is not trusted as done by a rerun, but fetched again). */
#define PK_FETCH_XATTR_SIZE "user.parkit.size"

/* This run's part of its temporary names (run->tag): "p" PID "-" 32 random bits in hex.
 * Needs run->t0 (the fallback when no random bytes are to be had). */
void pk_outdir_tag(pk_fetch_run_state *run);

/* Read DIR's names (at most `limit`) and its temporary files into run (see outdir.c). */
void pk_outdir_scan(pk_fetch_run_state *run, size_t limit);

/* Release what pk_outdir_scan kept. */
void pk_outdir_scan_free(pk_fetch_run_state *run);

/* lstat of DIR/name: 0 or an errno value; ENOENT without a system call when the scan did not
 * see the name and `fresh` says nothing of this run could have made it. */
int pk_outdir_stat(const pk_fetch_run_state *run, const char *name, int fresh, struct stat *st);

/* Is the existing DIR/name (st: its lstat) a finished file to keep? */
int pk_outdir_finished_ok(const pk_fetch_run_state *run, const char *name, const struct stat *st);

/* The size recorded in fd's PK_FETCH_XATTR_SIZE, or -1. */
int64_t pk_outdir_recorded_size(int fd);

/* x->tmp = this run's temporary name for the item x->idx: ".NAME.TAG.pkpart". */
void pk_outdir_own_tmp(pk_transfer *x);

/* Take over the partial file a dead run left for the item x->idx, or remove such files (see
 * outdir.c).  0, or -1 with a static reason in *why. */
int pk_outdir_claim_partial(pk_transfer *x, int keep, const char **why);

/* Close the item's temporary file (its lock goes with it); remove it first when `drop`. */
void pk_outdir_tmp_release(pk_transfer *x, int drop);

#endif
