/* parkit download module, private: what libcurl calls while one response arrives
 * (response.c), and why a callback stopped a transfer.  The handle is set up in transfer.c. */
#ifndef PK_RESPONSE_H
#define PK_RESPONSE_H
#include <stddef.h>
#include <curl/curl.h>
#include "fetch_state.h"

/* Why a callback or the body's start stopped the attempt (pk_transfer.abort); the attempt's
 * verdict (transfer.c) turns it into a reason and decides on a retry. */
enum {
    PK_ABORT_NONE = 0, PK_ABORT_HTTP, PK_ABORT_TOOBIG, PK_ABORT_IO, PK_ABORT_OPEN, PK_ABORT_RANGE,
    PK_ABORT_STALL, PK_ABORT_CHANGED, PK_ABORT_SLOW, PK_ABORT_MAXTIME, PK_ABORT_DEADLINE
};

/* CURLOPT_HEADERFUNCTION: status line, ETag, Last-Modified and Content-Range of the current
 * response (a new one begins after a redirect or 1xx). */
size_t pk_response_on_header(char *p, size_t sz, size_t nm, void *ud);

/* CURLOPT_WRITEFUNCTION: the body, checked before its first byte is stored, then staged or
 * written to the item's temporary file. */
size_t pk_response_on_write(char *p, size_t sz, size_t nm, void *ud);

/* CURLOPT_XFERINFOFUNCTION: stall, --min-speed, --max-time and --deadline. */
int pk_response_on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                            curl_off_t ulnow);

/* First body byte, or the end of an empty body: check the status and the range, and open
 * the temporary file.  0, or -1 with x->abort set. */
int pk_response_begin_body(pk_transfer *x);

/* Write what is staged; 0 or -1 (errno). */
int pk_response_flush(pk_transfer *x);

#endif
