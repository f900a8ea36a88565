/* pk_testserver: a local HTTP server for the fetch tests and benchmarks (libmicrohttpd).
 *
 *   pk_testserver [--lifetime S] [--port-file F] [--log F] [--pool N]
 *       binds 127.0.0.1 on a free port, prints the port on stdout (and writes it to F),
 *       serves until S seconds have passed (default 60) or SIGTERM / SIGINT.
 *       Default: a thread per connection (every route).  --pool N: N event-loop threads;
 *       delay_ms then suspends the connection instead of sleeping (cheap at thousands of
 *       connections: the benchmarks), but rate= and stall_after= block a worker thread.
 *       --blackhole F: also open a port that never completes a connection (its accept
 *       queue is kept full), written to F, for connect-timeout tests.
 *   pk_testserver --emit PATH SIZE [VERSION]
 *       writes the SIZE bytes that /f/... at PATH serves to stdout (for checksums).
 *
 * Routes (query parameters in brackets):
 *   /f/ANY/NAME   deterministic content seeded by the path
 *                 [size=1024] [delay_ms=0: latency before the response]
 *                 [rate=0: bytes per second] [range=1: honour Range] [nolen=1: chunked]
 *                 [version=0: another version of the content, with its own ETag]
 *                 [etag=1: send a strong ETag] [lastmod=EPOCH: send Last-Modified]
 *                 [ifrange=1: honour If-Range (0: serve the Range whatever it says)]
 *                 [weak=1: the ETag is weak (W/"...")]
 *                 [size2=B: a request with Range is served as if the file had B bytes
 *                  (a server whose file changed size between two requests)]
 *                 [drip_ms=M: one byte every M ms (a server that never stalls, but crawls)]
 *                 [fail=K status=S retry_after=R key=X: the first K requests for key X
 *                  (default: the path) answer S]
 *                 [drop_after=B drops=K: close the connection after byte B, K times]
 *                 [stall_after=B stalls=K: stop sending after byte B, K times]
 *   /status/CODE  that status [retry_after=R]
 *   /loop/N       302 to /loop/N+1, for ever
 *   /tofile       302 to file:///etc/passwd
 *   /redir/REST   302 to /f/REST (same query)
 * Every request is logged to --log as
 *   "METHOD PATH range=RANGE t=MONOTONIC_SECONDS if-range=IF_RANGE" (- when absent). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "pk_content.h"

static atomic_int stopping;
static FILE *logf;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- per-key counters for fault injection ---- */

typedef struct counter {
    char *key;
    unsigned long n;
    struct counter *next;
} counter;
static counter *counters;

