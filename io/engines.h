/* parkit download module, private: the three engines (engines.c), each driving the
 * transfers of one run over its whole list.  PK_FETCH_OK, or PK_FETCH_EFAIL on a runtime
 * failure with the message in err (the items' own failures are in run->res). */
#ifndef PK_ENGINES_H
#define PK_ENGINES_H
#include <stddef.h>
#include "fetch_state.h"

/* One handle, one item after another. */
int pk_engine_seq(pk_fetch_run_state *run, char *err, size_t errsz);
/* run->o->jobs threads, each with its own handle, taking the next item from run->next. */
int pk_engine_pool(pk_fetch_run_state *run, char *err, size_t errsz);
/* One thread: a curl multi handle with run->o->jobs transfers in flight, on an epoll loop. */
int pk_engine_multi(pk_fetch_run_state *run, char *err, size_t errsz);

#endif
