/* The three engines.  They differ only in who drives the attempts of transfer.c: a loop
 * (seq), N threads each with its own easy handle (pool), or one curl multi handle with N
 * transfers in flight driven by an epoll loop through curl_multi_socket_action (multi). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <curl/curl.h>
#include "clock.h"
#include "engines.h"
#include "outdir.h"
#include "transfer.h"

/* Every attempt of one item, blocking (seq and pool). */
static void fetch_blocking(pk_transfer *x, size_t idx)
{
    x->idx = idx;
    for (;;) {
        if (pk_transfer_begin(x))
            return;
        CURLcode rc = curl_easy_perform(x->h);
        if (pk_transfer_end(x, rc) == PK_TRANSFER_DONE)
            return;
        pk_clock_sleep(x->delay);
    }
}

int pk_engine_seq(pk_fetch_run_state *run, char *err, size_t errsz)
{
    pk_transfer x;
    memset(&x, 0, sizeof x);
    x.run = run;
    if (!pk_transfer_handle_new(&x)) {
        snprintf(err, errsz, "cannot create a libcurl handle");
        return PK_FETCH_EFAIL;
    }
    for (size_t i = 0; i < run->l->n; i++)
        fetch_blocking(&x, i);
    pk_transfer_handle_free(&x);
    return PK_FETCH_OK;
}

static void *pool_worker(void *arg)
{
    pk_transfer *x = arg;
    pk_fetch_run_state *run = x->run;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&run->next, 1, memory_order_relaxed);
        if (i >= run->l->n)
            break;
        fetch_blocking(x, i);
    }
    return NULL;
}