static unsigned long bump(const char *kind, const char *key)
{
    char k[1024];
    snprintf(k, sizeof k, "%s:%s", kind, key);
    pthread_mutex_lock(&mu);
    counter *c = counters;
    while (c && strcmp(c->key, k) != 0)
        c = c->next;
    if (!c && (c = calloc(1, sizeof *c)) && (c->key = strdup(k))) {
        c->next = counters;
        counters = c;
    }
    unsigned long v = c && c->key ? c->n++ : 0;
    pthread_mutex_unlock(&mu);
    return v;
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- response bodies ---- */

typedef struct body {
    uint64_t seed, start, len;   /* serve [start, start+len) of the content */
    uint64_t rate, drip_ms;
    int64_t drop_at, stall_at;   /* absolute offsets, -1 = never */
    double t0;
} body;

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    body *b = cls;
    if (pos >= b->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    uint64_t abs = b->start + pos;
    uint64_t n = b->len - pos;
    if (n > max)
        n = max;
    if (n > 16384)
        n = 16384;
    if (b->drop_at >= 0) {
        if ((int64_t)abs >= b->drop_at)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if ((int64_t)(abs + n) > b->drop_at)
            n = (uint64_t)b->drop_at - abs;
    }
    if (b->stall_at >= 0) {
        if ((int64_t)abs >= b->stall_at) {
            /* Hold the connection open, sending nothing, until the server stops. */
            for (int i = 0; i < 1200 && !atomic_load(&stopping); i++)
                nap_ms(50);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if ((int64_t)(abs + n) > b->stall_at)
            n = (uint64_t)b->stall_at - abs;
    }
    if (b->drip_ms) {
        n = 1;
        for (uint64_t t = 0; t < b->drip_ms && !atomic_load(&stopping); t += 10)
            nap_ms(b->drip_ms - t < 10 ? (long)(b->drip_ms - t) : 10);
        if (atomic_load(&stopping))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (b->rate) {
        double due = b->t0 + (double)(pos + n) / (double)b->rate;
        double w = due - now_s();
        while (w > 0 && !atomic_load(&stopping)) {
            nap_ms(w > 0.05 ? 50 : (long)(w * 1000) + 1);
            w = due - now_s();
        }
        if (atomic_load(&stopping))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    pk_content_fill(b->seed, abs, buf, (size_t)n);
    return (ssize_t)n;
}

static const char *arg(struct MHD_Connection *c, const char *k)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

static uint64_t arg_u64(struct MHD_Connection *c, const char *k, uint64_t def)
{
    const char *v = arg(c, k);
    return v ? strtoull(v, NULL, 10) : def;
}

static enum MHD_Result simple(struct MHD_Connection *c, unsigned code, const char *location,
                              const char *retry_after)
{
    char msg[64];
    int n = snprintf(msg, sizeof msg, "status %u\n", code);
    struct MHD_Response *r = MHD_create_response_from_buffer((size_t)n, msg, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    if (location)
        MHD_add_response_header(r, "Location", location);
    if (retry_after)
        MHD_add_response_header(r, "Retry-After", retry_after);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- latency without a thread per connection: suspend, resume from a timer thread ---- */

static int pool_mode;
typedef struct waiter {
    double due;
    struct MHD_Connection *c;
} waiter;
static waiter *heap;
static size_t nheap, capheap;
static pthread_mutex_t tmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tcv;

static void heap_push(waiter w)
{
    if (nheap == capheap) {
        size_t nc = capheap ? capheap * 2 : 1024;
        waiter *nh = realloc(heap, nc * sizeof *nh);
        if (!nh)
            abort();
        heap = nh;
        capheap = nc;
    }
    size_t i = nheap++;
    while (i > 0 && heap[(i - 1) / 2].due > w.due) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = w;
}

static waiter heap_pop(void)
{
    waiter top = heap[0], last = heap[--nheap];
    size_t i = 0;
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= nheap)
            break;
        if (k + 1 < nheap && heap[k + 1].due < heap[k].due)
            k++;
        if (heap[k].due >= last.due)
            break;
        heap[i] = heap[k];
        i = k;
    }
    if (nheap)
        heap[i] = last;
    return top;
}

static void *timer_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&tmu);
    for (;;) {
        int stop = atomic_load(&stopping);
        if (nheap && (stop || heap[0].due <= now_s())) {
            waiter w = heap_pop();
            MHD_resume_connection(w.c);
            continue;
        }
        if (stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double wait = nheap ? heap[0].due - now_s() : 0.05;
        if (wait > 0.05)
            wait = 0.05;
        ts.tv_nsec += (long)(wait * 1e9);
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&tcv, &tmu, &ts);
    }
    pthread_mutex_unlock(&tmu);
    return NULL;
}

/* Per-request state (*con_cls): NULL on the first call (headers only), then seen_mark;
 * delayed_mark once the latency has been served in pool mode.  Answering only from the
 * second call lets MHD finish reading the request and keep the connection alive. */
static char seen_mark, delayed_mark;

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    *con_cls = NULL;
}

static enum MHD_Result serve_file(struct MHD_Connection *c, const char *url, void **con_cls)
{
    uint64_t size = arg_u64(c, "size", 1024);
    uint64_t delay = arg_u64(c, "delay_ms", 0);
    if (delay && pool_mode && *con_cls != &delayed_mark) {
        *con_cls = &delayed_mark;
        MHD_suspend_connection(c);
        pthread_mutex_lock(&tmu);
        heap_push((waiter){ now_s() + (double)delay / 1000.0, c });
        pthread_cond_signal(&tcv);
        pthread_mutex_unlock(&tmu);
        return MHD_YES;
    }
    if (delay && !pool_mode)
        nap_ms((long)delay);
    const char *key = arg(c, "key") ? arg(c, "key") : url;
    uint64_t fail = arg_u64(c, "fail", 0);
    if (fail && bump("fail", key) < fail)
        return simple(c, (unsigned)arg_u64(c, "status", 503), NULL, arg(c, "retry_after"));

    body *b = calloc(1, sizeof *b);
    if (!b)
        return MHD_NO;
    b->seed = pk_content_seed_v(url, arg_u64(c, "version", 0));
    b->rate = arg_u64(c, "rate", 0);
    b->drip_ms = arg_u64(c, "drip_ms", 0);
    b->drop_at = b->stall_at = -1;
    b->t0 = now_s();
    if (arg(c, "drop_after") && bump("drop", key) < arg_u64(c, "drops", UINT64_MAX))
        b->drop_at = (int64_t)arg_u64(c, "drop_after", 0);
    if (arg(c, "stall_after") && bump("stall", key) < arg_u64(c, "stalls", UINT64_MAX))
        b->stall_at = (int64_t)arg_u64(c, "stall_after", 0);

    unsigned code = MHD_HTTP_OK;
    int ranges = arg_u64(c, "range", 1) != 0;
    const char *rh = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    if (rh && arg(c, "size2"))
        size = arg_u64(c, "size2", size);
    /* Validators: the ETag names the version; If-Range that names another one (or a date
     * other than Last-Modified) turns the Range request into a request for everything. */
    char etag[64] = "", lastmod[64] = "";
    if (arg_u64(c, "etag", 1))
        snprintf(etag, sizeof etag, "%s\"%016" PRIx64 "-%" PRIu64 "\"",
                 arg_u64(c, "weak", 0) ? "W/" : "", b->seed, size);
    if (arg(c, "lastmod")) {
        time_t t = (time_t)arg_u64(c, "lastmod", 0);
        struct tm tm;
        strftime(lastmod, sizeof lastmod, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&t, &tm));
    }
    const char *ir = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
    if (rh && ir && arg_u64(c, "ifrange", 1) &&
        !((etag[0] && strcmp(ir, etag) == 0) || (lastmod[0] && strcmp(ir, lastmod) == 0)))
        rh = NULL;
    char cr[96] = "";
    b->start = 0;
    b->len = size;
    unsigned long long a, e;
    if (ranges && rh) {
        int k = sscanf(rh, "bytes=%llu-%llu", &a, &e);
        if (k >= 1) {
            if (a >= size) {
                free(b);
                char star[64];
                snprintf(star, sizeof star, "bytes */%" PRIu64, size);
                struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
                MHD_add_response_header(r, "Content-Range", star);
                enum MHD_Result ret = MHD_queue_response(c, 416, r);
                MHD_destroy_response(r);
                return ret;
            }
            if (k == 1 || e >= size)
                e = size - 1;
            if (e >= a) {
                b->start = a;
                b->len = e - a + 1;
                code = MHD_HTTP_PARTIAL_CONTENT;
                snprintf(cr, sizeof cr, "bytes %llu-%llu/%" PRIu64, a, e, size);
            }
        }
    }
    uint64_t total = arg_u64(c, "nolen", 0) ? MHD_SIZE_UNKNOWN : b->len;
    struct MHD_Response *r = MHD_create_response_from_callback(total, 16384, reader, b, free);
    if (!r) {
        free(b);
        return MHD_NO;
    }
    if (ranges)
        MHD_add_response_header(r, "Accept-Ranges", "bytes");
    if (cr[0])
        MHD_add_response_header(r, "Content-Range", cr);
    if (etag[0])
        MHD_add_response_header(r, "ETag", etag);
    if (lastmod[0])
        MHD_add_response_header(r, "Last-Modified", lastmod);
    MHD_add_response_header(r, "Content-Type", "application/octet-stream");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    if (*con_cls == NULL) {
        *con_cls = &seen_mark;
        if (logf) {
            const char *rh = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
            const char *ir = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
            pthread_mutex_lock(&mu);
            fprintf(logf, "%s %s range=%s t=%.6f if-range=%s\n", method, url, rh ? rh : "-", now_s(),
                    ir ? ir : "-");
            fflush(logf);
            pthread_mutex_unlock(&mu);
        }
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return simple(c, 405, NULL, NULL);
    if (strncmp(url, "/f/", 3) == 0)
        return serve_file(c, url, con_cls);
    if (strncmp(url, "/status/", 8) == 0) {
        unsigned code = (unsigned)strtoul(url + 8, NULL, 10);
        if (code < 100 || code > 599)
            code = 400;
        return simple(c, code, NULL, arg(c, "retry_after"));
    }
    if (strncmp(url, "/loop/", 6) == 0) {
        char loc[64];
        snprintf(loc, sizeof loc, "/loop/%lu", strtoul(url + 6, NULL, 10) + 1);
        return simple(c, 302, loc, NULL);
    }
    if (strcmp(url, "/tofile") == 0)
        return simple(c, 302, "file:///etc/passwd", NULL);
    if (strncmp(url, "/redir/", 7) == 0) {
        /* Rebuild the query string from the arguments MHD parsed. */
        char loc[2048];
        snprintf(loc, sizeof loc, "/f/%s", url + 7);
        const char *sz = arg(c, "size");
        if (sz) {
            size_t k = strlen(loc);
            snprintf(loc + k, sizeof loc - k, "?size=%s", sz);
        }
        return simple(c, 302, loc, NULL);
    }
    return simple(c, 404, NULL, NULL);
}

/* A listening socket whose accept queue is full: new connections are never completed. */
static int blackhole(const char *path, int fds[4])
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (fds[0] < 0 || bind(fds[0], (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fds[0], 0) != 0 ||
        getsockname(fds[0], (struct sockaddr *)&sin, &len) != 0)
        return -1;
    for (int i = 1; i < 4; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fds[i] < 0)
            return -1;
        if (connect(fds[i], (struct sockaddr *)&sin, sizeof sin) != 0 && errno != EINPROGRESS)
            return -1;
    }
    nap_ms(100);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%u\n", (unsigned)ntohs(sin.sin_port)) < 0 || fclose(f) != 0)
        return -1;
    return 0;
}

