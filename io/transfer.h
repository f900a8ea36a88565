/* parkit download module, private: one item's transfer (transfer.c) -- its libcurl handle
 * and its attempts, for the engines (engines.c) to drive. */
#ifndef PK_TRANSFER_H
#define PK_TRANSFER_H
#include <stddef.h>
#include <curl/curl.h>
#include "fetch_state.h"

/* What pk_transfer_end decided. */
enum { PK_TRANSFER_DONE = 0, PK_TRANSFER_RETRY = 1 };

/* A reusable easy handle for the slot x (x->run set), its callbacks pointing at x; NULL when
 * libcurl refuses.  Release with pk_transfer_handle_free. */
CURL *pk_transfer_handle_new(pk_transfer *x);
void pk_transfer_handle_free(pk_transfer *x);

/* One handle per slot, xs[0..n); *made counts those created (for cleanup).  0, or -1 with a
 * message in err. */
int pk_transfer_handles_new(pk_transfer *xs, size_t n, pk_fetch_run_state *run, size_t *made,
                            char *err, size_t errsz);

/* Before each attempt of the item x->idx: 0, the handle is ready for libcurl; 1, the item
 * is finished (skipped or failed, its result and the run's counters set). */
int pk_transfer_begin(pk_transfer *x);

/* After libcurl finished an attempt with rc: PK_TRANSFER_DONE (the item is finished) or
 * PK_TRANSFER_RETRY (the next attempt after x->delay seconds). */
int pk_transfer_end(pk_transfer *x, CURLcode rc);

#endif