int pk_engine_pool(pk_fetch_run_state *run, char *err, size_t errsz)
{
    size_t nt = (size_t)run->o->jobs;
    if (nt > run->l->n)
        nt = run->l->n;
    if (nt == 0)
        return PK_FETCH_OK;
    pk_transfer *xs = calloc(nt, sizeof *xs);
    pthread_t *tid = calloc(nt, sizeof *tid);
    int rc = PK_FETCH_OK;
    size_t made = 0, started = 0;
    if (!xs || !tid) {
        snprintf(err, errsz, "out of memory");
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    /* Handles are made before any thread starts (and after curl_global_init). */
    if (pk_transfer_handles_new(xs, nt, run, &made, err, errsz) != 0) {
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (; started < nt; started++)
        if (pthread_create(&tid[started], &attr, pool_worker, &xs[started]) != 0)
            break;
    pthread_attr_destroy(&attr);
    if (started == 0) {
        snprintf(err, errsz, "cannot start threads: %s", strerror(errno));
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
out:
    for (size_t t = 0; t < made; t++)
        pk_transfer_handle_free(&xs[t]);
    free(xs);
    free(tid);
    return rc;
}

/* multi: new transfers started per turn of the event loop.  Starting all N at once makes
 * every request wait until all N connections are made; a few per turn lets the first
 * requests go out while later connections are still being opened, so the first answers
 * come back that much sooner.  (Measured for the choice of 16: results/fetch/README.md.) */
#define PK_FETCH_RAMP 16

/* multi: libcurl's multi_socket interface on our own epoll loop, so that each event costs
 * work for the transfer it concerns only (curl_multi_perform walks every transfer). */
typedef struct multi_loop {
    CURLM *m;
    int ep;
    double deadline;   /* libcurl's timer, monotonic seconds; < 0: none */
    int failed_ctl;
} multi_loop;

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    multi_loop *ml = userp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(ml->ep, EPOLL_CTL_DEL, s, NULL);   /* may already be closed: ignore */
        curl_multi_assign(ml->m, s, NULL);
        return 0;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.fd = s;
    /* socketp marks a socket already in the epoll set (set through curl_multi_assign). */
    int op = socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(ml->ep, op, s, &ev) != 0) {
        op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;   /* out of step: retry */
        if (epoll_ctl(ml->ep, op, s, &ev) != 0)
            ml->failed_ctl = errno;
    }
    if (!socketp)
        curl_multi_assign(ml->m, s, ml);
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    multi_loop *ml = userp;
    ml->deadline = timeout_ms < 0 ? -1.0 : pk_clock_now() + (double)timeout_ms / 1000.0;
    return 0;
}

/* Begin an attempt and hand it to libcurl: 0 added, 1 item finished (skipped or failed
 * before any request), -1 libcurl refused the handle. */
static int multi_start(multi_loop *ml, pk_transfer *x)
{
    if (pk_transfer_begin(x))
        return 1;
    return curl_multi_add_handle(ml->m, x->h) == CURLM_OK ? 0 : -1;
}

int pk_engine_multi(pk_fetch_run_state *run, char *err, size_t errsz)
{
    size_t n = run->l->n;
    size_t ns = (size_t)run->o->jobs;
    if (ns > n)
        ns = n;
    if (ns == 0)
        return PK_FETCH_OK;
    int rc = PK_FETCH_OK;
    multi_loop ml = { curl_multi_init(), epoll_create1(EPOLL_CLOEXEC), -1.0, 0 };
    pk_transfer *xs = calloc(ns, sizeof *xs);
    size_t *freel = calloc(ns, sizeof *freel);
    size_t made = 0, nfree = 0;
    if (!ml.m || ml.ep < 0 || !xs || !freel) {
        snprintf(err, errsz, "cannot set up the event loop: %s", strerror(errno));
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    if (curl_multi_setopt(ml.m, CURLMOPT_MAXCONNECTS, (long)ns) != CURLM_OK ||
        curl_multi_setopt(ml.m, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
        curl_multi_setopt(ml.m, CURLMOPT_SOCKETDATA, &ml) != CURLM_OK ||
        curl_multi_setopt(ml.m, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK ||
        curl_multi_setopt(ml.m, CURLMOPT_TIMERDATA, &ml) != CURLM_OK) {
        snprintf(err, errsz, "libcurl rejected the multi options");
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    if (pk_transfer_handles_new(xs, ns, run, &made, err, errsz) != 0) {
        rc = PK_FETCH_EFAIL;
        goto out;
    }
    for (size_t i = 0; i < ns; i++)
        freel[nfree++] = i;
    size_t next = 0, finished = 0;
    int running = 0, drained = 0, st = 0;
    struct epoll_event evs[256];
    while (finished < n) {
        double now = pk_clock_now();
        /* Retries that are due, then new items into free slots: at most PK_FETCH_RAMP
         * per turn of the loop. */
        for (size_t s = 0; s < ns; s++) {
            pk_transfer *x = &xs[s];
            if (!x->waiting || x->due > now)
                continue;
            x->waiting = 0;
            if ((st = multi_start(&ml, x)) < 0)
                break;
            if (st > 0) {
                finished++;
                freel[nfree++] = s;
            }
        }
        size_t added = 0;
        while (st >= 0 && nfree > 0 && next < n && added++ < PK_FETCH_RAMP) {
            size_t s = freel[--nfree];
            pk_transfer *x = &xs[s];
            x->idx = next++;
            if ((st = multi_start(&ml, x)) > 0) {
                finished++;
                freel[nfree++] = s;
            }
        }
        if (st < 0) {
            snprintf(err, errsz, "curl_multi_add_handle failed");
            rc = PK_FETCH_EFAIL;
            goto out;
        }
        if (finished >= n)
            break;
        /* Queue drained: no later transfer can reuse a connection, so keep at most one idle.
         * libcurl then closes each one as its transfer ends, while others are still in
         * flight, rather than all of them together at cleanup after the last. */
        if (next >= n && !drained) {
            drained = 1;
            curl_multi_setopt(ml.m, CURLMOPT_MAXCONNECTS, 1L);
        }
        /* Wait for a socket, libcurl's timer or the next retry (at most one second). */
        now = pk_clock_now();
        double wake = now + 1.0;
        if (ml.deadline >= 0 && ml.deadline < wake)
            wake = ml.deadline;
        for (size_t s = 0; s < ns; s++)
            if (xs[s].waiting && xs[s].due < wake)
                wake = xs[s].due;
        int timeout_ms = wake <= now ? 0 : (int)ceil((wake - now) * 1000.0);
        if (nfree > 0 && next < n)
            timeout_ms = 0;   /* more to start: only look at what is ready */
        int ne = epoll_wait(ml.ep, evs, (int)(sizeof evs / sizeof *evs), timeout_ms);
        if (ne < 0 && errno != EINTR) {
            snprintf(err, errsz, "epoll_wait: %s", strerror(errno));
            rc = PK_FETCH_EFAIL;
            goto out;
        }
        CURLMcode mc = CURLM_OK;
        for (int i = 0; i < ne && mc == CURLM_OK; i++) {
            int f = ((evs[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                    ((evs[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                    ((evs[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
            mc = curl_multi_socket_action(ml.m, evs[i].data.fd, f, &running);
        }
        if (mc == CURLM_OK && ml.deadline >= 0 && pk_clock_now() >= ml.deadline) {
            ml.deadline = -1.0;
            mc = curl_multi_socket_action(ml.m, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        if (mc != CURLM_OK || ml.failed_ctl) {
            snprintf(err, errsz, "event loop: %s",
                     mc != CURLM_OK ? curl_multi_strerror(mc) : strerror(ml.failed_ctl));
            rc = PK_FETCH_EFAIL;
            goto out;
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(ml.m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            CURLcode res = msg->data.result;
            pk_transfer *x = NULL;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
            curl_multi_remove_handle(ml.m, h);
            if (pk_transfer_end(x, res) == PK_TRANSFER_DONE) {
                finished++;
                freel[nfree++] = (size_t)(x - xs);
            } else {
                x->waiting = 1;
                x->due = pk_clock_now() + x->delay;
            }
        }
    }
out:
    for (size_t s = 0; s < made; s++) {
        if (ml.m)
            curl_multi_remove_handle(ml.m, xs[s].h);   /* harmless when not added */
        pk_outdir_tmp_release(&xs[s], 0);
        pk_transfer_handle_free(&xs[s]);
    }
    if (ml.m)
        curl_multi_cleanup(ml.m);
    if (ml.ep >= 0)
        close(ml.ep);
    free(xs);
    free(freel);
    return rc;
}