static int emit(const char *path, const char *size_s, const char *version_s)
{
    uint64_t size = strtoull(size_s, NULL, 10);
    uint64_t seed = pk_content_seed_v(path, version_s ? strtoull(version_s, NULL, 10) : 0);
    char buf[65536];
    for (uint64_t off = 0; off < size;) {
        size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
        pk_content_fill(seed, off, buf, n);
        if (fwrite(buf, 1, n, stdout) != n)
            return 1;
        off += n;
    }
    return fflush(stdout) != 0;
}

int main(int argc, char **argv)
{
    double lifetime = 60;
    const char *port_file = NULL, *log_path = NULL, *blackhole_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--emit") == 0 && i + 2 < argc)
            return emit(argv[i + 1], argv[i + 2], i + 3 < argc ? argv[i + 3] : NULL);
        else if (strcmp(argv[i], "--lifetime") == 0 && i + 1 < argc)
            lifetime = atof(argv[++i]);
        else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
            port_file = argv[++i];
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
            log_path = argv[++i];
        else if (strcmp(argv[i], "--pool") == 0 && i + 1 < argc)
            pool_mode = atoi(argv[++i]);
        else if (strcmp(argv[i], "--blackhole") == 0 && i + 1 < argc)
            blackhole_file = argv[++i];
        else {
            fprintf(stderr, "usage: pk_testserver [--lifetime S] [--port-file F] [--log F] [--pool N] "
                            "[--blackhole F] | --emit PATH SIZE [VERSION]\n");
            return 2;
        }
    }
    if (lifetime <= 0 || lifetime > 3600)
        lifetime = 60;
    if (log_path && !(logf = fopen(log_path, "a"))) {
        perror(log_path);
        return 1;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    /* Block the stop signals before MHD starts its threads; main waits for them below. */
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    pthread_sigmask(SIG_BLOCK, &ss, NULL);

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = 0;
    if (pool_mode < 0 || pool_mode > 64)
        pool_mode = 2;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&tcv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_t timer;
    int have_timer = 0;
    struct MHD_Daemon *d;
    if (pool_mode) {
        d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                                 MHD_ALLOW_SUSPEND_RESUME,
                             0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR,
                             (struct sockaddr *)&sin, MHD_OPTION_THREAD_POOL_SIZE,
                             (unsigned)pool_mode, MHD_OPTION_CONNECTION_LIMIT, (unsigned)8000,
                             MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                             MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
        have_timer = d && pthread_create(&timer, NULL, timer_thread, NULL) == 0;
    } else {
        d = MHD_start_daemon(
            MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0,
            NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000, MHD_OPTION_LISTEN_BACKLOG_SIZE,
            (unsigned)4096, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
            MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
            request_done, NULL, MHD_OPTION_END);
    }
    if (!d) {
        fprintf(stderr, "pk_testserver: cannot start the HTTP daemon\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    if (!port) {
        fprintf(stderr, "pk_testserver: no port\n");
        MHD_stop_daemon(d);
        return 1;
    }
    printf("%u\n", port);
    fflush(stdout);
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0) {
            perror(port_file);
            MHD_stop_daemon(d);
            return 1;
        }
    }
    int bh[4] = { -1, -1, -1, -1 };
    if (blackhole_file && blackhole(blackhole_file, bh) != 0) {
        perror("--blackhole");
        MHD_stop_daemon(d);
        return 1;
    }
    double end = now_s() + lifetime;
    for (;;) {
        double left = end - now_s();
        if (left <= 0)
            break;
        struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
        int s = sigtimedwait(&ss, NULL, &ts);
        if (s == SIGTERM || s == SIGINT)
            break;
    }
    atomic_store(&stopping, 1);
    if (have_timer) {   /* resumes every suspended connection, then ends */
        pthread_mutex_lock(&tmu);
        pthread_cond_signal(&tcv);
        pthread_mutex_unlock(&tmu);
        pthread_join(timer, NULL);
    }
    MHD_stop_daemon(d);
    free(heap);
    for (int i = 0; i < 4; i++)
        if (bh[i] >= 0)
            close(bh[i]);
    while (counters) {
        counter *c = counters;
        counters = c->next;
        free(c->key);
        free(c);
    }
    if (logf)
        fclose(logf);
    return 0;
}
